import type { Engine, ImageUse } from '../engine.ts';
import type { Outcome } from '../generate/schedule.ts';
import { ApiError, type GenImageError, type SourceLocation, formatError, formatLocation, isGenImageError } from '../errors.ts';
import { DevFailures, type Pending } from './dev-failures.ts';
import { Settle } from './dev-settle.ts';
import type { Preparation } from './preparation.ts';

/** The renderer's options a dev server reads, on each use. */
export interface DevOptions {
  onReady?: ((use: ImageUse) => void) | undefined;
  onFailed?: ((use: ImageUse, error: GenImageError) => void) | undefined;
  retryAfterMs?: number | undefined;
}

/**
 * A dev server: a missing image is generated in the background while a pending placeholder
 * shows; nothing is kept from the cache, which may change under us.
 */
export class DevPreparation implements Preparation {
  readonly stable = false;
  readonly #engine: Engine;
  readonly #options: DevOptions;
  readonly #verified: Set<string>;
  /** The background generations under way, by key. */
  readonly #generating = new Map<string, Promise<void>>();
  readonly #failures: DevFailures;
  readonly #settle: Settle;

  /** `options`: the renderer's. `verified`: its keys whose entry this process has verified or generated; added to here. */
  constructor(engine: Engine, options: DevOptions, verified: Set<string>) {
    this.#engine = engine;
    this.#options = options;
    this.#verified = verified;
    // The renderer's option first (tests), else the config's `dev.retryAfterMs`.
    this.#failures = new DevFailures(
      {
        get retryAfterMs() {
          return options.retryAfterMs ?? engine.config.dev.retryAfterMs;
        },
      },
      () => engine.provider,
    );
    this.#settle = new Settle(() => engine.config.dev.settleMs);
  }

  rendering(use: ImageUse, origin: SourceLocation | undefined): void {
    if (origin) this.#failures.track(origin, use.key);
  }

  prepare<T>(_memo: string, work: () => Promise<T>): Promise<T> {
    return work();
  }

  prepareAhead(): void {}

  /** A missing image is generated in the background, once; whether a failed one is tried again is `DevFailures`' call. */
  async available(use: ImageUse): Promise<Pending | undefined> {
    if ((await this.#engine.cache.status(use.key)) === 'cached') {
      this.#verified.add(use.key);
      this.#failures.forget(use.key);
      return undefined;
    }
    if (this.#engine.frozen) await this.#engine.assertAllCached([use.request]);
    if (!this.#generating.has(use.key)) {
      const blocked = this.#failures.blocked(use.key);
      if (blocked) return blocked;
      // Sent once the declaration at its place stops changing (`dev.settleMs`); by then another place may have sent it.
      this.#settle.after(formatLocation(use.origin) || use.key, use.key, () => {
        if (!this.#generating.has(use.key)) this.#generate(use);
      });
    }
    return { message: `Generating "${use.params.prompt}"; it replaces this placeholder when it is done.` };
  }

  /** What an image cost, and the session's total so far: " · 4 credits (session: 12 credits)". */
  #cost(outcome: Outcome): string {
    if (outcome.status !== 'generated') return '';
    return ` · ${outcome.result.credit ?? 0} credits (session: ${Math.round(this.#engine.creditsSpent * 100) / 100} credits)`;
  }

  #generate(use: ImageUse): void {
    const where = formatLocation(use.origin);
    const failed = (error: GenImageError) => {
      this.#generating.delete(use.key);
      this.#failures.record(use.key, error);
      this.#engine.logger.error(`${where}: ${formatError(error)}`);
      if (this.#options.onFailed) this.#options.onFailed(use, error);
      else this.#options.onReady?.(use);
    };
    const started = this.#engine.ensure(use).then(
      (outcome) => {
        if (outcome.status === 'failed') return failed(outcome.error);
        this.#generating.delete(use.key);
        this.#verified.add(use.key);
        this.#engine.logger.info(`${where}: ${outcome.status} "${use.params.prompt}"${this.#cost(outcome)}`);
        this.#options.onReady?.(use);
      },
      (error: unknown) =>
        failed(
          isGenImageError(error)
            ? error
            : new ApiError({ code: 'Unexpected', title: 'Generation failed unexpectedly' }, String(error), { cause: error }),
        ),
    );
    this.#generating.set(use.key, started);
  }
}
