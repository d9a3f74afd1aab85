import { CacheUnwritable, GenImageError } from '../errors.ts';

/**
 * Error codes that say the disk takes no write at all (full, over quota, read-only, failing):
 * every later generation would be paid for and lost the same way, so the run stops sending.
 */
const DISK_PROBLEMS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO']);

/** The disk problem (`ENOSPC`, ...) behind a failed write, looked for along its causes, if any. */
export function diskProblemOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 10; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && DISK_PROBLEMS.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * What a generation answered, and paid for, but not stored reports: CacheUnwritable, which stops
 * the run, when the disk is the problem; otherwise undefined (one entry's own problem, reported as
 * it is).
 */
export function unwritableCache(error: unknown): GenImageError | undefined {
  const problem = diskProblemOf(error);
  if (!problem) return undefined;
  const detail = error instanceof Error ? error.message : String(error);
  return new GenImageError(CacheUnwritable, `Generated, and paid for, but not stored (${problem}): ${detail}`, { cause: error });
}
