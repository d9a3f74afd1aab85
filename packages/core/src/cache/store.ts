import type { ImageFormat, Usage } from '../params.ts';

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
    seed: number;
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

/** Releases a lock taken with `CacheStore.lock`. */
export type ReleaseLock = () => Promise<void>;

/**
 * Where cache entries live. The folder store is the first; an object-storage store follows, so
 * nothing above this interface may assume a local path.
 */
export interface CacheStore {
  /** For messages: where the entries are, e.g. `.genimage/`. */
  readonly location: string;
  /** The entry's metadata, or undefined when the entry is absent or incomplete. */
  readMeta(key: string): Promise<CacheEntryMeta | undefined>;
  /** The bytes of one image file of an entry. Throws when it cannot be read. */
  readImage(key: string, file: string): Promise<Uint8Array>;
  /** Stores an entry atomically: images first, metadata last, each via temp file and rename. */
  write(meta: CacheEntryMeta, images: Uint8Array[]): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys of the complete entries. */
  keys(): Promise<string[]>;
  /** An exclusive lock on one key across processes, recovered when its holder died. */
  lock(key: string): Promise<ReleaseLock>;
}
