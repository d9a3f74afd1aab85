import { lstat, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { writeFileAtomic } from './atomic.ts';
import { CacheCorrupt, CacheLockTimeout, GenImageError } from '../errors.ts';
import { silentLogger, type Logger } from '../logger.ts';
import type { ImageFormat } from '../params.ts';
import type { CacheEntryMeta, CacheStore, ReleaseLock, StoredEntry } from './store.ts';

const META_FILE = 'meta.json';
const LOCKS_DIR = '.locks';
const KEY_PATTERN = /^[0-9a-f]{64}$/;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;
/** A file name inside an entry: no separators, no NUL, not `.` or `..`. */
const PLAIN_NAME = /^(?!\.\.?$)[^/\\\0]+$/;
/** proper-lockfile clamps `stale` to at least this. */
const MIN_LOCK_STALE_MS = 2000;

/** Keeps lock files and the temp files of interrupted writes out of commits. */
const GITIGNORE = `# Written by genimage: lock files and unfinished writes are never committed.
${LOCKS_DIR}/
*.tmp-*
`;

const IMAGE_FORMATS = {
  png: 'png',
  jpeg: 'jpeg',
  webp: 'webp',
  avif: 'avif',
  gif: 'gif',
} as const satisfies { [F in ImageFormat]: F };

const sha256Schema = z.string().regex(SHA256_PATTERN, 'must be 64 lowercase hex characters');

/**
 * The shape of `meta.json`. Its key order is the order `meta.json` is written in, whatever order
 * the caller built the object in, so that a rewritten entry produces a clean diff.
 */
export const cacheEntryMetaSchema = z.object({
  version: z.literal(1),
  key: z.string().regex(KEY_PATTERN, 'must be 64 lowercase hex characters'),
  provider: z.string(),
  model: z.string(),
  prompt: z.string(),
  params: z.object({
    seed: z.number().int(),
    n: z.number().int().positive(),
    imageSize: z.string(),
    aspectRatio: z.string(),
    references: z.array(z.object({ source: z.string(), sha256: sha256Schema })),
  }),
  created: z.string(),
  usage: z
    .object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() })
    .optional(),
  credit: z.number().optional(),
  images: z
    .array(
      z.object({
        file: z
          .string()
          .regex(PLAIN_NAME, 'must be a plain file name inside the entry')
          .refine((file) => file !== META_FILE, `must not be ${META_FILE}`),
        sha256: sha256Schema,
        bytes: z.number().int().nonnegative(),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
        format: z.enum(IMAGE_FORMATS),
      }),
    )
    .min(1)
    .refine((images) => new Set(images.map((image) => image.file)).size === images.length, {
      message: 'file names must be unique',
    }),
}) satisfies z.ZodType<CacheEntryMeta>;

export interface FileSystemStoreOptions {
  /**
   * A lock whose holder stopped refreshing it for this long (the holder was killed) is taken
   * over. Holders refresh their lock every `lockStaleMs / 2`. At least 2000.
   * @default 10000
   */
  lockStaleMs?: number;
  /**
   * How long `lock()` waits for another process before it throws `CacheLockTimeout`. Long,
   * because the holder may be waiting for a slow generation.
   * @default 600000 (10 minutes)
   */
  lockWaitMs?: number;
  /** Told when a held lock was compromised (taken over as stale, or its lock file removed). */
  logger?: Logger;
}

/**
 * The cache as a folder, designed to be committed:
 *
 * ```text
 * <dir>/.gitignore          ignores .locks/ and *.tmp-*; written once
 * <dir>/.locks/<key>.lock   cross-process locks (proper-lockfile)
 * <dir>/<key>/meta.json     pretty-printed metadata; its presence marks the entry complete
 * <dir>/<key>/0.png         the images, named by meta.images[i].file
 * ```
 *
 * @example
 * const store = new FileSystemStore(path.join(root, '.genimage'));
 * const release = await store.lock(key);
 * try { if (!(await store.readMeta(key))) await store.write(meta, images); } finally { await release(); }
 */
export class FileSystemStore implements CacheStore {
  /** Absolute path of the cache folder. */
  readonly dir: string;
  readonly location: string;
  readonly #lockStaleMs: number;
  readonly #lockWaitMs: number;
  readonly #logger: Logger;
  #prepared: Promise<void> | undefined;

  constructor(dir: string, options: FileSystemStoreOptions = {}) {
    const { lockStaleMs = 10_000, lockWaitMs = 10 * 60_000, logger = silentLogger } = options;
    if (!Number.isFinite(lockStaleMs) || lockStaleMs < MIN_LOCK_STALE_MS) {
      throw new TypeError(`Expected \`lockStaleMs\` to be a number from ${MIN_LOCK_STALE_MS} and up, got ${lockStaleMs}`);
    }
    if (!(lockWaitMs >= 0)) {
      throw new TypeError(`Expected \`lockWaitMs\` to be a number from 0 and up, got ${lockWaitMs}`);
    }
    this.dir = dir;
    this.location = dir;
    this.#lockStaleMs = lockStaleMs;
    this.#lockWaitMs = lockWaitMs;
    this.#logger = logger;
  }

  async readMeta(key: string): Promise<CacheEntryMeta | undefined> {
    const path = join(this.#entryPath(key), META_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const parsed = parseMeta(text, key);
    if ('problem' in parsed) throw new GenImageError(CacheCorrupt, `${path} ${parsed.problem}`, { cause: parsed.cause });
    return parsed.meta;
  }

  async readImage(key: string, file: string): Promise<Uint8Array> {
    assertFileName(file);
    const buffer = await readFile(join(this.#entryPath(key), file));
    // A plain Uint8Array, like any other store returns, not a Buffer.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  async write(meta: CacheEntryMeta, images: Uint8Array[]): Promise<void> {
    const entry = this.#entryPath(meta.key);
    const result = cacheEntryMetaSchema.safeParse(meta);
    if (!result.success) {
      throw new TypeError(`Expected valid metadata for cache entry ${entry}:\n${formatIssues(result.error)}`);
    }
    const parsed = result.data;
    if (images.length !== parsed.images.length) {
      throw new TypeError(
        `Expected ${parsed.images.length} images for cache entry ${entry} (one per meta.images item), got ${images.length}`,
      );
    }
    await this.#prepare();
    await mkdir(entry, { recursive: true });
    const metaPath = join(entry, META_FILE);
    // meta.json marks an entry complete. Remove the old one first, so that a rewrite killed
    // half-way leaves an incomplete entry, never old metadata over new images.
    await rm(metaPath, { force: true });
    for (const [index, bytes] of images.entries()) {
      const { file } = parsed.images[index]!; // same length, checked above
      await writeFileAtomic(join(entry, file), bytes);
    }
    await writeFileAtomic(metaPath, `${JSON.stringify(parsed, null, 2)}\n`);
  }

  async delete(key: string): Promise<void> {
    const entry = this.#entryPath(key);
    const info = await lstatOrUndefined(entry);
    if (!info) return;
    // A link (or a file) is removed itself: going through it would delete what it points to.
    if (!info.isDirectory()) return rm(entry, { force: true });
    // meta.json first: a delete killed half-way leaves an incomplete entry, not a broken one.
    // rm unlinks symbolic links inside the folder and never follows them.
    await rm(join(entry, META_FILE), { force: true });
    await rm(entry, { recursive: true, force: true });
  }

  /**
   * The store's own entry under `key`: a real folder (not a link) holding a regular `meta.json`
   * (not a link) with valid metadata for this key. Anything else is reported with why.
   */
  async inspect(key: string): Promise<StoredEntry | undefined> {
    const entry = this.#entryPath(key);
    const info = await lstatOrUndefined(entry);
    if (!info) return undefined;
    const foreign = (reason: string): StoredEntry => ({ key, own: false, reason });
    if (info.isSymbolicLink()) return foreign('a symbolic link, not a folder genimage wrote');
    if (!info.isDirectory()) return foreign('not a folder');
    const metaInfo = await lstatOrUndefined(join(entry, META_FILE));
    if (!metaInfo) return foreign(`no ${META_FILE}: an unfinished write, or not genimage's`);
    if (metaInfo.isSymbolicLink()) return foreign(`its ${META_FILE} is a symbolic link`);
    if (!metaInfo.isFile()) return foreign(`its ${META_FILE} is not a file`);
    let text: string;
    try {
      text = await readFile(join(entry, META_FILE), 'utf8');
    } catch (error) {
      return foreign(`its ${META_FILE} cannot be read: ${messageOf(error)}`);
    }
    const parsed = parseMeta(text, key);
    return 'problem' in parsed ? foreign(`its ${META_FILE} ${parsed.problem}`) : { key, own: true, meta: parsed.meta };
  }

  async inspectAll(): Promise<StoredEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const found = await Promise.all(names.filter((name) => KEY_PATTERN.test(name)).sort().map((name) => this.inspect(name)));
    return found.filter((entry) => entry !== undefined);
  }

  async keys(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const complete = await Promise.all(
      names.filter((name) => KEY_PATTERN.test(name)).map(async (name) => ((await isFile(join(this.dir, name, META_FILE))) ? name : undefined)),
    );
    return complete.filter((name) => name !== undefined).sort();
  }

  async lock(key: string): Promise<ReleaseLock> {
    const entry = this.#entryPath(key);
    const lockfilePath = join(this.dir, LOCKS_DIR, `${key}.lock`);
    await this.#prepare();
    await mkdir(join(this.dir, LOCKS_DIR), { recursive: true });
    const deadline = Date.now() + this.#lockWaitMs;
    let delay = 25;
    // We poll ourselves with `retries: 0` instead of proper-lockfile's `retries`: its retry loop
    // also retries errors other than contention and, when it gives up, reports whichever error was
    // most frequent, so a timeout could not be told apart from a real failure.
    for (;;) {
      try {
        const release = await lockfile.lock(entry, {
          realpath: false,
          stale: this.#lockStaleMs,
          update: Math.floor(this.#lockStaleMs / 2),
          retries: 0,
          lockfilePath,
          // The default throws from a timer, which would crash the process.
          onCompromised: (error) => {
            this.#logger.warn(
              `The lock on cache entry ${entry} was lost (${error.message}); another process may write this entry at the same time.`,
            );
          },
        });
        return onceRelease(release);
      } catch (error) {
        if (errorCode(error) !== 'ELOCKED') throw error;
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          throw new GenImageError(
            CacheLockTimeout,
            `Waited ${formatDuration(this.#lockWaitMs)} for the lock on cache entry ${entry}, held by another process (${lockfilePath}).`,
            { cause: error },
          );
        }
        // Jittered backoff, so that waiting processes do not retry in lockstep.
        await sleep(Math.min(remaining, delay * (0.5 + Math.random())));
        delay = Math.min(delay * 1.5, 1000);
      }
    }
  }

  /** The entry folder of a key; the key check keeps every path inside `dir`. */
  #entryPath(key: string): string {
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new TypeError(`Expected a cache key of 64 lowercase hex characters, got ${JSON.stringify(key)}`);
    }
    return join(this.dir, key);
  }

  /** Creates the folder and its `.gitignore` once per store, before anything else is written. */
  #prepare(): Promise<void> {
    this.#prepared ??= this.#writeGitignore().catch((error: unknown) => {
      this.#prepared = undefined;
      throw error;
    });
    return this.#prepared;
  }

  async #writeGitignore(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, '.gitignore');
    // Written once: a .gitignore the user edited is theirs.
    if (await exists(path)) return;
    await writeFileAtomic(path, GITIGNORE);
  }
}

/** Release at most once; a lock already lost was reported through `onCompromised`. */
function onceRelease(release: () => Promise<void>): ReleaseLock {
  let released: Promise<void> | undefined;
  return () => {
    released ??= release().catch((error: unknown) => {
      if (errorCode(error) !== 'ERELEASED') throw error;
    });
    return released;
  };
}

/** The metadata in `text` for the entry `key`, or what is wrong with it (to follow the file's name). */
function parseMeta(text: string, key: string): { meta: CacheEntryMeta } | { problem: string; cause?: unknown } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `is not valid JSON: ${messageOf(error)}`, cause: error };
  }
  const result = cacheEntryMetaSchema.safeParse(json);
  if (!result.success) return { problem: `is not valid cache metadata:\n${formatIssues(result.error)}` };
  if (result.data.key !== key) return { problem: `belongs to key ${result.data.key}, not to the folder it lies in.` };
  return { meta: result.data };
}

function assertFileName(file: string): void {
  if (typeof file !== 'string' || !PLAIN_NAME.test(file)) {
    throw new TypeError(`Expected a plain file name inside a cache entry, got ${JSON.stringify(file)}`);
  }
}

function formatIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `  ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('\n');
}

function formatDuration(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}
