/**
 * The encodes of a build, at most `concurrency` at once (one per core), and at most
 * `weightAtOnce` of weight at once: an AVIF encoder holds memory in proportion to the pixels it
 * writes (about 26 MB per megapixel at genimage's effort), so two 1440×1440 AVIFs of a 4K
 * original at once would double the peak. A job that does not fit waits while later jobs that do
 * run, so the cores stay busy; a job heavier than the limit runs without other weighed jobs; a
 * job of no weight runs whenever a slot is free. Jobs of a lower `rank` go
 * first (placeholders, which pages wait for), otherwise in the order they came.
 *
 * Hand-written rather than p-limit, which has neither weights nor ranks.
 */
/**
 * AVIF pixels encoded at once: one 1440×1440 variant of a 4K original and a small one, or two
 * 1K-wide ones. An AVIF encoder's memory grows with its pixels (BENCHMARKS.md, section 6).
 */
export const AVIF_PIXELS_AT_ONCE = 2_500_000;

/** A variant's weight: an AVIF's pixels; the other encoders' memory is small. */
export function encodeWeight(variant: { format: string; width: number; height: number }): number {
  return variant.format === 'avif' ? variant.width * variant.height : 0;
}

/** Placeholders (what pages wait for) rank before the other variants. */
export function encodeRank(first: boolean): number {
  return first ? 0 : 1;
}

interface Job {
  weight: number;
  rank: number;
  start: () => void;
}

export class EncodeQueue {
  readonly concurrency: number;
  readonly weightAtOnce: number;
  #active = 0;
  #activeWeight = 0;
  readonly #pending: Job[] = [];

  constructor(concurrency: number, weightAtOnce: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`Expected \`concurrency\` to be an integer from 1 and up, got ${concurrency}`);
    }
    this.concurrency = concurrency;
    this.weightAtOnce = weightAtOnce;
  }

  /** Jobs running now, and waiting for a slot. */
  get activeCount(): number {
    return this.#active;
  }
  get pendingCount(): number {
    return this.#pending.length;
  }

  run<T>(options: { weight: number; rank: number }, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        ...options,
        start: () => {
          this.#active++;
          this.#activeWeight += job.weight;
          work()
            .then(resolve, reject)
            .finally(() => {
              this.#active--;
              this.#activeWeight -= job.weight;
              this.#next();
            });
        },
      };
      // After the jobs of its rank and lower: ranks in order, each in the order jobs came.
      const at = this.#pending.findIndex((other) => other.rank > job.rank);
      this.#pending.splice(at === -1 ? this.#pending.length : at, 0, job);
      this.#next();
    });
  }

  #next(): void {
    while (this.#active < this.concurrency) {
      const at = this.#pending.findIndex(
        (job) => job.weight === 0 || this.#active === 0 || this.#activeWeight + job.weight <= this.weightAtOnce,
      );
      if (at === -1) return;
      const [job] = this.#pending.splice(at, 1);
      job!.start();
    }
  }
}
