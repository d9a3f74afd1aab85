import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { dimensionsFor } from './dimensions.ts';
import type { Engine, ImageUse } from './engine.ts';
import {
  Aborted,
  ApiError,
  BudgetExceeded,
  CacheCorrupt,
  CacheLockTimeout,
  GenImageError,
  InvalidAttribute,
  InvalidResponse,
  NetworkFailed,
  ProviderFailed,
  ProviderTimeout,
  RateLimited,
  RunStopped,
  type SourceLocation,
  formatError,
  formatLocation,
  isGenImageError,
  stopsTheRun,
} from './errors.ts';
import { sha256Hex } from './hash.ts';
import { diagnosticToError, type LiteralScalar, type LiteralValue, type Marker } from './markers.ts';
import {
  Optimizer,
  type OptimizedVariant,
  type OriginalInfo,
  type PlaceholderKind,
  type Variant,
  type VariantFormat,
  type VariantOptions,
  type VariantSource,
  placeholderVariant,
  planVariants,
  slugify,
  variantFileName,
} from './optimize.ts';
import { renderPending, renderPicture } from './picture.ts';
import type { CachedImageMeta } from './store.ts';

/**
 * The hidden prop the Vite plugin adds to each `<GenImage` tag of a source file before it is
 * compiled, so a component instance knows the marker it came from: `"src/pages/x.astro:12:3"`.
 */
export const ORIGIN_ATTRIBUTE = '__genimageOrigin';

/** Parses `file:line:column` (the file may itself contain colons). */
export function parseOrigin(value: unknown): SourceLocation | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(.+):(\d+):(\d+)$/.exec(value);
  if (!match) return undefined;
  return { file: match[1]!, line: Number(match[2]), column: Number(match[3]) };
}

/** Attributes of one image to render: a component's props, or a Markdown tag's attributes. */
export interface RenderRequest {
  attributes: Record<string, unknown>;
  /** The marker's place, root-relative. Relative reference paths resolve against its file. */
  origin?: SourceLocation;
}

export interface RendererOptions {
  engine: Engine;
  optimizer: Optimizer;
  /** URL prefix of the emitted files, ending in "/", e.g. "/_astro/" or "/docs/_astro/". */
  publicPath: string;
  /**
   * `build`: a missing image is generated before the page renders (or fails a frozen build),
   * variants are encoded eagerly. `dev`: a missing image is generated in the background while a
   * pending placeholder shows; variants are encoded when first requested.
   */
  mode: 'build' | 'dev';
  /** Dev: an image generated in the background is ready (reload the page). */
  onReady?: (use: ImageUse) => void;
  /**
   * Dev: a background generation failed; the marker now renders a placeholder that says why
   * (reload the page to show it). @default onReady
   */
  onFailed?: (use: ImageUse, error: GenImageError) => void;
  /**
   * Dev: how long after a failure that may pass and cost nothing (a 429, a 502, a refused
   * connection) a reload sends the request again. Other failures, and those that may have been
   * billed, stay until the marker's attributes change or the server restarts; after a 401, a
   * 402, a missing key or the budget, nothing more is sent.
   * @default 30000
   */
  retryAfterMs?: number;
}

/** An original as its cache metadata describes it: its bytes are read only to encode a variant. */
interface Original extends OriginalInfo {
  /** `<key>/<file>`: the encodes under way of one original share one read. */
  id: string;
  /** `bytes` reads the image and checks it against the metadata, every time it is called. */
  source: VariantSource & { bytes: () => Promise<Uint8Array> };
}

interface Registered {
  original: Original;
  variant: Variant;
  /** Rendered into a page (so emitted), rather than only warmed up. */
  used: boolean;
  encoding?: Promise<unknown>;
}

/** Why a dev page shows a placeholder instead of the image. */
interface Pending {
  message: string;
  failed?: boolean;
  reason?: string;
}

const FORMATS = ['avif', 'webp', 'jpeg', 'png'] as const;
const PLACEHOLDERS = ['blur', 'color', 'none'] as const;
/** Cache reads at once (metadata, and originals to encode): I/O, bounded so that a scan of a large site does not open every file together. */
const READ_CONCURRENCY = 8;
/** Failures another attempt may not repeat: the API was busy, slow or unreachable (see `mayPass`). */
const TRANSIENT: ReadonlySet<string> = new Set(
  [RateLimited, ProviderFailed, ProviderTimeout, NetworkFailed, InvalidResponse, CacheLockTimeout, Aborted].map((definition) => definition.code),
);

/**
 * Turns `<GenImage>` attributes into `<picture>` HTML for a site build or a dev server: resolves
 * them to a cached image (generating it when allowed), plans its variants from the cache
 * metadata, and keeps the list of files the pages refer to, so each is encoded once and emitted
 * once however many pages use it. An original is read only while one of its variants is being
 * encoded: a build whose variants are all cached reads no image at all.
 */
export class ImageRenderer {
  readonly engine: Engine;
  readonly optimizer: Optimizer;
  readonly options: RendererOptions;
  readonly #files = new Map<string, Registered>();
  readonly #uses = new Map<string, Promise<ImageUse>>();
  /** Build: the generation (or cache check) of each key, once. */
  readonly #ready = new Map<string, Promise<void>>();
  /** Keys whose entry this process has verified or generated. */
  readonly #verified = new Set<string>();
  readonly #generating = new Map<string, Promise<void>>();
  readonly #failed = new Map<string, { error: GenImageError; at: number }>();
  /** Dev: the key last rendered at each marker's place. */
  readonly #keyAt = new Map<string, string>();
  /** Dev: what stopped the engine's scheduler (401, 402, budget): nothing more is sent. */
  #stoppedBy: GenImageError | undefined;
  readonly #reads = new Map<string, { bytes: Promise<Uint8Array>; users: number }>();
  readonly #io = pLimit(READ_CONCURRENCY);

  constructor(options: RendererOptions) {
    this.options = options;
    this.engine = options.engine;
    this.optimizer = options.optimizer;
  }

  /** Originals held in memory now: only those with an encode under way. */
  get originalsInMemory(): number {
    return this.#reads.size;
  }

  /** The HTML for one image: a `<picture>`, or in dev a placeholder saying it is generating or why it failed. */
  async render(request: RenderRequest): Promise<string> {
    const use = await this.resolve(request);
    const alt = use.render.alt;
    if (typeof alt !== 'string') {
      throw new GenImageError(InvalidAttribute, 'This <GenImage> has no alt text.', {
        location: use.origin,
        hint: 'Describe the image in alt="..."; write alt="" for a purely decorative image.',
      });
    }
    const text = (name: string) => (typeof use.render[name] === 'string' ? (use.render[name] as string) : undefined);
    const options = variantOptions(this.engine.config.render, use.render, use.origin);
    const placeholderKind: PlaceholderKind = oneOf(use.render.placeholder, PLACEHOLDERS, 'placeholder', use.origin) ?? 'blur';
    if (this.options.mode === 'dev' && request.origin) this.#track(request.origin, use.key);
    const original = await this.#original(use, options, placeholderKind);
    if (!('source' in original)) {
      const { width, height } = dimensionsFor(use.params.aspectRatio, use.params.imageSize);
      return renderPending({ width, height, alt, ...original, ...optional('class', text('class')), ...optional('style', text('style')) });
    }
    const files = this.#register(original, planVariants(original, options), true);
    const placeholder = await this.#lease(original, (source) => this.optimizer.placeholder(source, placeholderKind, original));
    return renderPicture({
      files: files.map(({ fileName, variant }) => ({ url: this.options.publicPath + fileName, ...variant })),
      formats: options.formats,
      fallbackFormat: options.fallbackFormat,
      alt,
      placeholder,
      ...optional('sizes', text('sizes')),
      ...optional('loading', oneOf(use.render.loading, ['lazy', 'eager'] as const, 'loading', use.origin)),
      ...optional('decoding', oneOf(use.render.decoding, ['async', 'sync', 'auto'] as const, 'decoding', use.origin)),
      ...optional('fetchpriority', oneOf(use.render.fetchpriority, ['high', 'low', 'auto'] as const, 'fetchpriority', use.origin)),
      ...optional('class', text('class')),
      ...optional('style', text('style')),
    });
  }

  /** Attributes as a keyed use, through the same interpretation as scanned markers. */
  resolve(request: RenderRequest): Promise<ImageUse> {
    const memo = JSON.stringify([request.origin ?? null, Object.entries(request.attributes).sort(([a], [b]) => (a < b ? -1 : 1))]);
    let use = this.#uses.get(memo);
    if (!use) {
      use = this.#resolve(request);
      this.#uses.set(memo, use);
      use.catch(() => this.#uses.delete(memo));
    }
    return use;
  }

  /**
   * Plans the files of scanned uses from their cache metadata and, in a build, starts encoding
   * those not cached while the bundler works. Reads are bounded; never rejects.
   */
  warm(uses: readonly ImageUse[]): void {
    for (const use of uses) {
      void this.#plan(use)
        .then((original) => original && this.#register(original, planVariants(original, variantOptions(this.engine.config.render, use.render, use.origin)), false))
        .catch(() => {});
    }
  }

  /** A file the pages refer to, encoded if need be (the dev server's middleware). */
  async file(fileName: string): Promise<{ path: string; format: VariantFormat } | undefined> {
    const entry = this.#files.get(fileName);
    if (!entry) return undefined;
    const done = await this.#variant(entry);
    return { path: done.cachePath, format: entry.variant.format };
  }

  /** Writes every file the rendered pages refer to into `dir`. Returns how many and their bytes. */
  async writeTo(dir: string, options: { all?: boolean } = {}): Promise<{ files: number; bytes: number; written: string[] }> {
    await mkdir(dir, { recursive: true });
    const written: string[] = [];
    let bytes = 0;
    await Promise.all(
      [...this.#files].map(async ([fileName, entry]) => {
        if (!entry.used && !options.all) return;
        const done = await this.#variant(entry);
        const target = path.join(dir, fileName);
        await copyFile(done.cachePath, target);
        const { size } = await stat(target);
        bytes += size;
        written.push(fileName);
      }),
    );
    return { files: written.length, bytes, written: written.sort() };
  }

  async #resolve(request: RenderRequest): Promise<ImageUse> {
    const origin = request.origin ?? { file: '(unknown file)', line: 0, column: 0 };
    const attributes = Object.entries(request.attributes)
      .filter(([name, value]) => value !== undefined && value !== null && name !== ORIGIN_ATTRIBUTE)
      .map(([name, value]) => ({ name, value: literal(name, value, origin), location: origin }));
    const marker: Marker = { file: origin.file, location: origin, attributes };
    const use = await this.engine.resolveMarker(marker);
    if ('diagnostics' in use) {
      const error = use.diagnostics.find((diagnostic) => diagnostic.severity === 'error') ?? use.diagnostics[0];
      throw error ? diagnosticToError(error) : new GenImageError(InvalidAttribute, 'This <GenImage> could not be read.', { location: origin });
    }
    return use;
  }

  /** The original to render, generated first if need be; in dev, while it is missing, why. */
  async #original(use: ImageUse, options: VariantOptions, placeholder: PlaceholderKind): Promise<Original | Pending> {
    const planned = await this.#plan(use);
    // Every file already encoded: the original is neither verified nor read (a warm build).
    if (planned && (this.#verified.has(use.key) || (await this.#encoded(planned, options, placeholder)))) return planned;
    if (this.options.mode === 'build') await this.#generated(use);
    else {
      const pending = await this.#available(use);
      if (pending) return pending;
    }
    // Planned again: a corrupt entry generated again has new metadata.
    const original = await this.#plan(use);
    if (!original) throw new GenImageError(InvalidAttribute, `No cached image ${use.pick} for "${use.params.prompt}".`, { location: use.origin });
    return original;
  }

  /** Whether every file this rendering needs is in the variant cache. */
  async #encoded(original: Original, options: VariantOptions, placeholder: PlaceholderKind): Promise<boolean> {
    const variants = planVariants(original, options);
    if (placeholder !== 'none') variants.push(placeholderVariant(original));
    const cached = await Promise.all(variants.map((variant) => this.optimizer.isCached(original.source.sha256, variant)));
    return cached.every(Boolean);
  }

  /** Build: the image is verified in the cache, or generated, once per key; throws why not. */
  async #generated(use: ImageUse): Promise<void> {
    let ready = this.#ready.get(use.key);
    if (!ready) {
      ready = this.engine.ensure(use).then((outcome) => {
        if (outcome.status === 'failed') throw outcome.error;
        this.#verified.add(use.key);
      });
      this.#ready.set(use.key, ready);
    }
    await ready;
  }

  /**
   * Dev: undefined when the image is cached; otherwise why it is not shown. A missing image is
   * generated in the background, once: a failure is shown until the marker changes, and only a
   * transient one is tried again, on a reload at least `retryAfterMs` later.
   */
  async #available(use: ImageUse): Promise<Pending | undefined> {
    if ((await this.engine.cache.status(use.key)) === 'cached') {
      this.#verified.add(use.key);
      this.#failed.delete(use.key);
      return undefined;
    }
    if (this.engine.frozen) await this.engine.assertAllCached([use.request]);
    if (!this.#generating.has(use.key)) {
      const failure = this.#failed.get(use.key);
      if (failure && !this.#mayRetry(failure)) return this.#failure(failure.error);
      const stopped = this.#stopped();
      if (stopped) return this.#failure(stopped);
      this.#failed.delete(use.key);
      this.#generate(use);
    }
    return { message: `Generating "${use.params.prompt}"; reload when it is done.` };
  }

  #generate(use: ImageUse): void {
    const where = formatLocation(use.origin);
    const failed = (error: GenImageError) => {
      this.#generating.delete(use.key);
      this.#failed.set(use.key, { error, at: Date.now() });
      this.#stoppedBy ??= stopCause(error);
      this.engine.logger.error(`${where}: ${formatError(error)}`);
      if (this.options.onFailed) this.options.onFailed(use, error);
      else this.options.onReady?.(use);
    };
    const started = this.engine.ensure(use).then(
      (outcome) => {
        if (outcome.status === 'failed') return failed(outcome.error);
        this.#generating.delete(use.key);
        this.#verified.add(use.key);
        this.engine.logger.info(`${where}: generated "${use.params.prompt}"`);
        this.options.onReady?.(use);
      },
      (error: unknown) => failed(isGenImageError(error) ? error : new ApiError({ code: 'Unexpected', title: 'Generation failed unexpectedly' }, String(error), { cause: error })),
    );
    this.#generating.set(use.key, started);
  }

  #mayRetry(failure: { error: GenImageError; at: number }): boolean {
    return mayPass(failure.error) && Date.now() - failure.at >= (this.options.retryAfterMs ?? 30_000);
  }

  /** Why nothing can be sent: no API key, or the scheduler stopped after a 401, a 402 or the budget. */
  #stopped(): GenImageError | undefined {
    if (this.#stoppedBy) return this.#stoppedBy;
    try {
      void this.engine.provider;
    } catch (error) {
      if (isGenImageError(error)) return error;
      throw error;
    }
    return undefined;
  }

  #failure(error: GenImageError): Pending {
    const shown = stopCause(error) ?? error;
    const next = stopCause(error)
      ? 'Nothing more is sent until the dev server restarts.'
      : mayPass(error)
        ? `A reload ${Math.round((this.options.retryAfterMs ?? 30_000) / 1000)} s after the failure tries again.`
        : `${billed(error) ? 'It may have been billed, so it is not sent again by itself. ' : ''}Change the marker, or restart the dev server, to try again.`;
    return {
      failed: true,
      reason: shown.title,
      message: [`Generation failed. ${shown.title}: ${shown.message}`, shown.hint ?? '', next].filter(Boolean).map(sentence).join(' '),
    };
  }

  /** Dev: a marker edited to other attributes has a new key; its old key's failure is forgotten, so editing it back tries again. */
  #track(origin: SourceLocation, key: string): void {
    const at = formatLocation(origin);
    const previous = this.#keyAt.get(at);
    if (previous !== undefined && previous !== key) this.#failed.delete(previous);
    this.#keyAt.set(at, key);
  }

  /** The original from its cache metadata (sha256, size, format): file names are planned without reading it. */
  async #plan(use: ImageUse): Promise<Original | undefined> {
    const { key } = use;
    const meta = await this.#io(() => this.engine.cache.store.readMeta(key)).catch(() => undefined);
    const image = meta?.key === key ? meta.images[use.pick] : undefined;
    if (!image) return undefined;
    return {
      id: `${key}/${image.file}`,
      width: image.width,
      height: image.height,
      format: image.format,
      source: { sha256: image.sha256, slug: slugify(use.params.prompt), bytes: () => this.#read(key, image) },
    };
  }

  /** One image of an entry, distrusted like `ImageCache.get()` does: its size and sha256 must match the metadata. */
  async #read(key: string, image: CachedImageMeta): Promise<Uint8Array> {
    const entry = `${this.engine.cache.store.location.replace(/[\\/]+$/, '')}/${key}`;
    let bytes: Uint8Array;
    try {
      bytes = await this.#io(() => this.engine.cache.store.readImage(key, image.file));
    } catch (error) {
      throw new GenImageError(CacheCorrupt, `Image ${image.file} of entry ${entry} could not be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (bytes.byteLength !== image.bytes || sha256Hex(bytes) !== image.sha256) {
      throw new GenImageError(CacheCorrupt, `Image ${image.file} of entry ${entry} does not match its metadata (size or sha256).`);
    }
    return bytes;
  }

  /**
   * Runs `work` with a source whose bytes are read only if `work` asks for them, once for every
   * encode of this original under way at the same time, and let go when the last one is done.
   */
  async #lease<T>(original: Original, work: (source: VariantSource) => Promise<T>): Promise<T> {
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

  #variant(entry: Registered): Promise<OptimizedVariant> {
    return this.#lease(entry.original, (source) => this.optimizer.variant(source, entry.variant));
  }

  #register(original: Original, variants: Variant[], used: boolean): { fileName: string; variant: Variant }[] {
    return variants.map((variant) => {
      const fileName = variantFileName(original.source.slug ?? 'image', original.source.sha256, variant);
      let entry = this.#files.get(fileName);
      if (!entry) {
        entry = { original, variant, used };
        this.#files.set(fileName, entry);
      }
      entry.used ||= used;
      if (this.options.mode === 'build' && !entry.encoding) {
        // Started now, awaited by writeTo(): encoding overlaps with rendering the other pages.
        entry.encoding = this.#variant(entry).catch(() => {});
      }
      return { fileName, variant };
    });
  }
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** A failure another attempt may not repeat, and whose attempts cost nothing: sent again after a while. */
function mayPass(error: GenImageError): boolean {
  return TRANSIENT.has(error.code) && !billed(error);
}

function billed(error: GenImageError): boolean {
  return error instanceof ApiError && error.possiblyBilledAttempts > 0;
}

/** The error that stops every further request (a 401, 402, missing key or the budget), if `error` is or reports one. */
function stopCause(error: GenImageError): GenImageError | undefined {
  if (stopsTheRun(error) || error.code === BudgetExceeded.code) return error;
  if (error.code === RunStopped.code && isGenImageError(error.cause)) return error.cause;
  return undefined;
}

function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}

/** A prop as a marker attribute value: scalars and lists stay; a style object becomes CSS. */
function literal(name: string, value: unknown, origin: SourceLocation): LiteralValue {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) return value as LiteralScalar[];
  if (name === 'style' && typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([property, css]) => `${property.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:${String(css)}`)
      .join(';');
  }
  throw new GenImageError(InvalidAttribute, `${name} must be a string, a number, a boolean or a list of them.`, { location: origin });
}

function oneOf<T extends string>(value: LiteralValue | undefined, allowed: readonly T[], name: string, origin: SourceLocation): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new GenImageError(InvalidAttribute, `${name}=${JSON.stringify(value)} is not one of ${allowed.join(', ')}.`, { location: origin });
}

/** `{[480, 960]}` or `"480, 960"`. */
function list(value: LiteralValue | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = Array.isArray(value) ? value : String(value).split(/[\s,]+/);
  return items.map((item) => String(item).trim()).filter(Boolean);
}

/** The config's render options, overridden by the marker's widths, formats and quality. */
export function variantOptions(defaults: VariantOptions, render: Record<string, LiteralValue>, origin: SourceLocation): VariantOptions {
  const widths = list(render.widths)?.map(Number);
  if (widths && (widths.length === 0 || widths.some((width) => !Number.isInteger(width) || width < 1))) {
    throw new GenImageError(InvalidAttribute, `widths=${JSON.stringify(render.widths)} must list positive integers, e.g. widths={[480, 960]}.`, { location: origin });
  }
  const formats = list(render.formats)?.map((format) => oneOf(format, FORMATS, 'formats', origin)!);
  const quality = render.quality === undefined ? undefined : Number(render.quality);
  if (quality !== undefined && (!Number.isInteger(quality) || quality < 1 || quality > 100)) {
    throw new GenImageError(InvalidAttribute, `quality=${JSON.stringify(render.quality)} must be an integer from 1 to 100.`, { location: origin });
  }
  return {
    widths: widths ?? defaults.widths,
    formats: formats ?? defaults.formats,
    fallbackFormat: defaults.fallbackFormat,
    quality: quality ?? defaults.quality,
    avifEffort: defaults.avifEffort,
  };
}
