import pLimit from 'p-limit';
import type { ImageUse } from '../engine.ts';
import { CacheCorrupt, GenImageError, type SourceLocation, messageOf } from '../errors.ts';
import { sha256Hex } from '../hash.ts';
import { type OriginalInfo, type VariantSource, slugify } from './optimize.ts';
import type { CacheEntryMeta, CachedImageMeta, CacheStore } from '../cache/store.ts';

/** Cache reads at once (metadata, and originals to encode): I/O, bounded so that a scan of a large site does not open every file together. */
const READ_CONCURRENCY = 8;

/** An original as its cache metadata describes it: its bytes are read only to encode a variant. */
export interface Original extends OriginalInfo {
  /** `<key>/<file>`: the encodes under way of one original share one read. */
  id: string;
  /** The marker this original was planned for: failures to render it name it. */
  origin: SourceLocation;
  /** `bytes` reads the image and checks it against the metadata, every time it is called. */
  source: VariantSource & { bytes: () => Promise<Uint8Array> };
}

/**
 * The cached originals variants are encoded from. File names are planned from the metadata
 * alone; an original is read only while an encode needs its bytes, once for all the encodes of
 * it under way together, so a build whose variants are all cached reads no image at all.
 */
export class Originals {
  readonly #store: CacheStore;
  readonly #reads = new Map<string, { bytes: Promise<Uint8Array>; users: number }>();
  readonly #io = pLimit(READ_CONCURRENCY);
  /** `stable`: each entry's metadata, read once. */
  readonly #metas: Map<string, Promise<CacheEntryMeta | undefined>> | undefined;

  /**
   * `stable`: the cache does not change while this lives (a build), so metadata is read once per
   * entry however many pages show it. Otherwise (a dev server) it is read every time.
   */
  constructor(store: CacheStore, options: { stable?: boolean } = {}) {
    this.#store = store;
    if (options.stable) this.#metas = new Map();
  }

  /** Originals held in memory now: only those with an encode under way. */
  get inMemory(): number {
    return this.#reads.size;
  }

  /** The original from its cache metadata (sha256, size, format): file names are planned without reading it. */
  async plan(use: ImageUse): Promise<Original | undefined> {
    const { key } = use;
    const meta = await this.#meta(key);
    const image = meta?.key === key ? meta.images[use.pick] : undefined;
    if (!image) return undefined;
    return {
      id: `${key}/${image.file}`,
      origin: use.origin,
      width: image.width,
      height: image.height,
      format: image.format,
      source: {
        sha256: image.sha256,
        slug: slugify(use.params.prompt),
        pixels: image.width * image.height,
        bytes: () => this.#read(key, image),
        file: async () => {
          const path = await this.#store.imageFile?.(key, image.file);
          return path === undefined ? undefined : { path, size: image.bytes, name: `Image ${image.file} of entry ${this.#entry(key)}` };
        },
      },
    };
  }

  #meta(key: string): Promise<CacheEntryMeta | undefined> {
    const read = () => this.#io(() => this.#store.readMeta(key)).catch(() => undefined);
    if (!this.#metas) return read();
    let meta = this.#metas.get(key);
    if (!meta) {
      meta = read();
      this.#metas.set(key, meta);
    }
    return meta;
  }

  /** Forgets what was read of an entry (it was generated again). */
  forget(key: string): void {
    this.#metas?.delete(key);
  }

  /**
   * Runs `work` with a source whose bytes are read only if `work` asks for them, once for every
   * encode of this original under way at the same time, and let go when the last one is done.
   */
  async lease<T>(original: Original, work: (source: VariantSource) => Promise<T>): Promise<T> {
    let held: { bytes: Promise<Uint8Array>; users: number } | undefined;
    const source: VariantSource = {
      ...original.source,
      bytes: () => {
        if (!held) {
          held = this.#reads.get(original.id) ?? { bytes: original.source.bytes(), users: 0 };
          this.#reads.set(original.id, held);
          held.users++;
        }
        return held.bytes;
      },
    };
    try {
      return await work(source);
    } finally {
      if (held && --held.users === 0 && this.#reads.get(original.id) === held) this.#reads.delete(original.id);
    }
  }

  /** One image of an entry, distrusted like `ImageCache.get()` does: its size and sha256 must match the metadata. */
  /** How messages name an entry: `.genimage/<key>`. */
  #entry(key: string): string {
    return `${this.#store.location.replace(/[\\/]+$/, '')}/${key}`;
  }

  async #read(key: string, image: CachedImageMeta): Promise<Uint8Array> {
    const entry = this.#entry(key);
    let bytes: Uint8Array;
    try {
      bytes = await this.#io(() => this.#store.readImage(key, image.file));
    } catch (error) {
      throw new GenImageError(CacheCorrupt, `Image ${image.file} of entry ${entry} could not be read: ${messageOf(error)}`, {
        cause: error,
      });
    }
    if (bytes.byteLength !== image.bytes || sha256Hex(bytes) !== image.sha256) {
      throw new GenImageError(CacheCorrupt, `Image ${image.file} of entry ${entry} does not match its metadata (size or sha256).`);
    }
    return bytes;
  }
}
