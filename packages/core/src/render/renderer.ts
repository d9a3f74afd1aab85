import type { PlaceholderKind } from '../attributes.ts';
import { dimensionsFor } from '../dimensions.ts';
import { BuildPreparation } from './build-preparation.ts';
import type { Pending } from './dev-failures.ts';
import { DevPreparation } from './dev-preparation.ts';
import type { Engine, ImageUse } from '../engine.ts';
import { GenImageError, InvalidAttribute, type SourceLocation, formatLocation } from '../errors.ts';
import { diagnosticToError } from '../diagnostics.ts';
import { type ImagePlan, planImage } from './layout.ts';
import { type Optimizer, type Placeholder, type VariantFormat, type VariantOptions, placeholderVariant, planVariants } from './optimize.ts';
import { type Original, Originals } from './originals.ts';
import { atMarkers } from './marker-errors.ts';
import type { Preparation } from './preparation.ts';
import { type PictureFile, renderPending, renderPicture } from './picture.ts';
import { propsToMarker } from './props.ts';
import { altText, classAndStyle, imgAttributes, placeholderKind, variantOptions } from './render-attributes.ts';
import { VariantFiles } from './variant-files.ts';
import { type ImageData, imageData, pendingImageData } from './image-data.ts';
import { isImageFormat } from '../markers/call-markers.ts';

export { ORIGIN_ATTRIBUTE, parseOrigin } from './props.ts';
export { variantOptions } from './render-attributes.ts';
export type { ImageData } from './image-data.ts';

/**
 * Dev only: which declaration an `<img>` shows, for the review panel to list and highlight it:
 * `data-genimage-id`, the marker's place as the scan names it (`file:line:col`, root-relative),
 * and `data-genimage-key`, its cache key, which also finds a declaration rendered elsewhere (a
 * layout's `<GenImage {...post.data.hero} />` renders the frontmatter entry's key at the layout's
 * place). A build's output never carries them.
 */
function reviewIdentity(use: ImageUse, origin: SourceLocation | undefined): Record<string, string> {
  return { ...(origin && { 'data-genimage-id': formatLocation(origin) }), 'data-genimage-key': use.key };
}

/** What one rendering needs besides its attributes: the original to show and what shows before it loads. */
interface Prepared {
  original: Original;
  placeholder: Placeholder;
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
   * @default the `dev.retryAfterMs` option (30000)
   */
  retryAfterMs?: number;
}

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
  readonly #originals: Originals;
  readonly #files: VariantFiles;
  readonly #uses = new Map<string, Promise<ImageUse>>();
  /** Keys whose entry this process has verified or generated. */
  readonly #verified = new Set<string>();
  /** What differs between a build and a dev server, chosen here once. */
  readonly #preparation: Preparation;

  constructor(options: RendererOptions) {
    this.options = options;
    this.engine = options.engine;
    this.optimizer = options.optimizer;
    this.#preparation =
      options.mode === 'build'
        ? new BuildPreparation(options.engine, this.#verified)
        : new DevPreparation(options.engine, options, this.#verified);
    this.#originals = new Originals(options.engine.cache.store, { stable: this.#preparation.stable });
    this.#files = new VariantFiles(options.optimizer, this.#originals, this.#preparation.stable);
  }

  /** Originals held in memory now: only those with an encode under way. */
  get originalsInMemory(): number {
    return this.#originals.inMemory;
  }

  /**
   * The HTML for one image: a `<picture>`, or in dev a placeholder saying it is generating or why
   * it failed. Every failure names the marker (`error.location`).
   */
  async render(request: RenderRequest): Promise<string> {
    const use = await this.resolve(request);
    try {
      return await this.#render(use, request);
    } catch (error) {
      throw atMarkers(error, [use.origin], `Rendering "${use.params.prompt}" (cache entry ${use.key}, image ${use.pick})`);
    }
  }

  async #render(use: ImageUse, request: RenderRequest): Promise<string> {
    const alt = altText(use.render, use.origin);
    const options = variantOptions(this.engine.config.render, use.render, use.origin);
    const kind = placeholderKind(use.render, use.origin);
    this.#preparation.rendering(use, request.origin);
    const prepared = await this.#prepare(use, options, kind);
    if (!('placeholder' in prepared)) {
      // The box the image will take, so the page lays out as it will.
      const { width, height, style } = planImage(dimensionsFor(use.params.aspectRatio, use.params.imageSize), options);
      const place = request.origin && formatLocation(request.origin);
      return renderPending({ width, height, alt, ...prepared, ...classAndStyle(use.render, style), ...(place && { place }) });
    }
    const { placeholder } = prepared;
    // Prepared once for every page: this page's marker is the one its files must name on failure.
    const original = { ...prepared.original, origin: use.origin };
    const plan = planImage(original, options);
    const shown = imgAttributes(use.render, use.origin, plan.style);
    return renderPicture({
      files: this.#pageFiles(original, options, plan),
      formats: options.formats,
      fallbackFormat: options.fallbackFormat,
      alt,
      placeholder,
      width: plan.width,
      height: plan.height,
      sizes: plan.sizes,
      ...shown,
      ...(this.options.mode === 'dev' && { attributes: { ...shown.attributes, ...reviewIdentity(use, request.origin) } }),
    });
  }

  /**
   * An image as data for the image function (`genImage()`): its files are planned, encoded and
   * emitted like a `<picture>`'s, in `format` only unless `formats` is given too. No alt is needed:
   * the page that shows it says what it is.
   */
  async image(request: RenderRequest): Promise<ImageData> {
    const { format, ...attributes } = request.attributes;
    // An alt of its own is optional: the engine asks every <GenImage> for one, and the page using the data writes it.
    const use = await this.resolve({ ...request, attributes: { alt: '', ...attributes } });
    try {
      if (format !== undefined && !isImageFormat(format)) {
        throw new GenImageError(InvalidAttribute, `format must be one of avif, webp, jpeg, png; got ${JSON.stringify(format)}.`, {
          location: use.origin,
        });
      }
      return await this.#image(use, request, format);
    } catch (error) {
      throw atMarkers(error, [use.origin], `Making "${use.params.prompt}" (cache entry ${use.key}, image ${use.pick})`);
    }
  }

  async #image(use: ImageUse, request: RenderRequest, format: VariantFormat | undefined): Promise<ImageData> {
    const defaults = variantOptions(this.engine.config.render, use.render, use.origin);
    const options: VariantOptions =
      format === undefined
        ? defaults
        : { ...defaults, fallbackFormat: format, formats: use.render.formats === undefined ? [] : defaults.formats };
    this.#preparation.rendering(use, request.origin);
    const prepared = await this.#prepare(use, options, 'none');
    if (!('placeholder' in prepared)) {
      const { width, height } = planImage(dimensionsFor(use.params.aspectRatio, use.params.imageSize), options);
      return pendingImageData(width, height, options.fallbackFormat);
    }
    const original = { ...prepared.original, origin: use.origin };
    const plan = planImage(original, options);
    return imageData(this.#pageFiles(original, options, plan), plan, options.fallbackFormat, options.formats);
  }

  /** The files a page refers to for `original`, registered to be encoded and emitted, with their URLs. */
  #pageFiles(original: Original, options: VariantOptions, plan: ImagePlan): PictureFile[] {
    return this.#files.register(original, planVariants(original, options), true).map(({ fileName, variant }) => ({
      url: this.options.publicPath + fileName,
      ...variant,
      descriptor: plan.candidates.find((candidate) => candidate.width === variant.width)?.descriptor,
    }));
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
   * those not cached while the bundler works, and prepares what their pages will ask for
   * (original, placeholder): rendering a page is then a lookup. Reads are bounded; never rejects.
   */
  warm(uses: readonly ImageUse[]): void {
    for (const use of uses) {
      let options: VariantOptions;
      let kind: PlaceholderKind;
      try {
        options = variantOptions(this.engine.config.render, use.render, use.origin);
        kind = placeholderKind(use.render, use.origin);
      } catch {
        continue; // the page that renders it reports why
      }
      void this.#originals
        .plan(use)
        .then(async (original) => {
          if (!original) return;
          this.#files.register(original, planVariants(original, options), false);
          this.#preparation.prepareAhead(...this.#preparing(use, options, kind));
        })
        .catch(() => {});
    }
  }

  /** The original and placeholder one rendering needs, or in dev why it cannot show yet (see `Preparation.prepare`). */
  #prepare(use: ImageUse, options: VariantOptions, kind: PlaceholderKind): Promise<Prepared | Pending> {
    return this.#preparation.prepare(...this.#preparing(use, options, kind));
  }

  /** What `#prepare` keeps a preparation under, and how to make it. */
  #preparing(use: ImageUse, options: VariantOptions, kind: PlaceholderKind): [memo: string, work: () => Promise<Prepared | Pending>] {
    const work = async (): Promise<Prepared | Pending> => {
      const original = await this.#original(use, options, kind);
      if (!('source' in original)) return original;
      const placeholder = await this.#originals.lease(original, (source) => this.optimizer.placeholder(source, kind, original));
      return { original, placeholder };
    };
    return [`${use.key}:${use.pick}:${kind}:${JSON.stringify(options)}`, work];
  }

  /**
   * Uses whose images this process verified in the cache or generated (a build's scanned uses,
   * once `prepareBuild` has made them available): rendering them checks the cache no more.
   */
  verified(uses: readonly ImageUse[]): void {
    for (const use of uses) this.#verified.add(use.key);
  }

  /**
   * A build's scanned uses: from now on, a page that renders any other marker fails at its place
   * (UnscannedMarker) and nothing is sent for it, so every request a build sends is in its
   * summary. A dev server ignores it.
   */
  limitTo(uses: readonly ImageUse[]): void {
    this.#preparation.limitTo?.(new Set(uses.map((use) => use.key)));
  }

  /** A file the pages refer to, encoded if need be (the dev server's middleware). */
  file(fileName: string): Promise<{ path: string; format: VariantFormat } | undefined> {
    return this.#files.file(fileName);
  }

  /** Writes every file the rendered pages refer to into `dir`. Returns how many and their bytes. */
  writeTo(dir: string, options: { all?: boolean } = {}): Promise<{ files: number; bytes: number; written: string[] }> {
    return this.#files.writeTo(dir, options);
  }

  async #resolve(request: RenderRequest): Promise<ImageUse> {
    const marker = propsToMarker(request.attributes, request.origin);
    const use = await this.engine.resolveMarker(marker);
    if ('diagnostics' in use) {
      const error = use.diagnostics.find((diagnostic) => diagnostic.severity === 'error') ?? use.diagnostics[0];
      throw error
        ? diagnosticToError(error)
        : new GenImageError(InvalidAttribute, 'This <GenImage> could not be read.', { location: marker.location });
    }
    return use;
  }

  /** The original to render, generated first if need be; in dev, while it is missing, why. */
  async #original(use: ImageUse, options: VariantOptions, placeholder: PlaceholderKind): Promise<Original | Pending> {
    const planned = await this.#originals.plan(use);
    // Every file already encoded: the original is neither verified nor read (a warm build).
    if (planned && (this.#verified.has(use.key) || (await this.#encoded(planned, options, placeholder)))) return planned;
    const pending = await this.#preparation.available(use);
    if (pending) return pending;
    // Planned again: a corrupt entry generated again has new metadata.
    this.#originals.forget(use.key);
    const original = await this.#originals.plan(use);
    if (!original)
      throw new GenImageError(InvalidAttribute, `No cached image ${use.pick} for "${use.params.prompt}".`, { location: use.origin });
    return original;
  }

  /** Whether every file this rendering needs is in the variant cache. */
  async #encoded(original: Original, options: VariantOptions, placeholder: PlaceholderKind): Promise<boolean> {
    const variants = planVariants(original, options);
    if (placeholder !== 'none') variants.push(placeholderVariant(original));
    const cached = await Promise.all(variants.map((variant) => this.optimizer.isCached(original.source.sha256, variant)));
    return cached.every(Boolean);
  }
}
