/**
 * One review session: the site's images as its declarations ask for them, and the actions on one
 * of them (quote, try candidates, keep one, fix the seed). Everything goes through the engine the
 * session is given, the dev server's own or the CLI's: its scan lists the declarations, its cache
 * holds the candidates, its scheduler sends their requests with the budget, rate limiting and
 * summary of a build. The HTTP side, with the safety rules, is `http.ts`.
 */
import { randomBytes } from 'node:crypto';
import type { CachedEntry } from '../cache/cache.ts';
import { metaKey } from '../cache/key.ts';
import type { CacheEntryMeta } from '../cache/store.ts';
import type { Engine, ImageUse } from '../engine.ts';
import {
  DeclarationChanged,
  GenImageError,
  ReviewInvalid,
  ReviewRefused,
  formatError,
  formatLocation,
  isGenImageError,
} from '../errors.ts';
import { formatSummary } from '../generate/schedule.ts';
import { MAX_CHOSEN_SEED, freshSeeds } from '../generate/seeds.ts';
import type { Marker } from '../markers/markers.ts';
import { usesByKey } from '../reports/prune.ts';
import { declarationKind } from '../rewrite/edit-declaration.ts';
import { CandidateIndex, type Families, candidateRequest, keyWithSeed, providerOf } from './candidates.ts';
import { assertUnchanged, writeSeed } from './declaration-file.ts';
import {
  type Candidate,
  DEFAULT_CANDIDATES,
  type GenerationAbility,
  MAX_CANDIDATES,
  REVIEW_BASE,
  type ReviewImage,
  type ReviewKept,
  type ReviewList,
  type ReviewQuote,
  type ReviewTryResult,
} from './protocol.ts';

export interface ReviewSessionOptions {
  /** The engine to review with (a dev server's, created on its first use: a function), so that dev, review and build agree. */
  engine: Engine | (() => Promise<Engine>);
  /** @default 32 random bytes in hex */
  token?: string;
}

/** A declaration as the last listing found it. */
interface Listed {
  marker: Marker;
  use: ImageUse;
  /** The provider whose images its key is of. */
  provider: string;
}

export class ReviewSession {
  /** The secret every request must carry (`REVIEW_TOKEN_HEADER`): only pages this session served know it. */
  readonly token: string;
  readonly #engine: () => Promise<Engine>;
  #listed = new Map<string, Listed>();
  #used = new Map<string, ImageUse[]>();
  /** Keys whose originals `original()` serves: the images and candidates this session showed. */
  readonly #previewable = new Set<string>();
  #index: CandidateIndex | undefined;
  /** Keeps and seed fixes, one at a time: two at once could each read the file the other is writing. */
  #writing: Promise<unknown> = Promise.resolve();

  constructor(options: ReviewSessionOptions) {
    const { engine } = options;
    let loaded: Promise<Engine> | undefined;
    this.#engine = typeof engine === 'function' ? () => (loaded ??= engine()) : () => Promise.resolve(engine);
    // A short token (an empty one would match an empty header) is a caller's mistake, not a session.
    if (options.token !== undefined && options.token.length < 32)
      throw new TypeError('ReviewSession: a token must have at least 32 characters (leave it out for a random one).');
    this.token = options.token ?? randomBytes(32).toString('hex');
  }

  /** Whether candidates can be generated: not when frozen, nor without an API key. */
  async ability(): Promise<GenerationAbility & { frozen: boolean }> {
    const engine = await this.#engine();
    return { frozen: engine.frozen, ...abilityOf(engine) };
  }

  /** What no answer may hold: the API key and the bucket's credentials (`http.ts` hides them from every one). */
  async secrets(): Promise<(string | undefined)[]> {
    const { config, env } = await this.#engine();
    return [config.apiKey, env.SHARK_API_KEY, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN, env.AWS_ACCESS_KEY_ID];
  }

  /** `GET /images`: every declaration of the site, scanned now, with its image and candidates. */
  async list(): Promise<ReviewList> {
    const engine = await this.#engine();
    await this.#scan(engine);
    const families = await this.#candidates(engine).read();
    const images: ReviewImage[] = [];
    for (const [id, listed] of this.#listed) images.push(await this.#describe(engine, id, listed, families));
    await engine.cache.saveIndex();
    return { images, ...(await this.ability()) };
  }

  /** `POST /quote`: new seeds for `k` candidates and what they would cost. Sends nothing. */
  async quote(id: string, k: unknown = DEFAULT_CANDIDATES, shownKey?: unknown): Promise<ReviewQuote> {
    const engine = await this.#engine();
    const count = candidateCount(k);
    const { use, provider } = await this.#find(id, shownKey);
    const families = await this.#candidates(engine).read();
    const family = families.of(use, provider);
    const own = family.find((entry) => entry.key === use.key)?.meta;
    const avoid = [
      use.params.seed,
      ...family.map((entry) => entry.seed),
      ...(own?.params.sentSeed === undefined ? [] : [own.params.sentSeed]),
    ];
    const perRequest = own?.credit ?? medianCreditsPerImage(families.all()) * use.params.n;
    return {
      k: count,
      seeds: freshSeeds(count, avoid),
      credits: Number.isNaN(perRequest) ? null : perRequest * count,
      ...abilityOf(engine),
    };
  }

  /**
   * `POST /try`: generates the candidates of `seeds` through the engine's scheduler (its budget,
   * rate limiting and concurrency, and a build's summary, logged). Refused, with nothing sent,
   * when the engine cannot generate or the declaration changed since it was listed.
   */
  async tryCandidates(id: string, k: unknown, seeds?: unknown, shownKey?: unknown): Promise<ReviewTryResult> {
    const engine = await this.#engine();
    const count = candidateCount(k);
    const listed = await this.#find(id, shownKey);
    const { use } = listed;
    const ability = abilityOf(engine);
    if (!ability.canGenerate) throw new GenImageError(ReviewRefused, ability.reason ?? 'Candidates cannot be generated here.');
    const chosen = seeds === undefined ? freshSeeds(count, [use.params.seed]) : seedList(seeds, count, use.params.seed);
    // Paid for: only for the declaration as it is in the file now.
    await assertUnchanged(engine.root, listed.marker);
    const requests = chosen.map((seed) => candidateRequest(use, engine.providerId, seed));
    const summary = await engine.generate(requests);
    engine.logger.info(`Review of ${formatLocation(use.origin)}: ${formatSummary(summary)}`);
    const failures = new Map(summary.failures.map((failure) => [failure.key, failure.error]));
    const candidates: Candidate[] = [];
    const failed: { seed: number; error: string }[] = [];
    for (const [index, request] of requests.entries()) {
      const error = failures.get(request.key);
      if (error) failed.push({ seed: chosen[index]!, error: formatError(error) });
      else candidates.push(this.#candidate(chosen[index]!, request.key, use, await engine.cache.store.readMeta(request.key)));
    }
    return { candidates, creditsSpent: summary.credits, ...(failed.length > 0 && { failed }) };
  }

  /**
   * `POST /keep`: writes `seed` into the declaration, which then asks for that candidate's image,
   * already cached: no request, ever. Refused when no image of that seed is cached, or when the
   * file no longer holds the declaration as listed.
   */
  keep(id: string, seed: unknown, shownKey?: unknown): Promise<ReviewKept> {
    return this.#serially(async () => {
      const engine = await this.#engine();
      const listed = await this.#find(id, shownKey);
      const { use, provider } = listed;
      const wanted = seedOf(seed, 'seed');
      const key = keyWithSeed(use, provider, wanted);
      // The seed genimage sent for a seedless declaration: its own image, filed under the new key.
      const cached = (await engine.cache.status(key)) === 'cached';
      const recorded = cached ? undefined : await recordedImage(engine, use, wanted);
      if (!cached && !recorded) {
        throw new GenImageError(
          ReviewRefused,
          `No image with seed ${wanted} is cached for this declaration. Keeping sends no request: keep a candidate that \`try\` made.`,
          { location: use.origin },
        );
      }
      await writeSeed(engine.root, listed.marker, wanted, async (written) => {
        const resolved = await engine.resolveMarker(written);
        if ('diagnostics' in resolved || resolved.key !== key)
          throw new Error(`With seed ${wanted}, ${formatLocation(use.origin)} would not ask for the kept image; nothing was written.`);
        if (recorded) await fileUnder(engine, recorded, key, wanted);
      });
      await this.#scan(engine);
      return { id, ...locationOf(use), seed: wanted, key };
    });
  }

  /** `POST /fix-seed`: for a seedless declaration, writes the seed genimage chose and sent for its image (`keep` with it). */
  async fixSeed(id: string, shownKey?: unknown): Promise<ReviewKept> {
    const engine = await this.#engine();
    const { use } = await this.#find(id, shownKey);
    if (use.params.seed !== -1)
      throw new GenImageError(ReviewRefused, `This declaration already asks for seed ${use.params.seed}.`, { location: use.origin });
    const meta = (await engine.cache.status(use.key)) === 'cached' ? await engine.cache.store.readMeta(use.key) : undefined;
    if (!meta)
      throw new GenImageError(ReviewRefused, 'Its image is not cached yet: there is no seed to fix. Open the page to generate it first.', {
        location: use.origin,
      });
    if (meta.params.sentSeed === undefined) {
      throw new GenImageError(
        ReviewRefused,
        'Its image was made without a recorded seed (before genimage chose seeds itself, or as an offline placeholder), so it cannot be made again. Try candidates and keep one instead.',
        { location: use.origin },
      );
    }
    return this.keep(id, meta.params.sentSeed, use.key);
  }

  /** `GET /original/<key>/<index>`: the bytes of an image this session showed, verified; undefined for any other. */
  async original(key: string, index: number): Promise<{ bytes: Uint8Array; format: string } | undefined> {
    if (!this.#previewable.has(key)) return undefined;
    const entry = await (await this.#engine()).cache.get(key);
    const bytes = entry?.images[index];
    const image = entry?.meta.images[index];
    return bytes && image ? { bytes, format: image.format } : undefined;
  }

  async #scan(engine: Engine): Promise<void> {
    const found = await engine.findMarkers();
    const listed = new Map<string, Listed>();
    for (const marker of found.markers) {
      // A declaration with an error asks for nothing; the scan's report says why.
      const use = await engine.resolveMarker(marker).catch((error: unknown) => {
        if (isGenImageError(error)) return undefined;
        throw error;
      });
      if (!use || 'diagnostics' in use) continue;
      listed.set(idOf(use), { marker, use, provider: providerOf(use, engine.providerId) });
    }
    this.#listed = listed;
    this.#used = usesByKey([...listed.values()].map((entry) => entry.use));
  }

  /**
   * The declaration listed at `id`. With `shownKey` (the key the list showed the author; the panel
   * always sends it), refused when the declaration there now asks for another image: an edit moved
   * another one to this id, and the author would pay for, or keep, what they did not see.
   */
  async #find(id: string, shownKey?: unknown): Promise<Listed> {
    if (typeof id !== 'string' || id === '')
      throw new GenImageError(ReviewInvalid, 'id must be the id of a listed image, e.g. "src/pages/index.astro:7:5".');
    // Declarations added or moved since the last listing are found by scanning again, once.
    if (!this.#listed.has(id)) await this.#scan(await this.#engine());
    const listed = this.#listed.get(id);
    if (!listed)
      throw new GenImageError(
        ReviewRefused,
        `No image is declared at ${id}: the file was edited since the list was made, or the id is not one the list gave. Reload the list.`,
      );
    if (shownKey !== undefined && shownKey !== listed.use.key)
      throw new GenImageError(
        DeclarationChanged,
        `The image declared at ${id} is no longer the one shown (the file was edited since the list was made): reload the list; nothing was sent or written.`,
        { location: listed.use.origin },
      );
    return listed;
  }

  async #describe(engine: Engine, id: string, { marker, use, provider }: Listed, families: Families): Promise<ReviewImage> {
    const status = await engine.cache.status(use.key);
    const meta = status === 'cached' ? await engine.cache.store.readMeta(use.key) : undefined;
    const image = meta?.images[use.pick];
    if (meta) this.#previewable.add(use.key);
    const candidates: Candidate[] = [];
    for (const entry of families.of(use, provider)) {
      if (entry.key === use.key || entry.seed === -1 || (await engine.cache.status(entry.key)) !== 'cached') continue;
      candidates.push(this.#candidate(entry.seed, entry.key, use, entry.meta));
    }
    return {
      id,
      ...locationOf(use),
      declaredIn: declarationKind(marker),
      prompt: use.params.prompt,
      seed: use.params.seed === -1 ? null : use.params.seed,
      ...(meta?.params.sentSeed !== undefined && { recordedSeed: meta.params.sentSeed }),
      aspectRatio: use.params.aspectRatio,
      imageSize: use.params.imageSize,
      key: use.key,
      status,
      ...(image && { width: image.width, height: image.height }),
      ...(meta?.credit !== undefined && { credits: meta.credit }),
      ...(meta && { preview: previewUrl(use.key, use.pick) }),
      candidates,
    };
  }

  #candidate(seed: number, key: string, use: ImageUse, meta: CacheEntryMeta | undefined): Candidate {
    this.#previewable.add(key);
    return {
      seed,
      key,
      preview: previewUrl(key, use.pick),
      ...(meta?.credit !== undefined && { credits: meta.credit }),
      kept: this.#used.has(key),
    };
  }

  #candidates(engine: Engine): CandidateIndex {
    this.#index ??= new CandidateIndex(engine.cache);
    return this.#index;
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#writing.then(work, work);
    this.#writing = run.catch(() => {});
    return run;
  }
}

/** The median of what the site's real images cost per image, as their entries recorded it; NaN when none did. */
function medianCreditsPerImage(metas: readonly CacheEntryMeta[]): number {
  const costs = metas
    .filter((meta) => meta.credit !== undefined && meta.provider !== 'local')
    .map((meta) => meta.credit! / meta.params.n)
    .sort((a, b) => a - b);
  if (costs.length === 0) return Number.NaN;
  const middle = Math.floor(costs.length / 2);
  return costs.length % 2 === 1 ? costs[middle]! : (costs[middle - 1]! + costs[middle]!) / 2;
}

function abilityOf(engine: Engine): GenerationAbility {
  if (engine.frozen) {
    return {
      canGenerate: false,
      reason: `Generation is frozen${engine.env.CI ? ' because CI is set' : ''}: no candidate is generated here, and nothing is sent. Keeping a candidate already cached still works.`,
    };
  }
  const apiKey = engine.config.apiKey ?? (engine.env.SHARK_API_KEY || undefined);
  if (engine.providerId === 'local' && engine.config.provider === 'local') {
    return {
      canGenerate: false,
      reason: 'The `local` provider is configured: it renders offline placeholders, so no candidate is generated, and nothing is sent.',
    };
  }
  if (engine.providerId === 'local' || apiKey === undefined) {
    return {
      canGenerate: false,
      reason:
        'No API key is set (SHARK_API_KEY): no candidate is generated, and nothing is sent. Set the key where the server runs and restart it.',
    };
  }
  return { canGenerate: true };
}

function idOf(use: ImageUse): string {
  return formatLocation(use.origin);
}

function locationOf(use: ImageUse): { file: string; line: number; column: number } {
  return { file: use.origin.file, line: use.origin.line, column: use.origin.column };
}

function previewUrl(key: string, index: number): string {
  return `${REVIEW_BASE}/original/${key}/${index}`;
}

function candidateCount(k: unknown): number {
  if (k === undefined) return DEFAULT_CANDIDATES;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_CANDIDATES)
    throw new GenImageError(ReviewInvalid, `k must be a whole number from 1 to ${MAX_CANDIDATES}, got ${JSON.stringify(k)}.`);
  return k;
}

function seedOf(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_CHOSEN_SEED)
    throw new GenImageError(ReviewInvalid, `${name} must be a whole number from 0 to ${MAX_CHOSEN_SEED}, got ${JSON.stringify(value)}.`);
  return value;
}

function seedList(value: unknown, count: number, current: number): number[] {
  if (!Array.isArray(value) || value.length !== count)
    throw new GenImageError(ReviewInvalid, `seeds must be a list of k (${count}) seeds, as the quote gave them.`);
  const seeds = value.map((seed, index) => seedOf(seed, `seeds[${index}]`));
  if (new Set(seeds).size !== seeds.length) throw new GenImageError(ReviewInvalid, 'seeds must be distinct.');
  if (seeds.includes(current)) throw new GenImageError(ReviewInvalid, `seeds must differ from the declaration's own seed (${current}).`);
  return seeds;
}

/** The cached image of a seedless `use` when genimage sent it with `seed`. */
async function recordedImage(engine: Engine, use: ImageUse, seed: number): Promise<CachedEntry | undefined> {
  if (use.params.seed !== -1) return undefined;
  const entry = await engine.cache.get(use.key).catch(() => undefined);
  return entry?.meta.params.sentSeed === seed ? entry : undefined;
}

/** Files a seedless declaration's image under the key of the same declaration with the seed it was sent with. */
async function fileUnder(engine: Engine, entry: CachedEntry, key: string, seed: number): Promise<void> {
  const { sentSeed: _sent, ...params } = entry.meta.params;
  const meta: CacheEntryMeta = { ...entry.meta, key, params: { ...params, seed } };
  if (metaKey(meta) !== key) throw new Error(`The image of seed ${seed} would not be filed under its key ${key}; nothing was written.`);
  const release = await engine.cache.lock(key);
  try {
    if ((await engine.cache.status(key)) !== 'cached') await engine.cache.put(meta, entry.images);
  } finally {
    await release();
  }
}
