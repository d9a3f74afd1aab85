import {
  Aborted,
  ApiError,
  BudgetExceeded,
  CacheLockTimeout,
  type GenImageError,
  InvalidResponse,
  NetworkFailed,
  ProviderFailed,
  ProviderTimeout,
  RateLimited,
  RunStopped,
  type SourceLocation,
  formatLocation,
  isGenImageError,
  stopsTheRun,
} from '../errors.ts';

/** Why a dev page shows a placeholder instead of the image. */
export interface Pending {
  message: string;
  failed?: boolean;
  reason?: string;
}

interface Failure {
  error: GenImageError;
  at: number;
}

/** Failures another attempt may not repeat: the API was busy, slow or unreachable (see `mayPass`). */
const TRANSIENT: ReadonlySet<string> = new Set(
  [RateLimited, ProviderFailed, ProviderTimeout, NetworkFailed, InvalidResponse, CacheLockTimeout, Aborted].map(
    (definition) => definition.code,
  ),
);

/**
 * Dev: the generations that failed, per key, and whether a reload may send one again. A failure
 * is shown until the marker changes, and only one that may pass and cost nothing is retried, at
 * least `retryAfterMs` later: a dev server left open must not keep paying for the same error.
 */
export class DevFailures {
  readonly #failed = new Map<string, Failure>();
  /** The key last rendered at each marker's place. */
  readonly #keyAt = new Map<string, string>();
  /** What stopped the engine's scheduler (401, 402, budget): nothing more is sent. */
  #stoppedBy: GenImageError | undefined;
  readonly #options: { readonly retryAfterMs?: number | undefined };
  readonly #provider: () => unknown;

  /** `options`: the renderer's, read on each use. `provider` gets the engine's provider, which throws without an API key. */
  constructor(options: { readonly retryAfterMs?: number | undefined }, provider: () => unknown) {
    this.#options = options;
    this.#provider = provider;
  }

  /**
   * What to show instead of sending `key` again, or undefined when it may be sent: then its
   * previous failure is forgotten.
   */
  blocked(key: string): Pending | undefined {
    const failure = this.#failed.get(key);
    if (failure && !this.#mayRetry(failure)) return this.#shown(failure.error, failure.at);
    const stopped = this.#stopped();
    if (stopped) return this.#shown(stopped);
    this.#failed.delete(key);
    return undefined;
  }

  record(key: string, error: GenImageError): void {
    this.#failed.set(key, { error, at: Date.now() });
    this.#stoppedBy ??= stopCause(error);
  }

  /** The key's image is cached now. */
  forget(key: string): void {
    this.#failed.delete(key);
  }

  /** A marker edited to other attributes has a new key; its old key's failure is forgotten, so editing it back tries again. */
  track(origin: SourceLocation, key: string): void {
    const at = formatLocation(origin);
    const previous = this.#keyAt.get(at);
    if (previous !== undefined && previous !== key) this.#failed.delete(previous);
    this.#keyAt.set(at, key);
  }

  get #retryAfterMs(): number {
    return this.#options.retryAfterMs ?? 30_000;
  }

  #mayRetry(failure: Failure): boolean {
    return mayPass(failure.error) && Date.now() - failure.at >= this.#retryAfterMs;
  }

  /** Why nothing can be sent: no API key, or the scheduler stopped after a 401, a 402 or the budget. */
  #stopped(): GenImageError | undefined {
    if (this.#stoppedBy) return this.#stoppedBy;
    try {
      this.#provider();
    } catch (error) {
      if (isGenImageError(error)) return error;
      throw error;
    }
    return undefined;
  }

  /** What a failed placeholder says; `at`: when it failed, to say when it is tried again. */
  #shown(error: GenImageError, at = Date.now()): Pending {
    const shown = stopCause(error) ?? error;
    const next = stopCause(error)
      ? 'Nothing more is sent until the dev server restarts.'
      : mayPass(error)
        ? `Tried again on the first request for this page after ${new Date(at + this.#retryAfterMs).toLocaleTimeString()}.`
        : `${billed(error) ? 'It may have been billed, so it is not sent again by itself. ' : ''}Change the marker, or restart the dev server, to try again.`;
    return {
      failed: true,
      reason: shown.title,
      message: [`Generation failed. ${shown.title}: ${shown.message}`, shown.hint ?? '', next].filter(Boolean).map(sentence).join(' '),
    };
  }
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

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
