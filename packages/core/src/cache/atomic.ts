import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `data` to `path` so that readers see either the old file or the complete new one, never
 * a partial write: write a temp file next to the target, fsync it, rename it over the target,
 * then fsync the directory so the rename survives a power loss.
 *
 * `mode`: the permissions of the new file (a source file replaced keeps its own).
 *
 * Temp files are named `<path>.tmp-<pid>-<random>`; one left behind by a killed process matches
 * the `*.tmp-*` pattern the cache's `.gitignore` excludes.
 *
 * Hand-written rather than `write-file-atomic`, whose Node engine range is narrower than ours.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: { mode?: number; beforeRename?: () => Promise<void> } = {},
): Promise<void> {
  const tempPath = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let handle: FileHandle | undefined;
  try {
    // `wx`: never reuse (and so never clobber) someone else's temp file.
    handle = await open(tempPath, 'wx');
    await handle.writeFile(data);
    // Set here, not at open: the umask would clear bits the file it replaces has.
    if (options.mode !== undefined) await handle.chmod(options.mode);
    await handle.sync();
    await handle.close();
    handle = undefined;
    // The last word before the file is replaced (a source file edited meanwhile refuses): throwing leaves it as it is.
    await options.beforeRename?.();
    await rename(tempPath, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(tempPath, { force: true }).catch(() => {});
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Best effort: some platforms (Windows) and file systems cannot open or fsync a directory. */
async function syncDirectory(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // The rename already happened; only its durability across a power loss is at stake.
  } finally {
    await handle?.close().catch(() => {});
  }
}
