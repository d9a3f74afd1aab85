/**
 * Candidates: cache entries of one declaration with other seeds. A candidate is an ordinary cache
 * entry, keyed as the declaration would be with its seed, so keeping it costs nothing (its key is
 * then the declaration's) and `prune` removes the ones nobody kept. Found by reading the entries'
 * metadata: an entry is of a declaration's family when everything but the seed matches.
 */
import type { ImageCache } from '../cache/cache.ts';
import { cacheKey } from '../cache/key.ts';
import type { CacheEntryMeta } from '../cache/store.ts';
import type { ImageUse } from '../engine.ts';
import type { PlannedRequest } from '../generate/schedule.ts';

/** The key of `use`'s declaration, made by `provider`, with `seed` instead of its own. */
export function keyWithSeed(use: ImageUse, provider: string, seed: number): string {
  return cacheKey({ provider, params: { ...use.params, seed }, referenceHashes: referenceHashes(use) });
}

/** The request for `use`'s image with `seed`: what `try` sends, through the engine's scheduler. */
export function candidateRequest(use: ImageUse, provider: string, seed: number): PlannedRequest {
  const params = { ...use.params, seed };
  return { key: keyWithSeed(use, provider, seed), job: { params, references: use.request.job.references }, origins: [use.origin] };
}

/** Which provider made `use.key`: the engine's own, or (without an API key) the real images' that teammates committed. */
export function providerOf(use: ImageUse, engineProvider: string): string {
  return keyWithSeed(use, engineProvider, use.params.seed) === use.key ? engineProvider : 'shark';
}

/** A cache entry of a family: its seed and key, and its metadata. */
export interface FamilyEntry {
  seed: number;
  key: string;
  meta: CacheEntryMeta;
}

/** The cache's entries by family, as read at one moment (`CandidateIndex.read`). */
export class Families {
  readonly #byFamily: Map<string, FamilyEntry[]>;

  constructor(byFamily: Map<string, FamilyEntry[]>) {
    this.#byFamily = byFamily;
  }

  /** Every entry of `use`'s family made by `provider`, its own included, oldest first. */
  of(use: ImageUse, provider: string): FamilyEntry[] {
    return this.#byFamily.get(signature({ provider, ...use.params, references: referenceHashes(use) })) ?? [];
  }

  /** The metadata of every readable entry. */
  all(): CacheEntryMeta[] {
    return [...this.#byFamily.values()].flat().map((entry) => entry.meta);
  }
}

/**
 * Reads the cache's entries into families (all but the seed). Metadata is read once per key: an
 * entry's key hashes its metadata's fields, so they cannot change under the same key.
 */
export class CandidateIndex {
  readonly #cache: ImageCache;
  readonly #metas = new Map<string, CacheEntryMeta>();

  constructor(cache: ImageCache) {
    this.#cache = cache;
  }

  /** The entries the cache holds now, by family. */
  async read(): Promise<Families> {
    const byFamily = new Map<string, FamilyEntry[]>();
    for (const key of await this.#cache.keys()) {
      const meta = await this.#meta(key);
      if (!meta) continue;
      const references = meta.params.references.map((reference) => reference.sha256);
      const family = signature({ ...meta, ...meta.params, references });
      const entries = byFamily.get(family) ?? [];
      entries.push({ seed: meta.params.seed, key, meta });
      byFamily.set(family, entries);
    }
    for (const entries of byFamily.values())
      entries.sort((a, b) => a.meta.created.localeCompare(b.meta.created) || a.key.localeCompare(b.key));
    return new Families(byFamily);
  }

  async #meta(key: string): Promise<CacheEntryMeta | undefined> {
    const known = this.#metas.get(key);
    if (known) return known;
    // An entry that cannot be read is no candidate; `check` and the gallery report it.
    const meta = await this.#cache.store.readMeta(key).catch(() => undefined);
    if (meta) this.#metas.set(key, meta);
    return meta;
  }
}

function referenceHashes(use: ImageUse): string[] {
  return use.request.job.references.map((reference) => reference.sha256);
}

/** Everything in a key but the seed. */
interface FamilyFields {
  provider: string;
  model: string;
  prompt: string;
  n: number;
  imageSize: string;
  aspectRatio: string;
  references: readonly string[];
}

function signature(fields: FamilyFields): string {
  const { provider, model, prompt, n, imageSize, aspectRatio, references } = fields;
  return JSON.stringify([provider, model, prompt, n, imageSize, aspectRatio, references]);
}
