import { CacheCorrupt, GenImageError, isGenImageError, messageOf } from '../errors.ts';
import { digestOf, type ImageDigest } from './digest.ts';
import type { CacheEntryMeta, CacheStore, ReleaseLock } from './store.ts';
import type { VerifiedIndex } from './verified-index.ts';

/** A verified cache entry: its metadata and the bytes of each image, in `meta.images` order. */
export interface CachedEntry {
  meta: CacheEntryMeta;
  images: Uint8Array[];
}

/**
 * The generated-image cache over any `CacheStore`. It distrusts what it reads: every image is
 * checked against the size and sha256 in the metadata, and a corrupt entry is reported, never
 * served.
 *
 * `hits`, `misses` and `corrupt` count `get()` calls, `writes` counts `put()` calls; `status()`
 * counts nothing.
 *
 * @example
 * const cache = new ImageCache(new FileSystemStore(path.join(root, '.genimage')));
 * const entry = await cache.get(key); // undefined when missing, throws CacheCorrupt when corrupt
 * logger.info(`${cache.hits} cached, ${cache.misses} missing`);
 */
export class ImageCache {
  readonly store: CacheStore;
  /** `get()` calls that returned a verified entry. */
  hits = 0;
  /** `get()` calls that found no entry. */
  misses = 0;
  /** `get()` calls that found an entry failing verification. */
  corrupt = 0;
  /** Entries stored by `put()`. */
  writes = 0;
  /**
   * Keys verified (or written) by this process. `status()` trusts them without reading the images
   * again: one run asks for the status of a key several times, and 4K originals are large.
   * `get()` always verifies, so what is served is checked.
   */
  readonly #verified = new Set<string>();
  readonly #index: VerifiedIndex | undefined;

  /** `index`: remembers verified entries across runs (see VerifiedIndex); without it, each run verifies afresh. */
  constructor(store: CacheStore, options: { index?: VerifiedIndex } = {}) {
    this.store = store;
    this.#index = options.index;
  }

  /**
   * Reads and verifies the entry without counting: a verified entry, no entry, or an entry that
   * failed verification (where `get()` throws CacheCorrupt). An entry the index says was verified
   * in its present state is trusted without reading its images. An entry that fails verification
   * where the store has a good second copy (a remote) is replaced by it, and `cached`.
   */
  async status(key: string): Promise<'cached' | 'missing' | 'corrupt'> {
    if (this.#verified.has(key)) return 'cached';
    // Taken before reading: a change made while we verify leaves a stale fingerprint, never a trusted one.
    let fingerprint = this.#index && (await this.store.fingerprint?.(key));
    if (fingerprint !== undefined && (await this.#index?.has(key, fingerprint))) {
      this.#verified.add(key);
      return 'cached';
    }
    try {
      // Verified by digest where the store can: nothing here needs the bytes.
      const entry = await this.#load(key, false, async () => {
        // The repaired entry's own state: the one taken above describes the files it replaced.
        fingerprint = this.#index && (await this.store.fingerprint?.(key));
      });
      if (entry && fingerprint !== undefined) await this.#index?.set(key, fingerprint);
      return entry ? 'cached' : 'missing';
    } catch (error) {
      if (isGenImageError(error, CacheCorrupt)) {
        await this.#index?.delete(key);
        return 'corrupt';
      }
      throw error;
    }
  }

  /**
   * What `test` (a further check named `check`, e.g. that the images decode) finds wrong with the
   * verified entry, or undefined when it passes or there is no entry (`status()` says so). An entry
   * the index says passed `check` in its present state is not read; a pass is remembered there.
   * Counts nothing.
   * @throws GenImageError(CacheCorrupt) when the entry fails verification, as `get()` does.
   */
  async checkEntry<P>(key: string, check: string, test: (entry: CachedEntry) => Promise<P | undefined>): Promise<P | undefined> {
    // Taken before reading, as in status(): a change made meanwhile leaves a stale fingerprint.
    let fingerprint = this.#index && (await this.store.fingerprint?.(key));
    if (fingerprint !== undefined && (await this.#index?.has(key, fingerprint, check))) return undefined;
    const entry = await this.#load(key, true, async () => {
      fingerprint = this.#index && (await this.store.fingerprint?.(key));
    });
    if (!entry) return undefined;
    const problem = await test(entry);
    if (problem === undefined && fingerprint !== undefined) await this.#index?.set(key, fingerprint, check);
    return problem;
  }

  /** Saves what this run verified, for the next (see VerifiedIndex). */
  saveIndex(): Promise<void> {
    return this.#index?.save() ?? Promise.resolve();
  }

  /**
   * The verified entry, or undefined when there is none. An entry that fails verification is
   * replaced by the store's good second copy when it has one (a remote), and that is served.
   * @throws GenImageError(CacheCorrupt) when the metadata or an image fails verification (and no good copy replaced it).
   */
  async get(key: string): Promise<CachedEntry | undefined> {
    let entry: CachedEntry | undefined;
    try {
      entry = await this.#load(key, true);
    } catch (error) {
      if (isGenImageError(error, CacheCorrupt)) this.corrupt++;
      throw error;
    }
    if (entry) this.hits++;
    else this.misses++;
    return entry;
  }

  /**
   * Stores an entry after checking each image's size and sha256 against `meta.images`.
   * @throws Error when the metadata does not describe the images: nothing is written.
   */
  async put(meta: CacheEntryMeta, images: Uint8Array[]): Promise<void> {
    if (images.length !== meta.images.length) {
      throw new Error(
        `Refusing to cache entry ${meta.key}: the metadata lists ${meta.images.length} images, but ${images.length} were given.`,
      );
    }
    for (const [index, bytes] of images.entries()) {
      const expected = meta.images[index]!; // same length, checked above
      const mismatch = imageMismatch(expected, bytes);
      if (mismatch) throw new Error(`Refusing to cache entry ${meta.key}: image ${expected.file} ${mismatch}.`);
    }
    await this.store.write(meta, images);
    this.#verified.add(meta.key);
    const fingerprint = this.#index && (await this.store.fingerprint?.(meta.key));
    if (fingerprint !== undefined) await this.#index?.set(meta.key, fingerprint);
    this.writes++;
  }

  async delete(key: string): Promise<void> {
    this.#verified.delete(key);
    await this.#index?.delete(key);
    return this.store.delete(key);
  }

  keys(): Promise<string[]> {
    return this.store.keys();
  }

  lock(key: string): Promise<ReleaseLock> {
    return this.store.lock(key);
  }

  resetCounters(): void {
    this.hits = 0;
    this.misses = 0;
    this.corrupt = 0;
    this.writes = 0;
  }

  /**
   * `#read`, except that an entry failing verification is replaced by the store's second copy when
   * it has a good one (`CacheStore.repair`: a remote), then read and verified again. `beforeRetry`
   * runs between the repair and that second read.
   */
  async #load(key: string, withBytes: boolean, beforeRetry?: () => Promise<void>): Promise<CachedEntry | undefined> {
    try {
      return await this.#read(key, withBytes);
    } catch (error) {
      if (!isGenImageError(error, CacheCorrupt) || !this.store.repair || !(await this.store.repair(key, error))) throw error;
    }
    await beforeRetry?.();
    return this.#read(key, withBytes);
  }

  /** The verified entry; without `withBytes`, and where the store digests files itself, its images are checked but not returned. */
  async #read(key: string, withBytes: boolean): Promise<CachedEntry | undefined> {
    this.#verified.delete(key);
    const meta = await this.store.readMeta(key);
    if (!meta) return undefined;
    const entry = `${this.store.location.replace(/[\\/]+$/, '')}/${key}`;
    if (meta.key !== key) {
      throw new GenImageError(CacheCorrupt, `The metadata of entry ${entry} belongs to key ${meta.key}.`);
    }
    const images: Uint8Array[] = [];
    // One by one: an entry holds a few images, and the first failure is the one reported.
    const digestOnly = !withBytes && this.store.imageDigest !== undefined;
    for (const image of meta.images) {
      let bytes: Uint8Array | undefined;
      let digest: ImageDigest;
      try {
        if (digestOnly) digest = await this.store.imageDigest!(key, image.file);
        else {
          bytes = await this.store.readImage(key, image.file);
          digest = digestOf(bytes);
        }
      } catch (error) {
        throw new GenImageError(CacheCorrupt, `Image ${image.file} of entry ${entry} could not be read: ${messageOf(error)}`, {
          cause: error,
        });
      }
      const mismatch = digestMismatch(image, digest);
      if (mismatch) throw new GenImageError(CacheCorrupt, `Image ${image.file} of entry ${entry} ${mismatch}.`);
      if (bytes) images.push(bytes);
    }
    this.#verified.add(key);
    return { meta, images };
  }
}

/** Why `bytes` is not the image `expected` describes, or undefined when it is. */
export function imageMismatch(expected: CacheEntryMeta['images'][number], bytes: Uint8Array): string | undefined {
  return digestMismatch(expected, digestOf(bytes));
}

function digestMismatch(expected: CacheEntryMeta['images'][number], actual: ImageDigest): string | undefined {
  if (actual.bytes !== expected.bytes) return `has ${actual.bytes} bytes, but the metadata says ${expected.bytes}`;
  if (actual.sha256 !== expected.sha256) return `has sha256 ${actual.sha256}, but the metadata says ${expected.sha256}`;
  return undefined;
}
