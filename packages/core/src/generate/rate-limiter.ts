/**
 * How many requests the API accepts at once, learned from its answers. Hosted APIs limit a plan
 * to a few requests in flight or per minute and answer 429 beyond; a rate limit is not a failure.
 * As TCP does with congestion (AIMD): each 429 lowers the limit to the requests the API is still
 * serving, successes raise it again slowly (one slot per `limit` successes), and the refused
 * request retries after its `Retry-After`, with jitter so that retries do not arrive together.
 * When even one request at a time is refused, nothing is sent until the `Retry-After` has passed.
 * Only an API that lets nothing through for `maxRateLimitedMs` makes requests fail.
 */

export interface RateLimiterOptions {
  /** Most requests in flight; the limit starts there and never grows past it. */
  maxConcurrency: number;
  /** How long the API may refuse every request (429) before the requests still waiting fail. */
  maxRateLimitedMs: number;
  /** For tests. */
  now?: () => number;
  random?: () => number;
}

/** One request's slot, taken with `acquire()`; exactly one of its methods is called, once. */
export interface Permit {
  /** The API served the request: the slot is freed and the limit may grow. */
  accepted(): void;
  /**
   * The API refused the request with a 429 asking to wait `waitMs`: the slot is freed and the
   * limit lowered. Returns how long this request waits before trying again (jittered), or
   * undefined when the API has let nothing through for `maxRateLimitedMs`: give up.
   */
  rateLimited(waitMs: number): number | undefined;
  /** Any other outcome: the slot is freed, the limit unchanged. */
  released(): void;
}

interface Waiter {
  /** A request the API refused: its own wait honoured the pause already. */
  retry: boolean;
  resolve: (permit: Permit | undefined) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class RateLimiter {
  readonly #options: Required<RateLimiterOptions>;
  #limit: number;
  #inFlight = 0;
  readonly #queue: Waiter[] = [];
  /** Nothing is sent before this time: the whole API said wait. */
  #pausedUntil = 0;
  #pauseTimer: NodeJS.Timeout | undefined;
  /** When the last decrease happened, and until when successes do not raise the limit. */
  #holdUntil = 0;
  /** Since when every answer has been a 429; undefined after a success. */
  #refusingSince: number | undefined;
  /** A request was refused `maxRateLimitedMs` after the refusals began: the API lets nothing through. */
  #stalled = false;
  /** 429s answered so far. */
  rateLimited = 0;

  constructor(options: RateLimiterOptions) {
    const { maxConcurrency, maxRateLimitedMs } = options;
    if (!(maxConcurrency >= 1)) throw new TypeError(`Expected \`maxConcurrency\` to be a number from 1 and up, got ${maxConcurrency}`);
    if (!(maxRateLimitedMs >= 0))
      throw new TypeError(`Expected \`maxRateLimitedMs\` to be a number from 0 and up, got ${maxRateLimitedMs}`);
    this.#options = { now: Date.now, random: Math.random, ...options };
    this.#limit = maxConcurrency;
  }

  /** Requests the API is believed to accept at once now (whole requests). */
  get limit(): number {
    return Math.max(1, Math.floor(this.#limit));
  }
  get inFlight(): number {
    return this.#inFlight;
  }
  get pendingCount(): number {
    return this.#queue.length;
  }

  /**
   * Waits for a slot. Resolves undefined, without waiting, once the API has let nothing through
   * for `maxRateLimitedMs` (a request refused that long after the refusals began): sending more
   * would only be refused again. `retry`: the request was
   * refused and has waited what `rateLimited()` said, so a pause does not hold it back.
   */
  acquire(signal?: AbortSignal, options: { retry?: boolean } = {}): Promise<Permit | undefined> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#givenUp()) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        retry: options.retry ?? false,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.#queue.indexOf(waiter);
          if (index >= 0) this.#queue.splice(index, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  #givenUp(): boolean {
    return this.#stalled;
  }

  /** Grants slots to waiters, first come first served, while the limit and any pause allow. */
  #pump(): void {
    const now = this.#options.now();
    const paused = now < this.#pausedUntil;
    for (let index = 0; index < this.#queue.length && this.#inFlight < this.limit; ) {
      const waiter = this.#queue[index]!;
      if (paused && !waiter.retry) {
        index++;
        continue;
      }
      this.#queue.splice(index, 1);
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      if (this.#givenUp()) {
        waiter.resolve(undefined);
        continue;
      }
      this.#inFlight++;
      waiter.resolve(this.#permit(now));
    }
    if (paused && this.#queue.length > 0) {
      this.#pauseTimer ??= setTimeout(() => {
        this.#pauseTimer = undefined;
        this.#pump();
      }, this.#pausedUntil - now);
    }
  }

  #permit(startedAt: number): Permit {
    let done = false;
    const finish = () => {
      if (done) throw new Error('A permit was used twice');
      done = true;
      this.#inFlight--;
    };
    return {
      accepted: () => {
        finish();
        this.#refusingSince = undefined;
        this.#stalled = false;
        // Additive increase, only with demand for another slot, and not from requests that were
        // sent before the last 429 told us where the limit is.
        if (this.#queue.length > 0 && startedAt >= this.#holdUntil) {
          this.#limit = Math.min(this.#options.maxConcurrency, this.#limit + 1 / this.limit);
        }
        this.#pump();
      },
      rateLimited: (waitMs) => {
        finish();
        this.rateLimited++;
        const now = this.#options.now();
        this.#refusingSince ??= now;
        const delay = Math.ceil(waitMs * (1 + this.#options.random() / 2));
        // The requests still in flight are what the API accepts; with none, it accepts nothing
        // until the wait is over, so nobody sends until then.
        this.#limit = Math.max(1, Math.min(this.#limit, this.#inFlight));
        if (this.#inFlight === 0) this.#pausedUntil = Math.max(this.#pausedUntil, now + waitMs);
        this.#holdUntil = now + waitMs;
        // Measured from refusal to refusal: time spent waiting as asked is not held against the API.
        if (now - this.#refusingSince >= this.#options.maxRateLimitedMs) this.#stalled = true;
        if (this.#stalled) {
          this.#pump(); // the waiters give up too
          return undefined;
        }
        this.#pump();
        return delay;
      },
      released: () => {
        finish();
        this.#pump();
      },
    };
  }
}
