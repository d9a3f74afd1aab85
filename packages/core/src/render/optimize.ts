import { readFileSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { PlaceholderKind, RenderFormat } from '../attributes.ts';
import { writeFileAtomic } from '../cache/atomic.ts';
import { sha256Hex } from '../hash.ts';
import { type Encoder, EncoderProcesses, InlineEncoder } from './encoder-process.ts';
import { type LayoutOptions, planImage } from './layout.ts';
import { placeholderStats } from './placeholder-stats.ts';

/**
 * Bumped when the encoding below changes its output (encoder options, resizing kernel, a sharp
 * major with different bytes): every variant name and disk-cache entry changes with it.
 */
export const VARIANT_VERSION = 1;

/** Formats genimage encodes variants in: the `formats` attribute's words. */
export type VariantFormat = RenderFormat;

/** One encoded rendition of an original: a format at a width. */
export interface Variant {
  format: VariantFormat;
  width: number;
  height: number;
  /** Encoder quality, 1-100. */
  quality: number;
  /** Encoder effort; only AVIF uses it (0-9). */
  effort?: number;
  /**
   * Cut to `width` × `height` from the original (sharp's `fit: "cover"`), keeping this sharp
   * `position`; absent, the original is resized whole to that size.
   */
  crop?: string;
}

/** How the variants are encoded, and which: the layout's candidates (`planImage`). */
export interface VariantOptions extends LayoutOptions {
  /** Modern formats, offered as `<source>` elements, best first. */
  formats: readonly VariantFormat[];
  /** The `<img>` fallback's format. */
  fallbackFormat: VariantFormat;
  quality: number;
  avifEffort: number;
}

export interface OriginalInfo {
  width: number;
  height: number;
  format: string;
}

/**
 * Every variant of an original: each modern format at each candidate of its layout, then the
 * fallback format at each (once, if it is also a modern format). Pure: names and HTML can be
 * planned before anything is encoded.
 */
export function planVariants(original: OriginalInfo, options: VariantOptions): Variant[] {
  const { candidates, crop } = planImage(original, options);
  const formats = [...new Set([...options.formats, options.fallbackFormat])];
  return formats.flatMap((format) =>
    candidates.map(({ width, height }) => ({
      format,
      width,
      height,
      quality: options.quality,
      ...(format === 'avif' && { effort: options.avifEffort }),
      ...(crop !== undefined && { crop }),
    })),
  );
}

export function extensionOf(format: VariantFormat): string {
  return format === 'jpeg' ? 'jpg' : format;
}

export function mimeTypeOf(format: VariantFormat): string {
  return `image/${format}`;
}

/**
 * The disk-cache key of a variant: a sorted allow-list of what changes its bytes (the original's
 * content hash, format, size, quality, effort, crop), salted with VARIANT_VERSION. Pinned by a golden test.
 * A variant without crop has the key it had before crops existed: its bytes did not change.
 */
export function variantKey(originalSha256: string, variant: Variant): string {
  const text = JSON.stringify([
    `genimage-variant-v${VARIANT_VERSION}`,
    ['effort', variant.effort ?? null],
    ['format', variant.format],
    ['height', variant.height],
    ['original', originalSha256],
    ...(variant.crop === undefined ? [] : [['position', variant.crop]]),
    ['quality', variant.quality],
    ['width', variant.width],
  ]);
  // Asked for by every page that shows the variant, and for each file name and cache path.
  let key = variantKeys.get(text);
  if (key === undefined) {
    if (variantKeys.size >= MAX_REMEMBERED_KEYS) variantKeys.clear();
    key = sha256Hex(text);
    variantKeys.set(text, key);
  }
  return key;
}

const variantKeys = new Map<string, string>();
/** Bounds the memory of a long dev session. */
const MAX_REMEMBERED_KEYS = 50_000;

/** A short, readable, URL-safe name from a prompt: "A red fox, asleep!" -> "a-red-fox-asleep". */
export function slugify(text: string, maxLength = 32): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = slug.length <= maxLength ? slug : slug.slice(0, maxLength).replace(/-[^-]*$/, '');
  return cut || 'image';
}

/**
 * The public, immutable file name of a variant: `<slug>-<hash8>-<width>.<ext>`. The hash covers
 * the original's content and every encoding parameter, so a name never changes meaning and can
 * be served with `Cache-Control: immutable`.
 */
export function variantFileName(slug: string, originalSha256: string, variant: Variant): string {
  return `${slug}-${variantKey(originalSha256, variant).slice(0, 8)}-${variant.width}.${extensionOf(variant.format)}`;
}

/** An original to derive variants from; the bytes are read only if something must be encoded. */
export interface VariantSource {
  /** Hex sha256 of the original's bytes. */
  sha256: string;
  bytes: Uint8Array | (() => Promise<Uint8Array>);
  /** Readable part of the file names. @default "image" */
  slug?: string;
  /**
   * Where the bytes lie on this machine (a cached original): the encoder process then reads and
   * checks them itself, and this process never holds them. Undefined: `bytes` are sent to it.
   */
  file?: () => Promise<OriginalFile | undefined>;
  /** The original's width × height, when known: large originals have an encoder process of their own. */
  pixels?: number;
}

/** An original's file, for a reader that checks what it reads against `size` and the source's sha256. */
export interface OriginalFile {
  path: string;
  size: number;
  /** What failure messages call it: "Image 0.png of entry .genimage/<key>". */
  name: string;
}

export interface OptimizedVariant {
  variant: Variant;
  /** The public file name, `<slug>-<hash8>-<width>.<ext>`. */
  fileName: string;
  /** Where the encoded bytes are, in the variant cache. */
  cachePath: string;
  /** Whether this call encoded it (false: found in the cache or in flight). */
  encoded: boolean;
}

export interface OptimizerOptions {
  /** The persistent cache of encoded variants, e.g. `<root>/node_modules/.cache/genimage/variants`. */
  cacheDir: string;
  /** sharp encodes at once. CPU-bound: @default os.availableParallelism() */
  concurrency?: number;
  /** Told when each encode starts and when its file is written: what a build is doing, in order (tests, benchmarks). */
  onEncode?: (event: EncodeEvent) => void;
  /**
   * Where sharp encodes: `process`, child processes started on the first encode, whose native
   * memory the build's process does not keep (see `encoder-process.ts`); `inline`, this process.
   * The bytes are the same.
   * @default 'process'
   */
  encoder?: 'process' | 'inline';
}

/** An encode starting (`start`), or its file written to the variant cache (`end`). */
export interface EncodeEvent {
  type: 'start' | 'end';
  fileName: string;
  variant: Variant;
}

/**
 * What shows before the image loads. `opaque: false` marks an image with transparent pixels:
 * the placeholder would show through them, so `renderPicture` removes it once the image loads.
 */
export type Placeholder =
  | { kind: 'blur'; dataUrl: string; opaque?: boolean }
  | { kind: 'color'; color: string; opaque?: boolean }
  | { kind: 'none' };

/** Width of the blurred preview: a data URL of a few hundred bytes. */
export const PLACEHOLDER_WIDTH = 16;

/** The tiny WebP that blur and colour placeholders are made from. */
export function placeholderVariant(original: OriginalInfo): Variant {
  return {
    format: 'webp',
    width: PLACEHOLDER_WIDTH,
    height: Math.max(1, Math.round((PLACEHOLDER_WIDTH * original.height) / original.width)),
    quality: 40,
  };
}

/**
 * A blurred preview as an SVG data URL: the tiny WebP drawn at full size under a Gaussian blur,
 * so the browser shows a smooth preview rather than 16 stretched blocks (the technique of
 * Next.js' `placeholder="blur"`). For an opaque image the alpha is then set back to 1, so the
 * blur does not fade the edges to transparent.
 */
export function blurDataUrl(tinyWebp: Uint8Array, size: { width: number; height: number }, opaque: boolean): string {
  const { width, height } = size;
  const solid = opaque ? "<feComponentTransfer><feFuncA type='discrete' tableValues='1 1'/></feComponentTransfer>" : '';
  const svg =
    `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 ${width} ${height}' preserveAspectRatio='none'>` +
    `<filter id='b' color-interpolation-filters='sRGB'><feGaussianBlur stdDeviation='1'/>${solid}</filter>` +
    `<image width='100%' height='100%' preserveAspectRatio='none' filter='url(#b)' href='data:image/webp;base64,${Buffer.from(tinyWebp).toString('base64')}'/></svg>`;
  // Only what a data URL inside CSS url("...") and an HTML attribute cannot hold is escaped.
  return `data:image/svg+xml,${svg.replace(/[%#<>"]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/**
 * Encodes variants with sharp, once: each lands in a persistent disk cache under a name derived
 * from `variantKey()`, so a second build re-encodes nothing. A variant asked for again in the same
 * run is shared, not counted again. `encoded` and `reused` count distinct variants; `summary()` is one line for the end of a build.
 *
 * @example
 * const optimizer = new Optimizer({ cacheDir: 'node_modules/.cache/genimage/variants' });
 * const files = await optimizer.optimize({ sha256, bytes, slug: 'red-fox' }, planVariants(info, render));
 * logger.info(optimizer.summary()); // "12 variant(s): 3 encoded, 9 reused"
 */
export class Optimizer {
  readonly cacheDir: string;
  /** Variants encoded by this optimizer. */
  encoded = 0;
  /** Variants found in the disk cache. */
  reused = 0;
  readonly #variants = new Map<string, Promise<OptimizedVariant>>();
  readonly #placeholders = new Map<string, Promise<Placeholder>>();
  readonly #onEncode: ((event: EncodeEvent) => void) | undefined;
  readonly #encoder: Encoder;

  constructor(options: OptimizerOptions) {
    const concurrency = options.concurrency ?? availableParallelism();
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`Expected \`concurrency\` to be an integer from 1 and up, got ${concurrency}`);
    }
    this.cacheDir = options.cacheDir;
    this.#onEncode = options.onEncode;
    this.#encoder = options.encoder === 'inline' ? new InlineEncoder(concurrency) : new EncoderProcesses({ concurrency });
  }

  /** Encodes running now, and waiting for a slot. */
  get activeCount(): number {
    return this.#encoder.activeCount;
  }
  get pendingCount(): number {
    return this.#encoder.pendingCount;
  }

  cachePathOf(originalSha256: string, variant: Variant): string {
    return path.join(this.cacheDir, `${variantKey(originalSha256, variant)}.${extensionOf(variant.format)}`);
  }

  /** Whether a variant is in the disk cache: using it reads no original. Counts nothing. */
  isCached(originalSha256: string, variant: Variant): Promise<boolean> {
    return isNonEmptyFile(this.cachePathOf(originalSha256, variant));
  }

  /**
   * One variant: from the disk cache, from an encode under way or done in this run, or encoded now.
   * `first`: ahead of the encodes waiting (what a page waits for).
   */
  variant(source: VariantSource, variant: Variant, first = false): Promise<OptimizedVariant> {
    const key = variantKey(source.sha256, variant);
    const known = this.#variants.get(key);
    if (known) {
      return known.then(async (done) => {
        if (await isNonEmptyFile(done.cachePath)) return { ...done, encoded: false };
        // The file went away while we ran (node_modules/.cache wiped under a dev server): encode it again.
        if (this.#variants.get(key) === known) this.#variants.delete(key);
        return this.variant(source, variant, first);
      });
    }
    const fileName = variantFileName(source.slug ?? 'image', source.sha256, variant);
    const cachePath = this.cachePathOf(source.sha256, variant);
    const work = (async (): Promise<OptimizedVariant> => {
      if (await isNonEmptyFile(cachePath)) {
        this.reused++;
        return { variant, fileName, cachePath, encoded: false };
      }
      const bytes = await this.#encoder.encode(source, variant, {
        first,
        onStart: () => this.#onEncode?.({ type: 'start', fileName, variant }),
      });
      await mkdir(this.cacheDir, { recursive: true });
      await writeFileAtomic(cachePath, bytes);
      this.encoded++;
      this.#onEncode?.({ type: 'end', fileName, variant });
      return { variant, fileName, cachePath, encoded: true };
    })();
    // Kept for the run (each variant is counted once); a failure is forgotten, to be tried again.
    this.#variants.set(key, work);
    work.catch(() => this.#variants.delete(key));
    return work;
  }

  /** Every variant of one original, in the order given. */
  optimize(source: VariantSource, variants: readonly Variant[]): Promise<OptimizedVariant[]> {
    // Read the original once for all of its variants, not once per variant.
    let read: Promise<Uint8Array> | undefined;
    const shared: VariantSource = { ...source, bytes: () => (read ??= bytesOf(source)) };
    return Promise.all(variants.map((variant) => this.variant(shared, variant)));
  }

  /** The bytes of an optimized variant. */
  read(optimized: Pick<OptimizedVariant, 'cachePath'>): Promise<Buffer> {
    return readFile(optimized.cachePath);
  }

  /**
   * What shows while the image loads: a blurred preview (an SVG data URL, see `blurDataUrl`) or
   * the dominant colour, both made from a 16px-wide WebP (`placeholderVariant`). That WebP is
   * cached on disk like any variant, with its stats (`placeholderStats`); the placeholder is kept
   * in memory for the run.
   */
  placeholder(source: VariantSource, kind: PlaceholderKind, original: OriginalInfo): Promise<Placeholder> {
    if (kind === 'none') return Promise.resolve({ kind: 'none' });
    const memo = `${source.sha256}:${kind}`;
    let result = this.#placeholders.get(memo);
    if (!result) {
      const tiny = placeholderVariant(original);
      result = this.variant(source, tiny, true).then(async (done) => {
        // A few hundred bytes: read synchronously.
        const bytes = readFileSync(done.cachePath);
        // The tiny preview is the original to the eye, at a fraction of the cost; its stats are kept beside it.
        const { dominant, isOpaque } = await placeholderStats(done.cachePath, bytes, (preview) => this.#encoder.stats(preview));
        if (kind === 'blur') return { kind: 'blur', dataUrl: blurDataUrl(bytes, tiny, isOpaque), opaque: isOpaque } as const;
        return { kind: 'color', color: `rgb(${dominant.r} ${dominant.g} ${dominant.b})`, opaque: isOpaque } as const;
      });
      this.#placeholders.set(memo, result);
      result.catch(() => this.#placeholders.delete(memo));
    }
    return result;
  }

  resetCounters(): void {
    this.encoded = 0;
    this.reused = 0;
  }

  /** "12 variant(s): 3 encoded, 9 reused". */
  summary(): string {
    return `${this.encoded + this.reused} variant(s): ${this.encoded} encoded, ${this.reused} reused`;
  }
}

/**
 * Encodes the variants of one original into `options.cacheDir` (see `Optimizer` for counters and
 * placeholders across many originals).
 */
export function optimize(
  originalBytes: Uint8Array,
  variants: readonly Variant[],
  options: OptimizerOptions & { slug?: string },
): Promise<OptimizedVariant[]> {
  const source: VariantSource = {
    sha256: sha256Hex(originalBytes),
    bytes: originalBytes,
    ...(options.slug !== undefined && { slug: options.slug }),
  };
  return new Optimizer(options).optimize(source, variants);
}

async function bytesOf(source: VariantSource): Promise<Uint8Array> {
  return typeof source.bytes === 'function' ? source.bytes() : source.bytes;
}

/**
 * Synchronous: a warm build asks this of every variant, and a stat costs microseconds so, against
 * tens through the thread pool (bench/scale.ts: 8,000 variants).
 */
async function isNonEmptyFile(file: string): Promise<boolean> {
  try {
    return (statSync(file, { throwIfNoEntry: false })?.size ?? 0) > 0;
  } catch {
    return false;
  }
}
