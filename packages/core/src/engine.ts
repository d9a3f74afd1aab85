import { availableParallelism } from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { type CachedEntry, ImageCache } from './cache/cache.ts';
import { VerifiedIndex } from './cache/verified-index.ts';
import {
  type GenImageConfig,
  type GenImageEnv,
  mergeConfig,
  resolveConfig,
  resolveEncoder,
  resolveFrozen,
  type ResolvedConfig,
} from './config/config.ts';
import { resolveCacheDir } from './config/cache-dir.ts';
import { findConfigFile, loadConfigFile } from './config/config-file.ts';
import {
  CacheCorrupt,
  FrozenMissing,
  GenImageError,
  type GenImageErrorOptions,
  InvalidAttribute,
  RemoteAccessDenied,
  RemoteNoCredentials,
  type SourceLocation,
  formatLocation,
  isGenImageError,
} from './errors.ts';
import { FileSystemStore } from './cache/fs-store.ts';
import { cacheKey } from './cache/key.ts';
import { type Logger, safeLogger, silentLogger } from './logger.ts';
import { quoteText } from './terminal-text.ts';
import { interpretMarker, type MarkerRequest } from './markers/marker-params.ts';
import { createDiagnostic, errorToDiagnostic, sortByLocation, type Diagnostic } from './diagnostics.ts';
import type { LiteralValue, Marker } from './markers/markers.ts';
import type { GenerationParams } from './params.ts';
import type { Provider } from './generate/providers/provider.ts';
import { createProvider, type ProviderId, resolveProviderId } from './generate/providers/select.ts';
import { inspectImage } from './generate/image.ts';
import { resolveReferences } from './generate/references.ts';
import {
  type GenerationSummary,
  type Outcome,
  type PlannedRequest,
  type RemoteWhereabouts,
  Scheduler,
  type ScheduleEvent,
  dedupeRequests,
} from './generate/schedule.ts';
import { type MarkerScanResult, scan } from './markers/scan.ts';
import type { CacheStore, EntryLocation } from './cache/store.ts';
import { S3Store } from './cache/remote/s3-store.ts';
import { TieredStore } from './cache/remote/tiered-store.ts';
import { PLACEHOLDER_PROVIDER, PlaceholderSplitStore } from './cache/placeholder-store.ts';

/** Where the cache remembers which entries it verified (see VerifiedIndex): this checkout's, never committed. */
const VERIFIED_INDEX = 'node_modules/.cache/genimage/verified-entries.json';
/** The check `unrenderable()` records in the verified index: each image of the entry decodes as its metadata says. */
const DECODES = 'decodes';
/** Where placeholders are kept: this checkout's, never committed (CI has no use for them) nor uploaded. */
export const PLACEHOLDERS_DIR = 'node_modules/.cache/genimage/placeholders';

/** One marker, resolved: what it asks for, its cache key, and how to render it. */
export interface ImageUse {
  key: string;
  origin: SourceLocation;
  params: GenerationParams;
  /** Which of the `n` images the marker shows (0-based). */
  pick: number;
  preset?: string;
  /** Rendering attributes (alt, widths, sizes, ...): carried along, never part of the key. */
  render: Record<string, LiteralValue>;
  request: PlannedRequest;
}

export interface ScanResult {
  files: number;
  uses: ImageUse[];
  /** Distinct requests, origins merged. */
  requests: PlannedRequest[];
  /** Errors and warnings, each with file:line:col. Markers with errors have no use. */
  diagnostics: Diagnostic[];
  /** HTML pages with markers the build does not render (see `EngineInit.htmlPages`), relative to the root. */
  unbuiltPages: string[];
}

export type CacheStatus = 'cached' | 'missing' | 'corrupt';

/** One image a frozen run lacks, and what the cache holds instead of it. */
export interface MissingImage {
  request: PlannedRequest;
  status: Exclude<CacheStatus, 'cached'>;
}

/**
 * FrozenMissing with the images it is about as data, so a caller (the CLI) formats them its own
 * way; the message lists them too, for callers that only print it.
 */
export class FrozenMissingError extends GenImageError {
  override name = 'FrozenMissingError';
  /** The message's first line: how many images, where they were looked for, why generation is frozen. */
  readonly headline: string;
  readonly missing: readonly MissingImage[];

  constructor(headline: string, missing: readonly MissingImage[], options: GenImageErrorOptions = {}) {
    const lines = missing.map(
      ({ request, status }) =>
        `  ${request.origins.map(formatLocation).join(', ') || request.key}  ${status}: "${request.job.params.prompt}"`,
    );
    super(FrozenMissing, [headline, ...lines].join('\n'), options);
    this.headline = headline;
    this.missing = missing;
  }
}

export interface EngineInit {
  /** The project root; relative paths in options resolve against it. */
  root: string;
  /** Inline options (from the Vite or Astro adapter, or tests): they override the config file. */
  options?: GenImageConfig;
  /** A config file to read; `false` reads none. @default the first genimage.config.* at the root */
  configFile?: string | false;
  env?: GenImageEnv;
  logger?: Logger;
  /** The `--frozen` flag. */
  frozen?: boolean;
  /** Another cache store than the `cacheDir` folder. */
  store?: CacheStore;
  /** The only HTML pages the build renders, absolute: a Vite site's (`viteHtmlPages`). @default every HTML page */
  htmlPages?: readonly string[];
  /**
   * Never ask the `remote` bucket: for what promises no network (`scan`, `plan`, `prune --dry-run`).
   * The engine then reads and writes the local cache only; `remoteLocation` still names the bucket.
   * @default false
   */
  offline?: boolean;
}

export interface GenerateRunOptions {
  onEvent?: (event: ScheduleEvent) => void;
  /** Cancels everything, requests under way included. */
  signal?: AbortSignal;
  /** Sends no new request; those under way finish and are cached. */
  stopSignal?: AbortSignal;
}

/**
 * The engine every entry point drives: the CLI, the Vite plugin and the Astro integration.
 * Options are validated once, here; everything below takes resolved options.
 */
export class Engine {
  readonly root: string;
  readonly config: ResolvedConfig;
  readonly env: GenImageEnv;
  readonly logger: Logger;
  readonly frozen: boolean;
  /** Where builds encode variants (GENIMAGE_ENCODER): the `Optimizer`'s `encoder`. */
  readonly encoder: 'process' | 'inline';
  readonly providerId: ProviderId;
  readonly cache: ImageCache;
  readonly cacheLocation: string;
  /** Where placeholders are kept, relative to the root: never committed, never uploaded. */
  readonly placeholdersLocation = PLACEHOLDERS_DIR;
  /** The shared remote cache (`remote` option), when one is configured, asked (not `offline`) and no other store was given. */
  readonly remote: TieredStore | undefined;
  /** The bucket of the `remote` option, e.g. `s3://bucket/prefix/`, asked or not. */
  readonly remoteLocation: string | undefined;
  readonly htmlPages: readonly string[] | undefined;
  #provider: Provider | undefined;
  #urlHashes: Promise<Map<string, string>> | undefined;
  #scheduler: Scheduler | undefined;
  /** Aborted by `drain`: the shared scheduler sends nothing new. */
  readonly #stop = new AbortController();
  /** The keys this engine computed for placeholders: looked up in the placeholder folder only. */
  readonly #placeholderKeys = new Set<string>();
  /** Each key's prompt and first declaration, for messages that would otherwise name a hash. */
  readonly #labels = new Map<string, { prompt: string; origin: SourceLocation }>();

  static async load(init: EngineInit): Promise<Engine> {
    const root = path.resolve(init.root);
    const file = init.configFile === false ? undefined : init.configFile ? path.resolve(root, init.configFile) : await findConfigFile(root);
    const fromFile = file ? await loadConfigFile(file) : undefined;
    const config = resolveConfig(
      mergeConfig(fromFile, init.options),
      file && init.options ? `${file} merged with inline options` : (file ?? 'genimage options'),
    );
    return new Engine(root, config, init);
  }

  constructor(root: string, config: ResolvedConfig, init: Omit<EngineInit, 'root' | 'options' | 'configFile'> = {}) {
    this.root = root;
    this.config = config;
    this.env = init.env ?? (process.env as GenImageEnv);
    // Read at every message: the bucket's credentials join it once the SDK has resolved them.
    const secrets = [
      config.apiKey,
      this.env.SHARK_API_KEY,
      this.env.AWS_SECRET_ACCESS_KEY,
      this.env.AWS_SESSION_TOKEN,
      this.env.AWS_ACCESS_KEY_ID,
    ];
    this.logger = safeLogger(init.logger ?? silentLogger, secrets);
    this.htmlPages = init.htmlPages;
    this.frozen = resolveFrozen({ flag: init.frozen ?? false, config: config.frozen, env: this.env });
    this.encoder = resolveEncoder(this.env);
    this.providerId = resolveProviderId(config, this.env);
    const cacheDir = resolveCacheDir(root, config);
    this.cacheLocation = path.relative(root, cacheDir) || '.';
    const local = new FileSystemStore(cacheDir, { logger: this.logger });
    // The SDK is loaded on the remote's first call, so a build without `remote` never loads it.
    const remote =
      config.remote && !init.store
        ? new S3Store({
            ...config.remote,
            logger: this.logger,
            env: this.env as Record<string, string | undefined>,
            onCredentials: (learnt) => secrets.push(...learnt),
          })
        : undefined;
    this.remoteLocation = remote?.location;
    this.remote =
      remote && !init.offline
        ? new TieredStore(local, remote, {
            logger: this.logger,
            localName: `${this.cacheLocation}/`,
            describeKey: (key) => this.#label(key),
          })
        : undefined;
    const placeholders = new FileSystemStore(path.join(root, PLACEHOLDERS_DIR), { logger: this.logger });
    const store = new PlaceholderSplitStore(init.store ?? this.remote ?? local, placeholders, {
      isPlaceholderKey: (key) => this.#placeholderKeys.has(key),
    });
    this.cache = new ImageCache(store, { index: new VerifiedIndex(path.join(root, VERIFIED_INDEX)) });
  }

  /** Where the last read of `key` found its entry: `local`, `remote` (copied into the local cache since), or undefined (nowhere). */
  foundIn(key: string): EntryLocation | undefined {
    const store = this.cache.store;
    return store.foundIn ? store.foundIn(key) : undefined;
  }

  /** Created on first use, so that scanning and checking never need an API key. */
  get provider(): Provider {
    this.#provider ??= createProvider(this.providerId, this.config, this.env, this.logger);
    return this.#provider;
  }

  /** The markers under the root as the scanner reads them, with the project's include, exclude and cache folder. */
  findMarkers(): Promise<MarkerScanResult> {
    return scan({
      root: this.root,
      ...(this.config.include && { include: this.config.include }),
      exclude: this.config.exclude,
      cacheDir: this.config.cacheDir,
      ...(this.htmlPages && { htmlPages: this.htmlPages }),
    });
  }

  /** Finds every marker under the root and resolves each to a keyed request. */
  async scan(): Promise<ScanResult> {
    const found = await this.findMarkers();
    const { uses, diagnostics } = await this.resolveMarkers(found.markers, found.diagnostics);
    const requests = dedupeRequests(uses.map((use) => use.request));
    return { files: found.files, uses, requests, diagnostics, unbuiltPages: found.unbuiltPages };
  }

  /**
   * Markers (the scan's, or those of one file a dev server compiles) resolved to keyed uses, with
   * every problem at its place: those already `found` (the parser's) and theirs, sorted.
   */
  async resolveMarkers(
    markers: readonly Marker[],
    found: readonly Diagnostic[] = [],
  ): Promise<{ uses: ImageUse[]; diagnostics: Diagnostic[] }> {
    const diagnostics: Diagnostic[] = [...found];
    const uses: ImageUse[] = [];
    for (const marker of markers) {
      try {
        const use = await this.resolveMarker(marker);
        if ('diagnostics' in use) diagnostics.push(...use.diagnostics);
        else uses.push(use);
      } catch (error) {
        if (!(error instanceof GenImageError)) throw error;
        // Resolving reference images is what can fail here: point at that attribute when the marker has it.
        const reference = marker.attributes.find((attribute) => attribute.name === 'reference');
        diagnostics.push(errorToDiagnostic(error, reference?.location ?? marker.location, reference && 'reference'));
      }
    }
    sortByLocation(diagnostics);
    return { uses, diagnostics };
  }

  /** A marker (from the scanner, or built from a component's props) as a keyed request. */
  async resolveMarker(marker: Marker): Promise<ImageUse | { diagnostics: Diagnostic[] }> {
    const { request, diagnostics } = interpretMarker(marker, {
      defaults: { ...(this.config.model && { model: this.config.model }), ...this.config.defaults },
      presets: this.config.presets,
    });
    const fromData = request === undefined && marker.attributes.some((attribute) => attribute.name === '...');
    if (!marker.call && !fromData && !marker.attributes.some((attribute) => attribute.name === 'alt')) {
      // Caught here, before anything is generated: every renderer refuses an image without alt.
      diagnostics.push(
        createDiagnostic(InvalidAttribute, 'error', 'This <GenImage> has no alt text.', marker.location, {
          attribute: 'alt',
          hint: 'Describe the image in alt="..."; write alt="" for a purely decorative image.',
        }),
      );
    }
    if (!request || diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return { diagnostics };
    return this.#use(request);
  }

  async #use(markerRequest: MarkerRequest): Promise<ImageUse> {
    const { params } = markerRequest; // parsed by interpretMarker
    const file = path.resolve(this.root, markerRequest.file);
    const knownUrlHashes = params.reference.some(isUrl) ? await this.#knownUrlHashes() : undefined;
    const references = await resolveReferences(params.reference, { file, root: this.root, ...(knownUrlHashes && { knownUrlHashes }) });
    // Downloaded once per process: rendering the same marker later does not fetch it again.
    for (const reference of references) if (isUrl(reference.source)) knownUrlHashes?.set(reference.source, reference.sha256);
    const referenceHashes = references.map((reference) => reference.sha256);
    let key = cacheKey({ provider: this.providerId, params, referenceHashes });
    if (this.providerId === PLACEHOLDER_PROVIDER) this.#placeholderKeys.add(key);
    if (this.config.provider === 'auto' && this.providerId === 'local') {
      // Without a key, real images that teammates committed still win over placeholders.
      const realKey = cacheKey({ provider: 'shark', params, referenceHashes });
      if ((await this.cache.status(realKey)) === 'cached') key = realKey;
    }
    const origin = markerRequest.location;
    // Formatted only for a message: a scan resolves thousands of markers and says nothing of most.
    if (!this.#labels.has(key)) this.#labels.set(key, { prompt: params.prompt, origin });
    return {
      key,
      origin,
      params,
      pick: markerRequest.pick,
      ...(markerRequest.preset !== undefined && { preset: markerRequest.preset }),
      render: markerRequest.render,
      request: { key, job: { params, references }, origins: [origin] },
    };
  }

  /** A key's prompt and first declaration, as messages name it; undefined for a key no marker resolved to. */
  #label(key: string): string | undefined {
    const label = this.#labels.get(key);
    return label && `${quoteText(label.prompt)} (${formatLocation(label.origin)})`;
  }

  /** URL references' content hashes, as recorded in the cache when their images were generated. */
  #knownUrlHashes(): Promise<Map<string, string>> {
    this.#urlHashes ??= (async () => {
      const known = new Map<string, string>();
      for (const key of await this.cache.keys()) {
        const meta = await this.cache.store.readMeta(key).catch(() => undefined);
        for (const reference of meta?.params.references ?? []) {
          if (isUrl(reference.source)) known.set(reference.source, reference.sha256);
        }
      }
      return known;
    })();
    return this.#urlHashes;
  }

  async statuses(requests: readonly PlannedRequest[]): Promise<Map<string, CacheStatus>> {
    // Verifying reads whole originals (4K ones are tens of MB): a few at a time, not all at once.
    const limit = pLimit(8);
    const entries = await Promise.all(
      requests.map((request) => limit(async () => [request.key, await this.cache.status(request.key)] as const)),
    );
    await this.cache.saveIndex();
    return new Map(entries);
  }

  /**
   * What `check` verifies beyond size and sha256: each image of these entries decodes the way the
   * renderer decodes it (sharp, at most DEFAULT_MAX_PIXELS, through the `inspectImage` that checks
   * the API's images) and is the format and size its metadata says, so that a build `check`
   * passed can render it. Decodes every image, except those of an entry the verified index says
   * decoded before, unchanged since (as `git status` trusts an unchanged stat): for `check`, not for
   * a build. Returns why each entry that fails does, by key (CacheCorrupt); missing entries are
   * `statuses()`' to report.
   */
  async unrenderable(requests: readonly PlannedRequest[]): Promise<Map<string, GenImageError>> {
    // CPU-bound, and a 4K original decodes to 64 MB: a few at a time.
    const limit = pLimit(Math.min(4, availableParallelism()));
    const failed = new Map<string, GenImageError>();
    await Promise.all(
      dedupeRequests(requests).map((request) =>
        limit(async () => {
          const problem = await this.#unrenderable(request.key);
          if (problem) failed.set(request.key, problem);
        }),
      ),
    );
    await this.cache.saveIndex();
    return failed;
  }

  /** Why the entry cannot be rendered; an entry that decoded before, unchanged since (the verified index), is not read again. */
  async #unrenderable(key: string): Promise<GenImageError | undefined> {
    try {
      return await this.cache.checkEntry(key, DECODES, (entry) => this.#undecodable(key, entry));
    } catch (error) {
      if (isGenImageError(error, CacheCorrupt)) return error;
      throw error;
    }
  }

  async #undecodable(key: string, entry: CachedEntry): Promise<GenImageError | undefined> {
    const where = `${this.cacheLocation}/${key}`;
    // `generate` keeps an entry whose hashes match, so it would not replace this one by itself.
    const hint = `Delete ${where} and run \`genimage generate\` to make the image again.`;
    for (const [index, image] of entry.meta.images.entries()) {
      let info: Awaited<ReturnType<typeof inspectImage>>;
      try {
        info = await inspectImage(entry.images[index]!);
      } catch (error) {
        if (!isGenImageError(error)) throw error;
        return new GenImageError(CacheCorrupt, `Image ${image.file} of entry ${where} cannot be rendered: ${error.message}.`, {
          hint,
          cause: error,
        });
      }
      if (info.format !== image.format || info.width !== image.width || info.height !== image.height) {
        const found = `${info.width}×${info.height} ${info.format}`;
        return new GenImageError(
          CacheCorrupt,
          `Image ${image.file} of entry ${where} is a ${found} image, but its metadata says ${image.width}×${image.height} ${image.format}.`,
          { hint },
        );
      }
    }
    return undefined;
  }

  /**
   * Generates what is missing. Frozen, it generates nothing: any missing or corrupt image is an
   * error that lists every such marker.
   */
  async generate(requests: readonly PlannedRequest[], options: GenerateRunOptions = {}): Promise<GenerationSummary> {
    const unique = dedupeRequests(requests);
    if (this.frozen) await this.assertAllCached(unique);
    else if ([...(await this.statuses(unique)).values()].some((status) => status !== 'cached')) {
      // Fails once, before any request, when the provider cannot be created (no API key).
      void this.provider;
    }
    const keptBefore = new Set(this.remote?.keptLocal);
    const summary = await this.#schedulerFor(options).run(unique);
    await this.cache.saveIndex();
    if (this.remote) summary.remote = this.#whereabouts(this.remote, unique, summary, keptBefore);
    return summary;
  }

  /** Where this run's images came from and went: found in the bucket, uploaded, or kept here only. */
  #whereabouts(
    tiered: TieredStore,
    requests: readonly PlannedRequest[],
    summary: GenerationSummary,
    keptBefore: ReadonlySet<string>,
  ): RemoteWhereabouts {
    const keptLocal = requests.filter((request) => tiered.keptLocal.has(request.key) && !keptBefore.has(request.key)).length;
    return {
      location: tiered.remote.location,
      fromRemote: Math.min(summary.reused, requests.filter((request) => tiered.foundIn(request.key) === 'remote').length),
      uploaded: Math.max(0, summary.generated - keptLocal),
      keptLocal,
    };
  }

  /** Requests of this engine's on-demand generations (`ensure`) sent and not yet answered. */
  get requestsInFlight(): number {
    return this.#scheduler?.requestsInFlight ?? 0;
  }

  /**
   * A dev server stops: nothing new is sent from now on, and the answers under way (possibly
   * billed) are waited for, at most the request `timeout`, and stored. Says what it kept.
   */
  async drain(): Promise<void> {
    this.#stop.abort();
    const waiting = this.requestsInFlight;
    if (!this.#scheduler || waiting === 0) return;
    this.logger.warn(
      `Waiting for ${waiting} answer(s) under way, so that what was paid for is stored (at most ${this.config.timeout / 1000} s)…`,
    );
    const { stored, unfinished } = await this.#scheduler.drain(this.config.timeout);
    this.logger.warn(
      `Stored ${stored} image(s) that were under way${unfinished > 0 ? `; ${unfinished} did not answer in time and were dropped` : ''}.`,
    );
  }

  /** Credits this engine's on-demand generations (`ensure`) cost so far: a dev server's session total. */
  get creditsSpent(): number {
    return this.#scheduler?.creditsSpent ?? 0;
  }

  /** One image on demand (the dev server): deduplicated with any generation of the same key under way. */
  async ensure(use: ImageUse, options: GenerateRunOptions = {}): Promise<Outcome> {
    if (this.frozen) await this.assertAllCached([use.request]);
    return this.#schedulerFor(options).ensure(use.request);
  }

  /** Throws a FrozenMissingError listing every request whose image is not verified in the cache. */
  async assertAllCached(requests: readonly PlannedRequest[]): Promise<void> {
    const statuses = await this.statuses(requests);
    const missing: MissingImage[] = [];
    for (const request of requests) {
      const status = statuses.get(request.key) ?? 'missing';
      if (status !== 'cached') missing.push({ request, status });
    }
    if (missing.length === 0) return;
    const remote = this.remote
      ? ` nor in ${this.remote.remote.location}${this.remote.remoteAvailable ? '' : ' (not reachable: see above)'}`
      : '';
    throw new FrozenMissingError(
      `${missing.length} image(s) not in ${this.cacheLocation}/${remote} (generation is frozen${this.env.CI ? ' because CI is set' : ''}):`,
      missing,
      {
        hint:
          this.remoteNextStep() ??
          `Run \`genimage generate\` locally and commit ${this.cacheLocation}/, or set GENIMAGE_FROZEN=0 to generate here on purpose.`,
      },
    );
  }

  /**
   * With a bucket, what to do about images missing here: the real cause first. A bucket that was
   * not read (no credentials, refused, unreachable) may hold them all, so generating would pay for
   * them again; only a bucket that was read and lacks them needs `genimage generate`.
   */
  remoteNextStep(): string | undefined {
    if (!this.remote) return undefined;
    const { location } = this.remote.remote;
    const problem = this.remote.problem;
    if (isGenImageError(problem, RemoteNoCredentials))
      return `They may all be in ${location}, which was not read: no credentials were found. Give this step AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (in CI, in the job's env, so that every step that reads the bucket has them; see "Teams and CI" in the README), then run again. Do not generate them again: that would pay twice.`;
    if (isGenImageError(problem, RemoteAccessDenied))
      return `They may all be in ${location}, which refused the credentials. Check the key pair (rotated? expired?) and that its identity may s3:GetObject and s3:ListBucket on the prefix (see "Teams and CI" in the README), then run again.`;
    if (problem && !this.remote.remoteAvailable)
      return `They may be in ${location}, which could not be used (see above). Run again once it answers; \`genimage generate\` where SHARK_API_KEY is set makes only what it lacks.`;
    return `Run \`genimage generate\` where SHARK_API_KEY is set: it generates what ${location} lacks and uploads it.`;
  }

  /** The verified original bytes a use shows. */
  async original(use: ImageUse): Promise<{ bytes: Uint8Array; width: number; height: number; format: string }> {
    const entry = await this.cache.get(use.key);
    const image = entry?.meta.images[use.pick];
    const bytes = entry?.images[use.pick];
    if (!entry || !image || !bytes) {
      throw new GenImageError(InvalidAttribute, `No cached image ${use.pick} for "${use.params.prompt}".`, { location: use.origin });
    }
    return { bytes, width: image.width, height: image.height, format: image.format };
  }

  #schedulerFor(options: GenerateRunOptions): Scheduler {
    // One scheduler per engine keeps in-flight deduplication and the run-stopping state shared;
    // a run with its own event listener or signal gets its own.
    if (options.onEvent || options.signal || options.stopSignal) {
      return new Scheduler({ ...this.#schedulerOptions(), ...options });
    }
    this.#scheduler ??= new Scheduler(this.#schedulerOptions());
    return this.#scheduler;
  }

  #schedulerOptions() {
    // The provider is created only when something is generated: a warm or frozen run needs no key.
    const provider: Provider = { id: this.providerId, generate: (job, options) => this.provider.generate(job, options) };
    return {
      provider,
      cache: this.cache,
      concurrency: this.config.concurrency,
      ...(this.config.retries.maxRateLimitedMs !== undefined && { maxRateLimitedMs: this.config.retries.maxRateLimitedMs }),
      budget: this.config.budget,
      estimatedCreditsPerImage: this.providerId === 'local' ? 0 : this.config.estimatedCreditsPerImage,
      logger: this.logger,
      stopSignal: this.#stop.signal,
    };
  }
}

function isUrl(reference: string): boolean {
  return /^https?:/i.test(reference);
}
