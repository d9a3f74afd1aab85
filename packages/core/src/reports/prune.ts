import type { ImageCache } from '../cache/cache.ts';
import type { ImageUse } from '../engine.ts';
import { cacheKey } from '../cache/key.ts';
import type { ProviderId } from '../generate/providers/select.ts';
import type { CacheEntryMeta } from '../cache/store.ts';

/** Every provider whose images the cache may hold for a marker. */
const PROVIDER_IDS: readonly ProviderId[] = ['shark', 'local'];

/**
 * Each use filed under the key of its image for every provider, not just the current one: run
 * without an API key, the current provider is `local`, and the real images of the same markers
 * must still count as used (or `prune` would delete every paid image).
 */
export function usesByKey(uses: readonly ImageUse[]): Map<string, ImageUse[]> {
  const byKey = new Map<string, ImageUse[]>();
  for (const use of uses) {
    const referenceHashes = use.request.job.references.map((reference) => reference.sha256);
    const keys = new Set([use.key, ...PROVIDER_IDS.map((provider) => cacheKey({ provider, params: use.params, referenceHashes }))]);
    for (const key of keys) {
      const list = byKey.get(key);
      if (list) list.push(use);
      else byKey.set(key, [use]);
    }
  }
  return byKey;
}

/** A cache entry no marker uses. */
export interface UnreferencedEntry {
  key: string;
  /** Undefined when the metadata cannot be read (a corrupt entry). */
  meta: CacheEntryMeta | undefined;
}

export interface PruneResult {
  /** Entries no marker uses: deleted, or only listed when `dryRun`. */
  unreferenced: UnreferencedEntry[];
  /** Entries some marker uses. */
  kept: number;
  dryRun: boolean;
}

/**
 * Deletes the cache entries no marker uses (with any provider). The caller must pass the uses of
 * a scan without errors: a marker with an error has no use, and its image would be deleted.
 */
export async function pruneCache(cache: ImageCache, uses: readonly ImageUse[], options: { dryRun?: boolean } = {}): Promise<PruneResult> {
  const used = usesByKey(uses);
  const keys = (await cache.keys()).sort();
  const unreferenced: UnreferencedEntry[] = [];
  for (const key of keys) {
    if (used.has(key)) continue;
    let meta: CacheEntryMeta | undefined;
    try {
      meta = await cache.store.readMeta(key);
    } catch {
      // A corrupt entry nobody uses goes too; it just cannot be described.
    }
    unreferenced.push({ key, meta });
  }
  const dryRun = options.dryRun ?? false;
  if (!dryRun) {
    for (const entry of unreferenced) await cache.delete(entry.key);
  }
  return { unreferenced, kept: keys.length - unreferenced.length, dryRun };
}
