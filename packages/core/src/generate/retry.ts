/**
 * The retry policy, pure: how long to wait and whether another attempt is allowed. Generations
 * are billed, so failures are split into those that certainly cost nothing (retried freely) and
 * those the provider may already have charged for (retried sparingly).
 */

export interface RetryOptions {
  /** Attempts in all for failures that cost nothing: 429, 502, 503, refused connections. @default 5 */
  maxAttempts: number;
  /**
   * Extra attempts after a failure that may already have been billed: a 504, a client-side
   * timeout, a reset after the request was sent, a 200 with a broken body. 0 turns them off.
   * @default 1
   */
  maxBilledRetries: number;
  /** First backoff step; each retry doubles it, with full jitter. @default 1000 */
  baseDelayMs: number;
  /** Ceiling of one backoff step. @default 30000 */
  maxDelayMs: number;
  /** The longest `Retry-After` genimage will honour; a longer one fails the request instead. @default 60000 */
  maxRetryAfterMs: number;
  /**
   * How long the API may answer nothing but 429 before the requests still waiting fail. A rate
   * limit that lets some requests through only slows the run down (see rate-limiter.ts): 429s
   * do not count against `maxAttempts`. @default 120000
   */
  maxRateLimitedMs: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  maxAttempts: 5,
  maxBilledRetries: 1,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  maxRateLimitedMs: 120_000,
};

/** `free`: certainly not billed. `billed`: may have been billed. `never`: retrying cannot help. */
export type RetryClass = 'free' | 'billed' | 'never';

/** Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"). */
export function backoffDelay(retryNumber: number, options: RetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.floor(random() * ceiling);
}

/**
 * The delay a response asks for: `retry-after-ms` (milliseconds, OpenAI-style) first, then
 * `Retry-After` as seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Record<string, string | string[] | undefined>, now: number = Date.now()): number | undefined {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const ms = header('retry-after-ms');
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.ceil(Number(ms));
  const value = header('retry-after');
  if (value === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Tracks the attempts of one request and decides whether another is allowed. */
export class RetryBudget {
  attempts = 0;
  billedFailures = 0;
  /** Attempts the API refused with a 429: paced by the rate limiter, not counted against `maxAttempts`. */
  rateLimited = 0;
  readonly options: RetryOptions;

  constructor(options: RetryOptions) {
    this.options = options;
  }

  /** Call before each attempt. */
  begin(): void {
    this.attempts++;
  }

  /** Whether a failure of this class may be followed by another attempt. Records billed failures. */
  allowsRetry(retryClass: RetryClass): boolean {
    if (retryClass === 'never') return false;
    if (retryClass === 'billed') {
      this.billedFailures++;
      if (this.billedFailures > this.options.maxBilledRetries) return false;
    }
    return this.attempts - this.rateLimited < this.options.maxAttempts;
  }
}
