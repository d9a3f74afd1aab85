import { z } from 'zod';
import { MAX_IMAGE_BYTES } from '../capped-body.ts';
import { messageOf } from '../errors.ts';
import type { ImageDigest } from './digest.ts';
import type { ImageFormat, Usage } from '../params.ts';
import { metaKey } from './key.ts';

/** The file of an entry holding its metadata; written last, so its presence marks the entry complete. */
export const META_FILE = 'meta.json';
/** A cache key, and the name of its entry: a sha256 in lowercase hex. */
export const KEY_PATTERN = /^[0-9a-f]{64}$/;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;
/** A file name inside an entry: no separators, no NUL, not `.` or `..`. */
export const PLAIN_NAME = /^(?!\.\.?$)[^/\\\0]+$/;

/** One image of a cache entry as recorded in its metadata. */
export interface CachedImageMeta {
  /** File name inside the entry, e.g. `0.png`. */
  file: string;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  format: ImageFormat;
}

/** The JSON sidecar of a cache entry: small, stable, readable in a pull request. */
export interface CacheEntryMeta {
  /** Layout version of this file. */
  version: 1;
  key: string;
  provider: string;
  model: string;
  prompt: string;
  params: {
    /** As the request states it: -1 when its declaration has none (the key is computed with it). */
    seed: number;
    /**
     * For seed -1 only: the seed genimage chose and sent instead (it never sends -1), so that the
     * image can be made again, and filed under a declaration that states it (`fix-seed`).
     * Absent from entries written before genimage chose seeds itself.
     */
    sentSeed?: number;
    n: number;
    imageSize: string;
    aspectRatio: string;
    references: { source: string; sha256: string }[];
  };
  /** ISO date of the generation. */
  created: string;
  usage?: Usage;
  credit?: number;
  images: CachedImageMeta[];
}

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
export const cacheEntryMetaSchema = z
  .object({
    version: z.literal(1),
    key: z.string().regex(KEY_PATTERN, 'must be 64 lowercase hex characters'),
    provider: z.string(),
    model: z.string(),
    prompt: z.string(),
    params: z.object({
      seed: z.number().int(),
      sentSeed: z.number().int().nonnegative().optional(),
      n: z.number().int().positive(),
      imageSize: z.string(),
      aspectRatio: z.string(),
      references: z.array(z.object({ source: z.string(), sha256: sha256Schema })),
    }),
    created: z.string(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() }).optional(),
    credit: z.number().optional(),
    images: z
      .array(
        // The pixel limit is sharp's (`decodeLimits`), checked on the image's own header before decoding.
        z.object({
          file: z
            .string()
            .regex(PLAIN_NAME, 'must be a plain file name inside the entry')
            .refine((file) => file !== META_FILE, `must not be ${META_FILE}`),
          sha256: sha256Schema,
          // No image genimage accepts from the API is larger: a larger claim is refused before any download.
          bytes: z.number().int().nonnegative().max(MAX_IMAGE_BYTES, `must be at most ${MAX_IMAGE_BYTES} (the largest image accepted)`),
          width: z.number().int().positive(),
          height: z.number().int().positive(),
          format: z.enum(IMAGE_FORMATS),
        }),
      )
      .min(1)
      .refine((images) => new Set(images.map((image) => image.file)).size === images.length, {
        message: 'file names must be unique',
      }),
  })
  .refine((meta) => meta.params.sentSeed === undefined || meta.params.seed === -1, {
    path: ['params', 'sentSeed'],
    message: 'is only recorded for seed -1 (a seed genimage chose and sent)',
  })
  // Each image is one the request asked for: a missing one would fail only in the build (`No cached image 3`).
  .refine((meta) => meta.images.length === meta.params.n, {
    path: ['images'],
    message: 'must hold as many images as params.n',
  }) satisfies z.ZodType<CacheEntryMeta>;

/**
 * The metadata in `text` for the entry `key`, or what is wrong with it (to follow the file's name):
 * valid metadata (each image within the size cap, one image per `params.n`) that hashes
 * to `key`. Every store reads its entries through it: the bucket and the committed folder are both
 * written by others, and an entry filed under another marker's key must never be served for it.
 */
export function parseEntryMeta(text: string, key: string): { meta: CacheEntryMeta } | { problem: string; cause?: unknown } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // JSON.parse throws only SyntaxError.
    return { problem: `is not valid JSON: ${(error as SyntaxError).message}`, cause: error };
  }
  const result = cacheEntryMetaSchema.safeParse(json);
  if (!result.success) return { problem: `is not valid cache metadata:\n${formatMetaIssues(result.error)}` };
  if (result.data.key !== key) return { problem: `belongs to key ${result.data.key}, not to the folder it lies in.` };
  if (metaKey(result.data) !== key) return { problem: UNBOUND };
  return { meta: result.data };
}

/** Why metadata whose fields are another request's is refused (`prune` says the same when it keeps such an entry). */
export const UNBOUND =
  'does not hash to its key: its provider, model, prompt, seed, size or references are not those of the request filed under it (copied or edited by hand)';

/** Zod issues as `  path: message` lines, for a message about an entry's metadata. */
export function formatMetaIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `  ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('\n');
}

/**
 * What a store finds under an entry's name: an entry it wrote itself (`own`, with its metadata),
 * or something it does not recognise as one (with why), which `prune` never deletes. An own entry
 * with `leftover` lies where it no longer belongs (why): `prune` deletes it whatever uses its key.
 */
export type StoredEntry = { key: string; own: true; meta: CacheEntryMeta; leftover?: string } | { key: string; own: false; reason: string };

/** Where a store found an entry: in this machine's cache, or in a shared remote (then copied here). */
export type EntryLocation = 'local' | 'remote';

/** Releases a lock taken with `CacheStore.lock`. */
export type ReleaseLock = () => Promise<void>;

/**
 * Where cache entries live: the folder (`FileSystemStore`), or the folder with a shared bucket
 * behind it (`TieredStore`). Nothing above this interface may assume a local path.
 */

export interface CacheStore {
  /** For messages: where the entries are, e.g. `.genimage/`. */
  readonly location: string;
  /**
   * The entry's metadata, or undefined when the entry is absent or incomplete. Throws
   * CacheCorrupt when what lies there is not a valid entry (for a folder: a symbolic link, or
   * invalid metadata): it is never served.
   */
  readMeta(key: string): Promise<CacheEntryMeta | undefined>;
  /** The bytes of one image file of an entry. Throws when it cannot be read (for a folder: or is a symbolic link). */
  readImage(key: string, file: string): Promise<Uint8Array>;
  /**
   * Where one image file of an entry lies on this machine, for a reader in another process (the
   * encoder process) that opens it without following a link and checks its size and sha256, as
   * `readImage`'s callers do; undefined for a store that keeps no such file. Checked like `readImage`.
   */
  imageFile?(key: string, file: string): Promise<string | undefined>;
  /**
   * The size and sha256 of one image file of an entry, read through without holding it whole (a
   * 4K original is 10 MB): what verifying an entry needs. Throws as `readImage` does.
   */
  imageDigest?(key: string, file: string): Promise<ImageDigest>;
  /**
   * Stores an entry atomically: images first, metadata last, each via temp file and rename.
   * Never writes through a symbolic link; refuses (CacheNotOwn) when something it did not write is in the way.
   */
  write(meta: CacheEntryMeta, images: Uint8Array[]): Promise<void>;
  /** Removes the entry; never follows a symbolic link (a linked entry or file goes, its target stays). */
  delete(key: string): Promise<void>;
  /** Keys of the complete entries. */
  keys(): Promise<string[]>;
  /** An exclusive lock on one key across processes, recovered when its holder died. */
  lock(key: string): Promise<ReleaseLock>;
  /**
   * What lies under `key`, or undefined when nothing does. A store that others can edit (a
   * folder) implements it and `inspectAll`, so that `prune` deletes only its own entries; without
   * them, `keys()` and `readMeta()` are taken as the whole truth.
   */
  inspect?(key: string): Promise<StoredEntry | undefined>;
  /** `inspect` for everything stored under an entry's name, complete or not, own or not; sorted by key. */
  inspectAll?(): Promise<StoredEntry[]>;
  /**
   * A short text that changes whenever anything in the entry may have changed (for a folder: the
   * size, times and inode of each file), or undefined when there is no complete entry. Cheap: no
   * content is read. Lets `ImageCache` skip verifying an entry it verified before, unchanged.
   */
  fingerprint?(key: string): Promise<string | undefined>;
  /** A store with a remote behind it: where the last `readMeta` of `key` found the entry, or undefined when it found none. */
  foundIn?(key: string): EntryLocation | undefined;
  /**
   * A store with a second copy behind it (a remote): replaces the entry under `key`, which failed
   * verification (`problem`, a CacheCorrupt), with that copy once it is verified, and says so.
   * True when it did (read the entry again: it is the copy now), false when there is no good copy
   * (absent, unreachable, or itself failing verification, which the store reports).
   */
  repair?(key: string, problem: Error): Promise<boolean>;
}

/** `store.inspect(key)`, or for a store without it, what `readMeta` says (a throw: not genimage's). */
export async function inspectEntry(store: CacheStore, key: string): Promise<StoredEntry | undefined> {
  if (store.inspect) return store.inspect(key);
  try {
    const meta = await store.readMeta(key);
    return meta && { key, own: true, meta };
  } catch (error) {
    return { key, own: false, reason: messageOf(error) };
  }
}

/** `store.inspectAll()`, or `inspectEntry` for each of its keys; sorted by key. */
export async function inspectEntries(store: CacheStore): Promise<StoredEntry[]> {
  if (store.inspectAll) return store.inspectAll();
  const found = await Promise.all((await store.keys()).sort().map((key) => inspectEntry(store, key)));
  return found.filter((entry) => entry !== undefined);
}
