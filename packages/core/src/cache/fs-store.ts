import { closeSync, constants, lstatSync, openSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { writeFileAtomic } from './atomic.ts';
import { digestOfFile, type ImageDigest } from './digest.ts';
import { CacheCorrupt, CacheLockTimeout, CacheDirLinked, GenImageError, messageOf } from '../errors.ts';
import { silentLogger, type Logger } from '../logger.ts';
import {
  type CacheEntryMeta,
  type CacheStore,
  type ReleaseLock,
  type StoredEntry,
  KEY_PATTERN,
  META_FILE,
  PLAIN_NAME,
  cacheEntryMetaSchema,
  formatMetaIssues,
  parseEntryMeta,
} from './store.ts';
import { formatDuration } from '../terminal-text.ts';

const LOCKS_DIR = '.locks';
/** proper-lockfile clamps `stale` to at least this. */
const MIN_LOCK_STALE_MS = 2000;
/** What to do about a link or a file where an entry folder belongs: `generate` replaces it, as any corrupt entry. */
const ENTRY_HINT =
  'genimage never follows a link in its cache. `genimage generate` replaces it with a real entry (removing the link, never what it points to); to keep the images it points to instead, replace the link with a copy of them (`cp -R`).';
/** Opening never follows a link in the last component, where the platform can (not on Windows: there the lstat before it decides). */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
/**
 * A `meta.json` larger than this is read asynchronously, as images are: metadata is a few hundred
 * bytes, and only a file someone else put there could be larger.
 */
const SMALL_FILE_BYTES = 64 * 1024;

/** Keeps lock files and the temp files of interrupted writes out of commits. */
const GITIGNORE = `# Written by genimage: lock files and unfinished writes are never committed.
${LOCKS_DIR}/
*.tmp-*
`;

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
 * What describes an entry (`lstat`, `readdir`, `meta.json`) is read synchronously, its images
 * asynchronously. On a local disk such a call takes a few microseconds done synchronously and
 * tens through the thread pool as a promise, and a warm build makes about ten per image before it
 * renders a page: for 2,000 images, a few tens of milliseconds instead of half a second
 * (bench/scale.ts).
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

  /**
   * The entry's metadata, or undefined when there is no entry or no `meta.json` yet.
   * @throws GenImageError(CacheCorrupt) when the entry is a link or not a folder, its `meta.json`
   * is a link or not a file, or its metadata is invalid: such an entry is never served.
   */
  async readMeta(key: string): Promise<CacheEntryMeta | undefined> {
    const found = await this.#find(key);
    if (!found || found.state === 'incomplete') return undefined;
    if (found.state === 'foreign')
      throw new GenImageError(CacheCorrupt, found.message, found.hint === undefined ? {} : { hint: found.hint });
    const path = join(this.#entryPath(key), META_FILE);
    let text: string;
    try {
      text = await readOwnText(path);
    } catch (error) {
      if (isMissing(error)) return undefined; // deleted meanwhile
      throw error;
    }
    const parsed = parseEntryMeta(text, key);
    if ('problem' in parsed) throw new GenImageError(CacheCorrupt, `${path} ${parsed.problem}`, { cause: parsed.cause });
    return parsed.meta;
  }

  /**
   * Each regular file of the entry with its size, modification and change times (milliseconds,
   * with their fraction) and inode: an edit changes the change time even when it keeps the size
   * and mtime. Undefined for an absent, incomplete or foreign entry (a link anywhere in it
   * included). A handful of synchronous calls: `lstat` of the folder, `readdir`, `lstat` per file.
   */
  async fingerprint(key: string): Promise<string | undefined> {
    const entry = this.#entryPath(key);
    if (!(await this.#assertOwnDir()) || !lstatOrUndefined(entry)?.isDirectory()) return undefined;
    try {
      const names = readdirSync(entry).sort();
      // A complete entry has its meta.json; the loop refuses anything in it that is not a regular file.
      if (!names.includes(META_FILE)) return undefined;
      const parts: string[] = [];
      for (const name of names) {
        const info = lstatSync(join(entry, name), { throwIfNoEntry: false });
        if (!info?.isFile()) return undefined;
        // Times in milliseconds with their fraction (a quarter of a microsecond apart at today's
        // dates): BigInt nanoseconds told no more apart, at a BigInt per field.
        parts.push(`${name}:${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}`);
      }
      return parts.join('|');
    } catch {
      return undefined; // removed or replaced meanwhile: not an entry to trust
    }
  }

  /** The image's path, once the cache folder is ours and the entry folder is not a link (the reader refuses a linked file). */
  async imageFile(key: string, file: string): Promise<string> {
    assertFileName(file);
    const entry = this.#entryPath(key);
    await this.#assertOwnDir();
    const folder = await this.#folder(entry);
    if (folder?.state === 'foreign') throw new GenImageError(CacheCorrupt, folder.message);
    return join(entry, file);
  }

  /** Reads the file through sha256, a piece at a time into one buffer; throws as `readImage` does. */
  async imageDigest(key: string, file: string): Promise<ImageDigest> {
    return withOwnFile(await this.imageFile(key, file), digestOfFile);
  }

  /** Throws when the entry folder or the file is a symbolic link, or the file is not a regular file. */
  async readImage(key: string, file: string): Promise<Uint8Array> {
    const buffer = await readOwnFile(await this.imageFile(key, file));
    // A plain Uint8Array, like any other store returns, not a Buffer.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  async write(meta: CacheEntryMeta, images: Uint8Array[]): Promise<void> {
    const entry = this.#entryPath(meta.key);
    const result = cacheEntryMetaSchema.safeParse(meta);
    if (!result.success) {
      throw new TypeError(`Expected valid metadata for cache entry ${entry}:\n${formatMetaIssues(result.error)}`);
    }
    const parsed = result.data;
    if (images.length !== parsed.images.length) {
      throw new TypeError(
        `Expected ${parsed.images.length} images for cache entry ${entry} (one per meta.images item), got ${images.length}`,
      );
    }
    await this.#prepare();
    // Never `recursive`: that succeeds on a link to a folder, and everything below would land in its target.
    await mkdir(entry).catch((error: unknown) => {
      if (errorCode(error) !== 'EEXIST') throw error;
    });
    // A link (or a file) under the entry's name reads as corrupt, and a corrupt entry is replaced
    // by the generation a marker asked for, as any other. Replaced only after the link itself is
    // removed: what it points to is never touched. (Refusing here would throw away a generation
    // already paid for: the write comes after the request.)
    if ((await this.#folder(entry))?.state === 'foreign') {
      await rm(entry, { force: true }); // not recursive: unlinks the link (or the file) itself
      await mkdir(entry);
    }
    // Inside a real folder no write goes through a link: temp files are created with O_EXCL
    // (which never follows one) and renamed over the final name, which replaces a link itself.
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
    await this.#assertOwnDir();
    const info = lstatOrUndefined(entry);
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
    const found = await this.#find(key);
    if (!found) return undefined;
    const foreign = (reason: string): StoredEntry => ({ key, own: false, reason });
    if (found.state === 'foreign') return foreign(found.reason);
    if (found.state === 'incomplete') return foreign(`no ${META_FILE}: an unfinished write, or not genimage's`);
    let text: string;
    try {
      text = await readOwnText(join(this.#entryPath(key), META_FILE));
    } catch (error) {
      return foreign(`its ${META_FILE} cannot be read: ${messageOf(error)}`);
    }
    const parsed = parseEntryMeta(text, key);
    return 'problem' in parsed ? foreign(`its ${META_FILE} ${parsed.problem}`) : { key, own: true, meta: parsed.meta };
  }

  async inspectAll(): Promise<StoredEntry[]> {
    const found = await Promise.all((await this.#entryNames()).map((name) => this.inspect(name)));
    return found.filter((entry) => entry !== undefined);
  }

  /** Keys of the complete entries: real folders holding a regular `meta.json`, no links. */
  async keys(): Promise<string[]> {
    const names = await this.#entryNames();
    const complete = await Promise.all(names.map(async (name) => ((await this.#find(name))?.state === 'entry' ? name : undefined)));
    return complete.filter((name) => name !== undefined);
  }

  async lock(key: string): Promise<ReleaseLock> {
    const entry = this.#entryPath(key);
    const lockfilePath = join(this.dir, LOCKS_DIR, `${key}.lock`);
    await this.#prepare();
    await this.#locksFolder();
    const deadline = Date.now() + this.#lockWaitMs;
    let delay = 25;
    let announced = false;
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
        if (!announced) {
          announced = true;
          // Said once: otherwise a run waiting for a lock a killed process left looks stuck.
          this.#logger.info(
            `Waiting for the lock on cache entry ${key}: another process holds it (a lock left by a killed process is reclaimed after ${formatDuration(this.#lockStaleMs)}).`,
          );
        }
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

  /**
   * What lies under an entry's name, looked at without following a link: undefined (nothing), a
   * complete `entry` (a real folder with a regular `meta.json`), an `incomplete` one (a real folder
   * without `meta.json`: an unfinished write), or something `foreign`, with why. `inspect` and
   * `readMeta` tell the same things apart through it, and `keys` lists only complete entries.
   */
  async #find(key: string): Promise<Found | undefined> {
    const entry = this.#entryPath(key);
    if (!(await this.#assertOwnDir())) return undefined;
    const folder = await this.#folder(entry);
    if (folder?.state !== 'folder') return folder;
    const metaPath = join(entry, META_FILE);
    const meta = lstatOrUndefined(metaPath);
    if (!meta) return { state: 'incomplete' };
    if (meta.isSymbolicLink()) {
      return {
        state: 'foreign',
        reason: `its ${META_FILE} is a symbolic link`,
        message: `${metaPath} is a symbolic link (to ${await linkTarget(metaPath)}); genimage never follows links in its cache.`,
      };
    }
    if (!meta.isFile()) return { state: 'foreign', reason: `its ${META_FILE} is not a file`, message: `${metaPath} is not a file.` };
    return { state: 'entry' };
  }

  /** Whether `path` is a real folder, nothing, or something else (a link, a file), with why. */
  async #folder(path: string): Promise<{ state: 'folder' } | Extract<Found, { state: 'foreign' }> | undefined> {
    const info = lstatOrUndefined(path);
    if (!info) return undefined;
    if (info.isSymbolicLink()) {
      return {
        state: 'foreign',
        reason: 'a symbolic link, not a folder genimage wrote',
        message: `${path} is a symbolic link (to ${await linkTarget(path)}), not a folder genimage wrote; genimage never follows links in its cache.`,
        hint: ENTRY_HINT,
      };
    }
    if (!info.isDirectory()) return { state: 'foreign', reason: 'not a folder', message: `${path} is not a folder.` };
    return { state: 'folder' };
  }

  /**
   * Creates `.locks/` if need be. A link (or a file) there is replaced by a real folder, the link
   * itself removed, never what it points to: lock files are the store's own and short-lived.
   */
  async #locksFolder(): Promise<void> {
    const locks = join(this.dir, LOCKS_DIR);
    if ((await this.#folder(locks))?.state === 'foreign') await rm(locks, { force: true });
    await mkdir(locks).catch((error: unknown) => {
      if (errorCode(error) !== 'EEXIST') throw error;
    });
  }

  /** The names under `dir` that are entry names (keys), sorted. */
  async #entryNames(): Promise<string[]> {
    await this.#assertOwnDir();
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    return names.filter((name) => KEY_PATTERN.test(name)).sort();
  }

  /**
   * Refuses a cache folder that is itself a symbolic link: every write, and prune's deletions,
   * would land wherever it points. Checked on every call (one lstat), not once: a dev server
   * runs for hours. Says whether the folder exists: where it does not, no entry does.
   */
  async #assertOwnDir(): Promise<boolean> {
    const info = lstatOrUndefined(this.dir);
    if (!info?.isSymbolicLink()) return info !== undefined;
    throw new GenImageError(
      CacheDirLinked,
      `The cache folder ${this.dir} is a symbolic link (to ${await linkTarget(this.dir)}). genimage does not use a cache folder that is a link: its writes, and prune's deletions, would land wherever the link points.`,
      {
        hint: 'Make it a real folder (replace the link with a copy of what it points to, `cp -R`), or set `cacheDir` to the real folder, with `cacheDirOutsideRoot: true` if it lies outside the project.',
      },
    );
  }

  /** The entry folder of a key; the key check keeps every path inside `dir`. */
  #entryPath(key: string): string {
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new TypeError(`Expected a cache key of 64 lowercase hex characters, got ${JSON.stringify(key)}`);
    }
    return join(this.dir, key);
  }

  /**
   * Creates the folder and its `.gitignore` once per store, before anything else is written; on
   * every call, refuses a cache folder that has become a link since.
   */
  async #prepare(): Promise<void> {
    await this.#assertOwnDir();
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

/** What lies under an entry's name; `foreign` says why in `inspect`'s words (`reason`) and in a message naming the path. */
type Found =
  | { state: 'entry' }
  | { state: 'incomplete' }
  | { state: 'foreign'; reason: string; message: string; hint?: string | undefined };

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

function assertFileName(file: string): void {
  if (typeof file !== 'string' || !PLAIN_NAME.test(file)) {
    throw new TypeError(`Expected a plain file name inside a cache entry, got ${JSON.stringify(file)}`);
  }
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Whether anything is at `path`, a link included (even one whose target is gone). */
async function exists(path: string): Promise<boolean> {
  return lstatOrUndefined(path) !== undefined;
}

/**
 * Refuses what is not a regular file of the store's own: a link or a non-file is CacheCorrupt; a
 * missing file throws as it is. lstat first (clear messages, and the only guard on Windows); the
 * open that follows uses O_NOFOLLOW, so a link swapped in between is refused too (`linkRefused`).
 */
async function assertOwnFile(path: string): Promise<Stats> {
  const info = lstatSync(path);
  if (info.isSymbolicLink())
    throw new GenImageError(
      CacheCorrupt,
      `${path} is a symbolic link (to ${await linkTarget(path)}); genimage never follows links in its cache`,
    );
  if (!info.isFile()) throw new GenImageError(CacheCorrupt, `${path} is not a file`);
  return info;
}

/** An open's error as CacheCorrupt when the last component became a link: ELOOP on Linux and macOS, EMLINK on FreeBSD. */
function linkRefused(path: string, error: unknown): unknown {
  const code = errorCode(error);
  if (code !== 'ELOOP' && code !== 'EMLINK') return error;
  return new GenImageError(CacheCorrupt, `${path} is a symbolic link; genimage never follows links in its cache`, { cause: error });
}

/**
 * The bytes of a regular file, never through a symbolic link (`assertOwnFile`). Other errors (a
 * missing file, too many open files) are thrown as they are.
 */
function readOwnFile(path: string): Promise<Buffer> {
  return withOwnFile(path, (handle) => handle.readFile());
}

/** Runs `read` on the file opened without following a link (`assertOwnFile`, then O_NOFOLLOW). */
async function withOwnFile<T>(path: string, read: (handle: FileHandle) => Promise<T>): Promise<T> {
  await assertOwnFile(path);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
  } catch (error) {
    throw linkRefused(path, error);
  }
  try {
    return await read(handle);
  } finally {
    await handle.close();
  }
}

/** `readOwnFile` for a text file (`meta.json`): synchronously up to SMALL_FILE_BYTES (see FileSystemStore). */
async function readOwnText(path: string): Promise<string> {
  const info = await assertOwnFile(path);
  if (info.size > SMALL_FILE_BYTES) return (await readOwnFile(path)).toString('utf8');
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NO_FOLLOW);
  } catch (error) {
    throw linkRefused(path, error);
  }
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

async function linkTarget(path: string): Promise<string> {
  return readlink(path).catch(() => 'somewhere unreadable');
}

/** What is at `path`, never following a link; undefined when nothing is. Synchronous: see FileSystemStore. */
function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
