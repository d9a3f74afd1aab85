/**
 * The seeds genimage chooses itself. It never sends `seed: -1`: the API would pick one and never
 * say which, so an image made that way could not be made again once its cache entry is lost. A
 * seed chosen here is sent, and recorded in the entry's metadata (`params.sentSeed`).
 */
import { randomInt } from 'node:crypto';

/** The largest seed genimage chooses: 2^31 − 1, which every API and language reads as an integer. */
export const MAX_CHOSEN_SEED = 2 ** 31 - 1;

/** A random seed in [0, MAX_CHOSEN_SEED], from the operating system's random source. */
export function randomSeed(): number {
  return randomInt(0, MAX_CHOSEN_SEED + 1);
}

/** `count` random seeds, distinct from each other and from every seed in `avoid`. */
export function freshSeeds(count: number, avoid: Iterable<number> = []): number[] {
  if (!Number.isInteger(count) || count < 0) throw new TypeError(`Expected \`count\` to be an integer from 0 and up, got ${count}`);
  const taken = new Set(avoid);
  const seeds: number[] = [];
  while (seeds.length < count) {
    const seed = randomSeed();
    if (taken.has(seed)) continue;
    taken.add(seed);
    seeds.push(seed);
  }
  return seeds;
}
