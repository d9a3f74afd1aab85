import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { dimensionsFor } from './dimensions.ts';
import type { Engine, ImageUse } from './engine.ts';
import { GenImageError, InvalidAttribute, type SourceLocation, formatError, formatLocation } from './errors.ts';
import { sha256Hex } from './hash.ts';
import { diagnosticToError, type LiteralScalar, type LiteralValue, type Marker } from './markers.ts';
import {
  Optimizer,
  type OriginalInfo,
  type PlaceholderKind,
  type Variant,
  type VariantFormat,
  type VariantOptions,
  type VariantSource,
  planVariants,
  slugify,
  variantFileName,
} from './optimize.ts';
import { renderPending, renderPicture } from './picture.ts';

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
}

interface Registered {
  source: VariantSource;
  variant: Variant;
  /** Rendered into a page (so emitted), rather than only warmed up. */
  used: boolean;
  encoding?: Promise<unknown>;
}

interface Original extends OriginalInfo {
  source: VariantSource;
}

const FORMATS = ['avif', 'webp', 'jpeg', 'png'] as const;
const PLACEHOLDERS = ['blur', 'color', 'none'] as const;

/**
 * Turns `<GenImage>` attributes into `<picture>` HTML for a site build or a dev server: resolves
 * them to a cached image (generating it when allowed), plans its variants, and keeps the list of
 * files the pages refer to, so each is encoded once and emitted once however many pages use it.
 */
export class ImageRenderer {
  readonly engine: Engine;
  readonly optimizer: Optimizer;
  readonly options: RendererOptions;
  readonly #files = new Map<string, Registered>();
  readonly #uses = new Map<string, Promise<ImageUse>>();
  readonly #originals = new Map<string, Promise<Original>>();
  readonly #ready = new Map<string, Promise<void>>();
  readonly #generating = new Map<string, Promise<void>>();
  readonly #failed = new Map<string, GenImageError>();

  constructor(options: RendererOptions) {
    this.options = options;
    this.engine = options.engine;
    this.optimizer = options.optimizer;
  }

  /** The HTML for one image: a `<picture>`, or a pending `<img>` in dev while it is generated. */
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
    const pending = await this.#available(use);
    if (pending !== undefined) {
      const { width, height } = dimensionsFor(use.params.aspectRatio, use.params.imageSize);
      return renderPending({ width, height, alt, message: pending, ...optional('class', text('class')), ...optional('style', text('style')) });
    }
    const original = await this.#original(use);
    const options = variantOptions(this.engine.config.render, use.render, use.origin);
    const files = this.#register(original, planVariants(original, options), true);
    const placeholderKind = oneOf(use.render.placeholder, PLACEHOLDERS, 'placeholder', use.origin) ?? 'blur';
    const placeholder = await this.optimizer.placeholder(original.source, placeholderKind as PlaceholderKind, original);
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

  /** Starts encoding the variants of scanned uses while the bundler works; never rejects. */
  warm(uses: readonly ImageUse[]): void {
    for (const use of uses) {
      void this.#original(use)
        .then((original) => this.#register(original, planVariants(original, variantOptions(this.engine.config.render, use.render, use.origin)), false))
        .catch(() => {});
    }
  }

  /** A file the pages refer to, encoded if need be (the dev server's middleware). */
  async file(fileName: string): Promise<{ path: string; format: VariantFormat } | undefined> {
    const entry = this.#files.get(fileName);
    if (!entry) return undefined;
    const done = await this.optimizer.variant(entry.source, entry.variant);
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
        const done = await this.optimizer.variant(entry.source, entry.variant);
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

  /** Undefined when the image is cached; in dev, otherwise, why it is not shown yet. */
  async #available(use: ImageUse): Promise<string | undefined> {
    if (this.options.mode === 'build') {
      let ready = this.#ready.get(use.key);
      if (!ready) {
        ready = this.engine.ensure(use).then((outcome) => {
          if (outcome.status === 'failed') throw outcome.error;
        });
        this.#ready.set(use.key, ready);
      }
      await ready;
      return undefined;
    }
    if ((await this.engine.cache.status(use.key)) === 'cached') return undefined;
    if (this.engine.frozen) await this.engine.assertAllCached([use.request]);
    if (!this.#generating.has(use.key)) {
      this.#failed.delete(use.key);
      const started = this.engine
        .ensure(use)
        .then((outcome) => {
          if (outcome.status === 'failed') {
            this.#failed.set(use.key, outcome.error);
            this.engine.logger.error(`${formatLocation(use.origin)}: ${formatError(outcome.error)}`);
          } else {
            this.engine.logger.info(`${formatLocation(use.origin)}: generated "${use.params.prompt}"`);
            this.options.onReady?.(use);
          }
        })
        .finally(() => this.#generating.delete(use.key));
      this.#generating.set(use.key, started);
    }
    const failed = this.#failed.get(use.key);
    return failed ? `Generation failed: ${failed.message}` : `Generating "${use.params.prompt}"; reload when it is done.`;
  }

  #original(use: ImageUse): Promise<Original> {
    const memo = `${use.key}:${use.pick}`;
    let original = this.#originals.get(memo);
    if (!original) {
      original = this.engine.original(use).then(({ bytes, width, height, format }) => ({
        width,
        height,
        format,
        source: { sha256: sha256Hex(bytes), bytes, slug: slugify(use.params.prompt) },
      }));
      this.#originals.set(memo, original);
      original.catch(() => this.#originals.delete(memo));
    }
    return original;
  }

  #register(original: Original, variants: Variant[], used: boolean): { fileName: string; variant: Variant }[] {
    return variants.map((variant) => {
      const fileName = variantFileName(original.source.slug ?? 'image', original.source.sha256, variant);
      let entry = this.#files.get(fileName);
      if (!entry) {
        entry = { source: original.source, variant, used };
        this.#files.set(fileName, entry);
      }
      entry.used ||= used;
      if (this.options.mode === 'build' && !entry.encoding) {
        // Started now, awaited by writeTo(): encoding overlaps with rendering the other pages.
        entry.encoding = this.optimizer.variant(entry.source, variant).catch(() => {});
      }
      return { fileName, variant };
    });
  }
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
