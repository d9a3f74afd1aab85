import type { ImageCache } from '../cache/cache.ts';
import type { ImageUse } from '../engine.ts';
import { cacheKey, metaKey } from '../cache/key.ts';
import type { ProviderId } from '../generate/providers/select.ts';
import { type CacheEntryMeta, type StoredEntry, UNBOUND, inspectEntries, inspectEntry } from '../cache/store.ts';

/** Every provider of real images the cache may hold for a marker. */
const REAL_PROVIDER_IDS: readonly ProviderId[] = ['shark'];

/**
 * Each use filed under its own key and the key of its real image for every provider, not just the
 * current one: run without an API key, the current provider is `local`, and the real images of the
 * same markers must still count as used (or `prune` would delete every paid image). A placeholder
 * counts only as the image a use shows: once the real image is there, its placeholder is unused.
 */
export function usesByKey(uses: readonly ImageUse[]): Map<string, ImageUse[]> {
  const byKey = new Map<string, ImageUse[]>();
  for (const use of uses) {
    const referenceHashes = use.request.job.references.map((reference) => reference.sha256);
    const keys = new Set([use.key, ...REAL_PROVIDER_IDS.map((provider) => cacheKey({ provider, params: use.params, referenceHashes }))]);
    for (const key of keys) {
      const list = byKey.get(key);
      if (list) list.push(use);
      else byKey.set(key, [use]);
    }
  }
  return byKey;
}

/** A cache entry of genimage's own that no marker uses: what `prune` deletes. */
export interface UnreferencedEntry {
  key: string;
  meta: CacheEntryMeta;
}

/** Something under an entry's name that is not genimage's own entry: `prune` never touches it. */
export interface ForeignEntry {
  key: string;
  /** Why it is not an entry of genimage's, e.g. `a symbolic link, not a folder genimage wrote`. */
  reason: string;
}

/** What `prune` would do; `planPrune` deletes nothing. */
export interface PrunePlan {
  /** genimage's own entries no marker uses, by key: the ones to delete. */
  unreferenced: UnreferencedEntry[];
  /** Unused things under entry names that are not genimage's own entries: left alone. */
  foreign: ForeignEntry[];
  /** Entries some marker uses. */
  kept: number;
}

export interface PruneResult extends PrunePlan {
  /** The entries deleted: those of `unreferenced` still genimage's own when deleted; none when `dryRun`. */
  deleted: UnreferencedEntry[];
  dryRun: boolean;
}

/**
 * An entry is genimage's own when the store recognises it (for a folder: a real folder holding a
 * regular `meta.json` with valid metadata for that key, no links) and its metadata hashes to
 * its key. Anything else may be someone else's data, and is never deleted.
 */
function ownership(stored: StoredEntry): { own: UnreferencedEntry } | { foreign: ForeignEntry } {
  if (!stored.own) return { foreign: { key: stored.key, reason: stored.reason } };
  const { key, meta } = stored;
  if (meta.key !== key) return { foreign: { key, reason: `its metadata is for key ${meta.key}` } };
  if (metaKey(meta) !== key) return { foreign: { key, reason: `its metadata ${UNBOUND}` } };
  return { own: { key, meta } };
}

/**
 * Lists the entries no marker uses (with any provider), and the things under entry names that are
 * not genimage's own. Deletes nothing. The caller must pass the uses of a scan without errors: a
 * marker with an error has no use, and its image would look unused.
 */
export async function planPrune(cache: ImageCache, uses: readonly ImageUse[]): Promise<PrunePlan> {
  const used = usesByKey(uses);
  const plan: PrunePlan = { unreferenced: [], foreign: [], kept: 0 };
  for (const stored of await inspectEntries(cache.store)) {
    // A leftover is in the wrong place whoever uses its key: its key's image lives elsewhere.
    if (used.has(stored.key) && !(stored.own && stored.leftover)) {
      plan.kept++;
      continue;
    }
    const found = ownership(stored);
    if ('own' in found) plan.unreferenced.push(found.own);
    else plan.foreign.push(found.foreign);
  }
  return plan;
}

/**
 * Deletes the planned entries, each under its lock and only if it is still genimage's own entry
 * (the plan may be old: a user was asked first). One that no longer is goes to `foreign`.
 */
export async function applyPrune(cache: ImageCache, plan: PrunePlan): Promise<{ deleted: UnreferencedEntry[]; foreign: ForeignEntry[] }> {
  const deleted: UnreferencedEntry[] = [];
  const foreign: ForeignEntry[] = [];
  for (const entry of plan.unreferenced) {
    const release = await cache.lock(entry.key);
    try {
      const stored = await inspectEntry(cache.store, entry.key);
      if (!stored) continue; // deleted meanwhile
      const found = ownership(stored);
      if ('foreign' in found) {
        foreign.push(found.foreign);
        continue;
      }
      await cache.delete(entry.key);
      deleted.push(entry);
    } finally {
      await release();
    }
  }
  return { deleted, foreign };
}

/** `planPrune`, then `applyPrune` unless `dryRun`. */
export async function pruneCache(cache: ImageCache, uses: readonly ImageUse[], options: { dryRun?: boolean } = {}): Promise<PruneResult> {
  const plan = await planPrune(cache, uses);
  const dryRun = options.dryRun ?? false;
  if (dryRun) return { ...plan, deleted: [], dryRun };
  const applied = await applyPrune(cache, plan);
  return { ...plan, foreign: [...plan.foreign, ...applied.foreign], deleted: applied.deleted, dryRun };
}
