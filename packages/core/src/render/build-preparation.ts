import type { Engine, ImageUse } from '../engine.ts';
import type { Pending } from './dev-failures.ts';
import type { Preparation } from './preparation.ts';
import { unscannedMarkerError } from './unscanned.ts';

/**
 * A site build: a missing image is generated before the page renders (or fails a frozen build).
 * The cache does not change under us, so each preparation is made once (often ahead, while the
 * bundler works) and every page showing it takes it from memory.
 */
export class BuildPreparation implements Preparation {
  readonly stable = true;
  readonly #engine: Engine;
  readonly #verified: Set<string>;
  /** The generation (or cache check) of each key, once. */
  readonly #ready = new Map<string, Promise<void>>();
  readonly #prepared = new Map<string, Promise<unknown>>();

  /** `verified`: the renderer's keys whose entry this process has verified or generated; added to here. */
  constructor(engine: Engine, verified: Set<string>) {
    this.#engine = engine;
    this.#verified = verified;
  }

  /** The keys the build's scan listed, once `limitTo` is called (`prepareBuild`). */
  #listed: ReadonlySet<string> | undefined;

  /** From now on a page may render only these keys: any other is an error, and nothing is sent for it. */
  limitTo(keys: ReadonlySet<string>): void {
    this.#listed = keys;
  }

  /** Checked on every rendering, cached or not: a build that passes warm passes cold. */
  rendering(use: ImageUse): void {
    if (this.#listed !== undefined && !this.#listed.has(use.key)) throw unscannedMarkerError(use, this.#engine.config);
  }

  prepare<T>(memo: string, work: () => Promise<T>): Promise<T> {
    const known = this.#prepared.get(memo);
    if (known) return known as Promise<T>;
    const prepared = work();
    this.#prepared.set(memo, prepared);
    // A failure is not kept: the page that asks again gets (and reports) its own.
    prepared.catch(() => this.#prepared.delete(memo));
    return prepared;
  }

  prepareAhead(memo: string, work: () => Promise<unknown>): void {
    this.prepare(memo, work).catch(() => {}); // the page that renders it reports why
  }

  /** Verified in the cache, or generated, once per key; throws why not. */
  async available(use: ImageUse): Promise<Pending | undefined> {
    let ready = this.#ready.get(use.key);
    if (!ready) {
      ready = this.#engine.ensure(use).then((outcome) => {
        if (outcome.status === 'failed') throw outcome.error;
        this.#verified.add(use.key);
      });
      this.#ready.set(use.key, ready);
    }
    await ready;
    return undefined;
  }
}
