import type { ImageCache } from '../cache/cache.ts';
import type { ImageUse } from '../engine.ts';
import { cacheKey, metaKey } from '../cache/key.ts';
import type { ProviderId } from '../generate/providers/select.ts';
import { CacheCorrupt, formatError, isGenImageError } from '../errors.ts';
import { PLACEHOLDER_PROVIDER } from '../cache/placeholder-store.ts';
import type { RemoteStore } from '../cache/remote/remote.ts';
import { pushEntry } from '../cache/remote/sync.ts';
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

export interface PruneResult extends PrunePlan, AppliedPrune {
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

/** An unused entry left in place: the only copy of a paid image, which the bucket could not be given. */
export interface OnlyCopy extends UnreferencedEntry {
  /** Why it could not be uploaded (the bucket unreachable, the credentials refused, the entry corrupt). */
  reason: string;
}

export interface AppliedPrune {
  deleted: UnreferencedEntry[];
  foreign: ForeignEntry[];
  /** Deleted entries the bucket lacked, uploaded first. */
  pushed: UnreferencedEntry[];
  /** Entries not deleted: the bucket lacks them and could not be given them, so they are the only copy. */
  onlyCopies: OnlyCopy[];
}

export interface ApplyPruneOptions {
  /**
   * The bucket behind the local cache: an entry of a real image is deleted only once the bucket
   * holds it (uploaded first when it lacks it), so that prune never deletes the only copy of a
   * paid image; one the bucket cannot be given is kept and listed in `onlyCopies`.
   */
  remote?: RemoteStore;
}

/**
 * Deletes the planned entries, each under its lock and only if it is still genimage's own entry
 * (the plan may be old: a user was asked first). One that no longer is goes to `foreign`.
 */
export async function applyPrune(cache: ImageCache, plan: PrunePlan, options: ApplyPruneOptions = {}): Promise<AppliedPrune> {
  const applied: AppliedPrune = { deleted: [], foreign: [], pushed: [], onlyCopies: [] };
  // Once the bucket failed, it is not asked again for each entry: the rest are kept for the same reason.
  let unusable: string | undefined;
  for (const entry of plan.unreferenced) {
    const release = await cache.lock(entry.key);
    try {
      const stored = await inspectEntry(cache.store, entry.key);
      if (!stored) continue; // deleted meanwhile
      const found = ownership(stored);
      if ('foreign' in found) {
        applied.foreign.push(found.foreign);
        continue;
      }
      if (options.remote && entry.meta.provider !== PLACEHOLDER_PROVIDER) {
        const shared = unusable === undefined ? await shareFirst(cache, options.remote, entry.key) : { reason: unusable };
        if ('reason' in shared) {
          if (shared.remoteFailed) unusable = shared.reason;
          applied.onlyCopies.push({ ...entry, reason: shared.reason });
          continue;
        }
        if (shared.pushed) applied.pushed.push(entry);
      }
      await cache.delete(entry.key);
      applied.deleted.push(entry);
    } finally {
      await release();
    }
  }
  return applied;
}

/** Whether the bucket holds `key` now (uploaded from here if it lacked it), or why it cannot be given it. */
async function shareFirst(
  cache: ImageCache,
  remote: RemoteStore,
  key: string,
): Promise<{ pushed: boolean } | { reason: string; remoteFailed?: boolean }> {
  try {
    if (await remote.hasEntry(key)) return { pushed: false };
    return { pushed: (await pushEntry(cache, remote, key)) === 'copied' };
  } catch (error) {
    return { reason: formatError(error), remoteFailed: !isGenImageError(error, CacheCorrupt) };
  }
}

/** `planPrune`, then `applyPrune` unless `dryRun`. */
export async function pruneCache(
  cache: ImageCache,
  uses: readonly ImageUse[],
  options: { dryRun?: boolean } & ApplyPruneOptions = {},
): Promise<PruneResult> {
  const plan = await planPrune(cache, uses);
  const dryRun = options.dryRun ?? false;
  if (dryRun) return { ...plan, deleted: [], pushed: [], onlyCopies: [], dryRun };
  const applied = await applyPrune(cache, plan, options);
  return { ...plan, ...applied, foreign: [...plan.foreign, ...applied.foreign], dryRun };
}
