import pLimit from 'p-limit';
import type { ImageCache } from '../cache/cache.ts';
import {
  Aborted,
  ApiError,
  BudgetExceeded,
  GenImageError,
  RunStopped,
  type SourceLocation,
  formatError,
  isGenImageError,
  stopsTheRun,
  messageOf,
} from '../errors.ts';
import { sha256Hex } from '../hash.ts';
import type { Logger } from '../logger.ts';
import type { Usage } from '../params.ts';
import type { GeneratedImage, GenerationResult, Provider, ProviderJob } from './providers/provider.ts';
import type { CacheEntryMeta } from '../cache/store.ts';
import { RateLimiter } from './rate-limiter.ts';
import { DEFAULT_RETRY_OPTIONS } from './retry.ts';
import { unwritableCache } from './store-failure.ts';
import { randomSeed } from './seeds.ts';
import { PLACEHOLDER_PROVIDER } from '../cache/placeholder-store.ts';

/** One image request with its cache key and every place that asks for it. */
export interface PlannedRequest {
  key: string;
  job: ProviderJob;
  /** Markers that ask for this image; empty for requests made from code. */
  origins: SourceLocation[];
}

export interface Budget {
  /** Most images one run may generate. */
  maxImages?: number;
  /** Most credits one run may spend, as the provider reports them. */
  maxCredits?: number;
}

/**
 * A generation as reported: what was made and what it cost. Not the bytes: they are in the cache
 * by then, and a run of 4K images must not hold every one of them until it ends.
 */
export type GenerationReport = Omit<GenerationResult, 'images'> & { images: Omit<GeneratedImage, 'bytes'>[] };

export type Outcome =
  | { status: 'reused'; key: string }
  | { status: 'generated'; key: string; result: GenerationReport }
  /** `paid`: the API answered (and charged) but the image could not be stored. */
  | { status: 'failed'; key: string; error: GenImageError; paid?: GenerationReport };

export type ScheduleEvent =
  | { type: 'start'; request: PlannedRequest }
  | { type: 'reused'; request: PlannedRequest }
  | { type: 'generated'; request: PlannedRequest; result: GenerationReport }
  | { type: 'failed'; request: PlannedRequest; error: GenImageError }
  | { type: 'corrupt'; request: PlannedRequest };

export interface SchedulerOptions {
  provider: Provider;
  cache: ImageCache;
  /**
   * Requests to the API at once, at most: fewer while it answers 429 (see rate-limiter.ts).
   * Twice as many generations are under way, so that checking and storing a finished image
   * overlaps the next requests. @default 4
   */
  concurrency?: number;
  /** How long the API may refuse every request (429) before the waiting ones fail. @default 120000 */
  maxRateLimitedMs?: number;
  budget?: Budget;
  /**
   * What one image is assumed to cost until the provider has charged for one: without it, the
   * first concurrent requests could all pass `budget.maxCredits` together. @default 0
   */
  estimatedCreditsPerImage?: number;
  /** Cancels everything, requests under way included (they may already have been billed). */
  signal?: AbortSignal;
  /** Stops sending new requests; those under way finish and are cached (a first Ctrl-C). */
  stopSignal?: AbortSignal;
  /** Told when a corrupt cache entry is generated again. */
  logger?: Logger;
  onEvent?: (event: ScheduleEvent) => void;
  /** For tests. */
  now?: () => number;
}

export interface Failure {
  key: string;
  origins: SourceLocation[];
  error: GenImageError;
}

export interface GenerationSummary {
  /** Distinct images asked for (after deduplication). */
  requests: number;
  /** Requests generated in this run, and the images they produced. */
  generated: number;
  images: number;
  /** Requests served from the cache. */
  reused: number;
  /** Requests that failed or were not attempted because the run stopped. */
  failed: number;
  /** Cache entries that failed verification and were generated again (or failed to be). */
  corrupt: number;
  /** HTTP attempts in all, retries included. */
  attempts: number;
  /** Attempts that failed after the provider may have billed them, and answers that could not be stored. */
  possiblyBilledAttempts: number;
  /** Answers received, and paid for, whose images could not be stored (counted in `failed`, `attempts` and `credits` too). */
  unstored: number;
  usage: Usage;
  credits: number;
  elapsedMs: number;
  /** The error that stopped the run early (401, 402, budget, a cache that cannot be written), if any. */
  stoppedBy?: GenImageError;
  failures: Failure[];
  /** With a shared bucket: where the images came from and went. */
  remote?: RemoteWhereabouts;
}

/** Where a run's images came from and went, with a shared bucket behind the local cache. */
export interface RemoteWhereabouts {
  /** The bucket, e.g. `s3://bucket/prefix/`. */
  location: string;
  /** Reused requests whose entry was copied from the bucket in this process. */
  fromRemote: number;
  /** Generated requests now in the bucket (uploaded here, or by another machine first). */
  uploaded: number;
  /** Generated requests the bucket did not get (unreachable, refused): only this machine has them until `genimage push`. */
  keptLocal: number;
}

/** Merges requests for the same key, keeping every origin, in first-seen order. */
export function dedupeRequests(requests: readonly PlannedRequest[]): PlannedRequest[] {
  const byKey = new Map<string, PlannedRequest>();
  for (const request of requests) {
    const known = byKey.get(request.key);
    if (known) known.origins.push(...request.origins);
    else byKey.set(request.key, { ...request, origins: [...request.origins] });
  }
  return [...byKey.values()];
}

function extensionOf(format: string): string {
  return format === 'jpeg' ? 'jpg' : format;
}

/**
 * The JSON sidecar for a fresh generation. `sentSeed`: the seed sent for a request of seed -1
 * (see `seedToSend`), recorded beside the -1 its key is computed with.
 */
export function entryMeta(
  request: PlannedRequest,
  provider: string,
  result: GenerationResult,
  created: Date,
  sentSeed?: number,
): CacheEntryMeta {
  const { params, references } = request.job;
  return {
    version: 1,
    key: request.key,
    provider,
    model: params.model,
    prompt: params.prompt,
    params: {
      seed: params.seed,
      ...(sentSeed !== undefined && params.seed === -1 && { sentSeed }),
      n: params.n,
      imageSize: params.imageSize,
      aspectRatio: params.aspectRatio,
      references: references.map(({ source, sha256 }) => ({ source, sha256 })),
    },
    created: created.toISOString(),
    ...(result.usage && { usage: result.usage }),
    ...(result.credit !== undefined && { credit: result.credit }),
    images: result.images.map((image, index) => ({
      file: `${index}.${extensionOf(image.format)}`,
      sha256: sha256Hex(image.bytes),
      bytes: image.bytes.byteLength,
      width: image.width,
      height: image.height,
      format: image.format,
    })),
  };
}

/**
 * The seed to send instead of -1, or undefined to send the request's own. genimage never sends -1
 * (`seeds.ts`); the offline placeholders are exempt: nothing is sent, and their seed -1 gives one
 * fixed picture by design (`local.ts`).
 */
export function seedToSend(job: ProviderJob, providerId: string): number | undefined {
  return job.params.seed === -1 && providerId !== PLACEHOLDER_PROVIDER ? randomSeed() : undefined;
}

function asGenImageError(error: unknown): GenImageError {
  if (isGenImageError(error)) return error;
  // Ours are rethrown unchanged; anything foreign is wrapped once, here at the boundary.
  return new ApiError({ code: 'Unexpected', title: 'Generation failed unexpectedly' }, messageOf(error), { cause: error });
}

/**
 * Generates what the cache lacks: deduplicates in-flight work by key (two identical markers cost
 * one request), bounds concurrency, takes a cross-process lock per key so that parallel builds
 * generate each image once, stops sending on 401/402, when the budget would be exceeded or once
 * the cache's disk takes no more writes (every later answer would be paid for and lost), and
 * keeps every success when some requests fail.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #limit: ReturnType<typeof pLimit>;
  readonly #limiter: RateLimiter;
  readonly #inFlight = new Map<string, Promise<Outcome>>();
  #stoppedBy: GenImageError | undefined;
  #imagesInFlight = 0;
  #creditsSpent = 0;
  #imagesGenerated = 0;
  readonly #corruptKeys = new Set<string>();

  constructor(options: SchedulerOptions) {
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`Expected \`concurrency\` to be an integer from 1 and up, got ${concurrency}`);
    }
    this.#options = options;
    this.#limit = pLimit(concurrency * 2);
    this.#limiter = new RateLimiter({
      maxConcurrency: concurrency,
      maxRateLimitedMs: options.maxRateLimitedMs ?? DEFAULT_RETRY_OPTIONS.maxRateLimitedMs,
    });
  }

  /** Generations under way now (requests in flight, waiting for a slot, or being stored), and waiting to start. */
  get activeCount(): number {
    return this.#limit.activeCount;
  }
  get pendingCount(): number {
    return this.#limit.pendingCount;
  }
  /** The API's pace as learned so far: requests it accepts at once, and its 429s. */
  get rateLimiter(): Pick<RateLimiter, 'limit' | 'inFlight' | 'rateLimited'> {
    return this.#limiter;
  }
  /** Requests sent and not yet answered. */
  get requestsInFlight(): number {
    return this.#limiter.inFlight;
  }

  /**
   * Waits, at most `timeoutMs`, for the generations under way, once nothing new is sent (the stop
   * signal): how many were stored, and how many were still out when the time ran out.
   */
  async drain(timeoutMs: number): Promise<{ stored: number; unfinished: number }> {
    const running = [...this.#inFlight.values()];
    let stored = 0;
    let settled = 0;
    const counted = running.map((outcome) =>
      outcome.then((result) => {
        settled++;
        if (result.status === 'generated') stored++;
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all(counted), timeout]).finally(() => clearTimeout(timer));
    return { stored, unfinished: running.length - settled };
  }

  /** Credits the answers received so far cost, stored or not. */
  get creditsSpent(): number {
    return this.#creditsSpent;
  }
  /** The error that stopped this scheduler from sending more requests, if any. */
  get stoppedBy(): GenImageError | undefined {
    return this.#stoppedBy;
  }

  /** The image for one request: from the cache, from a generation already under way, or generated now. */
  ensure(request: PlannedRequest): Promise<Outcome> {
    const running = this.#inFlight.get(request.key);
    if (running) return running;
    const outcome = this.#limit(() => this.#produce(request)).finally(() => this.#inFlight.delete(request.key));
    this.#inFlight.set(request.key, outcome);
    return outcome;
  }

  /** Ensures every request and summarizes the run. Never rejects: failures are in the summary. */
  async run(requests: readonly PlannedRequest[]): Promise<GenerationSummary> {
    const now = this.#options.now ?? Date.now;
    const started = now();
    const unique = dedupeRequests(requests);
    const outcomes = await Promise.all(unique.map((request) => this.ensure(request)));
    const summary: GenerationSummary = {
      requests: unique.length,
      generated: 0,
      images: 0,
      reused: 0,
      failed: 0,
      corrupt: 0,
      attempts: 0,
      possiblyBilledAttempts: 0,
      unstored: 0,
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      credits: 0,
      elapsedMs: 0,
      failures: [],
    };
    outcomes.forEach((outcome, index) => {
      const request = unique[index]!;
      if (this.#corruptKeys.has(request.key)) summary.corrupt++;
      if (outcome.status === 'reused') summary.reused++;
      else if (outcome.status === 'generated') {
        const { result } = outcome;
        summary.generated++;
        summary.images += result.images.length;
        summary.attempts += result.attempts;
        summary.possiblyBilledAttempts += result.possiblyBilledAttempts;
        summary.credits += result.credit ?? 0;
        if (result.usage) {
          summary.usage.inputTokens += result.usage.inputTokens;
          summary.usage.outputTokens += result.usage.outputTokens;
          summary.usage.totalTokens += result.usage.totalTokens;
        }
      } else {
        summary.failed++;
        summary.failures.push({ key: outcome.key, origins: request.origins, error: outcome.error });
        if (outcome.error instanceof ApiError) {
          summary.attempts += outcome.error.attempts;
          summary.possiblyBilledAttempts += outcome.error.possiblyBilledAttempts;
        }
        if (outcome.paid) {
          // Its last attempt was answered, and so billed: lost with the image.
          summary.unstored++;
          summary.attempts += outcome.paid.attempts;
          summary.possiblyBilledAttempts += outcome.paid.possiblyBilledAttempts + 1;
          summary.credits += outcome.paid.credit ?? 0;
        }
      }
    });
    if (this.#stoppedBy) summary.stoppedBy = this.#stoppedBy;
    summary.elapsedMs = now() - started;
    return summary;
  }

  async #produce(request: PlannedRequest): Promise<Outcome> {
    const { cache, provider, onEvent, signal, stopSignal } = this.#options;
    const fail = (error: GenImageError, paid?: GenerationReport): Outcome => {
      onEvent?.({ type: 'failed', request, error });
      return { status: 'failed', key: request.key, error, ...(paid && { paid }) };
    };
    const reuse = (): Outcome => {
      onEvent?.({ type: 'reused', request });
      return { status: 'reused', key: request.key };
    };
    const notSent = (): GenImageError | undefined => {
      if (signal?.aborted || stopSignal?.aborted)
        return new GenImageError(Aborted, 'Not sent: the run was interrupted first.', { hint: 'Run again to generate it.' });
      return this.#stoppedFailure();
    };
    try {
      const status = await cache.status(request.key);
      if (status === 'cached') return reuse();
      if (status === 'corrupt') this.#reportCorrupt(request);
      const stopped = notSent();
      if (stopped) return fail(stopped);

      const release = await cache.lock(request.key);
      let reserved: number | undefined;
      try {
        // Another process may have generated it while we waited for the lock.
        if ((await cache.status(request.key)) === 'cached') return reuse();
        const stoppedMeanwhile = notSent();
        if (stoppedMeanwhile) return fail(stoppedMeanwhile);
        const overBudget = this.#checkBudget(request.job.params.n);
        if (overBudget) {
          this.#stoppedBy ??= overBudget;
          return fail(overBudget);
        }
        // Held while in flight so that parallel requests cannot overshoot the budget together.
        reserved = request.job.params.n;
        this.#imagesInFlight += reserved;
        onEvent?.({ type: 'start', request });
        // The key stays that of the request as written (seed -1); the seed sent is recorded in its entry.
        const sentSeed = seedToSend(request.job, provider.id);
        const job = sentSeed === undefined ? request.job : { ...request.job, params: { ...request.job.params, seed: sentSeed } };
        const generated = await provider.generate(job, {
          ...(signal && { signal }),
          maySend: () => !this.#stoppedBy && !stopSignal?.aborted,
          limiter: this.#limiter,
          onFailedAttempt: (error) => {
            if (stopsTheRun(error)) this.#stoppedBy ??= error;
          },
        });
        const result: GenerationReport = { ...generated, images: generated.images.map(({ bytes: _bytes, ...info }) => info) };
        // Paid for whether it is stored or not: the budget counts it either way.
        this.#imagesGenerated += result.images.length;
        this.#creditsSpent += result.credit ?? 0;
        try {
          await cache.put(
            entryMeta(request, provider.id, generated, new Date(), sentSeed),
            generated.images.map((image) => image.bytes),
          );
        } catch (caught) {
          const unwritable = unwritableCache(caught);
          if (unwritable) this.#stoppedBy ??= unwritable;
          return fail(unwritable ?? asGenImageError(caught), result);
        }
        onEvent?.({ type: 'generated', request, result });
        return { status: 'generated', key: request.key, result };
      } finally {
        if (reserved) {
          this.#imagesInFlight -= reserved;
        }
        await release();
      }
    } catch (caught) {
      const error = asGenImageError(caught);
      // Stopped by another request while this one waited for its slot: it was never sent.
      const neverSent = error instanceof ApiError && error.attempts === 0 && notSent();
      if (neverSent) return fail(neverSent);
      if (stopsTheRun(error)) this.#stoppedBy ??= error;
      return fail(error);
    }
  }

  /** Once a 401, 402, the budget or an unwritable cache stopped the run: the failure the requests not sent report. */
  #stoppedFailure(): GenImageError | undefined {
    const cause = this.#stoppedBy;
    return cause && new GenImageError(RunStopped, `Not sent: the run stopped after "${cause.title}".`, { cause });
  }

  #reportCorrupt(request: PlannedRequest): void {
    if (this.#corruptKeys.has(request.key)) return;
    this.#corruptKeys.add(request.key);
    const where = request.origins.map((origin) => `${origin.file}:${origin.line}:${origin.column}`).join(', ') || request.key;
    this.#options.logger?.warn(`${where}: the cached image failed verification and is not used; generating it again.`);
    this.#options.onEvent?.({ type: 'corrupt', request });
  }

  /** Average credits per image seen so far, or the configured estimate before any was charged. */
  #creditsPerImage(): number {
    if (this.#imagesGenerated === 0) return this.#options.estimatedCreditsPerImage ?? 0;
    return this.#creditsSpent / this.#imagesGenerated;
  }

  #checkBudget(images: number): GenImageError | undefined {
    const { maxImages, maxCredits } = this.#options.budget ?? {};
    const imagesAfter = this.#imagesGenerated + this.#imagesInFlight + images;
    if (maxImages !== undefined && imagesAfter > maxImages) {
      return new GenImageError(
        BudgetExceeded,
        `Generating ${images} more image(s) would make ${imagesAfter}, over budget.maxImages (${maxImages}).`,
      );
    }
    // Images in flight are costed at today's estimate: one sent before the first charge was known
    // is not free.
    const creditsAfter = this.#creditsSpent + (this.#imagesInFlight + images) * this.#creditsPerImage();
    if (maxCredits !== undefined && (creditsAfter > maxCredits || this.#creditsSpent >= maxCredits)) {
      return new GenImageError(
        BudgetExceeded,
        `${Math.round(this.#creditsSpent)} credits spent; the next request would pass budget.maxCredits (${maxCredits}).`,
      );
    }
    return undefined;
  }
}

/** One line for the end of a build: "12 images: 3 generated, 9 reused, 0 failed · 30 credits · 1.2 s". */
export function formatSummary(summary: GenerationSummary): string {
  const parts = [`${summary.requests} image request(s): ${summary.remote ? whereabouts(summary, summary.remote) : counts(summary)}`];
  parts.push(`${summary.credits} credits`);
  if (summary.corrupt > 0) parts.push(`${summary.corrupt} corrupt cache entr${summary.corrupt === 1 ? 'y' : 'ies'} replaced`);
  if (summary.possiblyBilledAttempts > 0) parts.push(`${summary.possiblyBilledAttempts} possibly billed failed attempt(s)`);
  if (summary.unstored > 0) parts.push(`${summary.unstored} paid for but not stored`);
  parts.push(`${(summary.elapsedMs / 1000).toFixed(1)} s`);
  return parts.join(' · ');
}

function counts(summary: GenerationSummary): string {
  return `${summary.generated} generated, ${summary.reused} reused, ${summary.failed} failed`;
}

/** `3 from the bucket, 2 generated and uploaded, 1 generated and kept local: run \`genimage push\``: where each image came from and went. */
function whereabouts(summary: GenerationSummary, remote: RemoteWhereabouts): string {
  const said = [
    [remote.fromRemote, 'from the bucket'],
    [summary.reused - remote.fromRemote, 'already in the local cache'],
    [remote.uploaded, 'generated and uploaded'],
    [summary.failed, 'failed'],
    [remote.keptLocal, `generated and kept local (only on this machine): run \`genimage push\` once ${remote.location} answers`],
  ] as const;
  const parts = said.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** Each failure with its origins, for the end of a failed run. */
export function formatFailures(failures: readonly Failure[]): string[] {
  return failures.map((failure) => {
    const where = failure.origins.map((origin) => `${origin.file}:${origin.line}:${origin.column}`).join(', ') || failure.key.slice(0, 12);
    return `${where}: ${formatError(failure.error).replace(/\n/g, '\n  ')}`;
  });
}
