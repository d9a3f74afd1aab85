import type { RemoteEntryInfo, RemoteStore } from '../cache/remote/remote.ts';
import type { ImageUse } from '../engine.ts';
import { usesByKey } from './prune.ts';

/** How long an unused bucket entry is kept by default: a branch not named to `prune --remote` may still use it. */
export const DEFAULT_REMOTE_RETENTION_DAYS = 30;

/** What `genimage prune --remote` would do; `planRemotePrune` deletes nothing. */
export interface RemotePrunePlan {
  /** No marker uses them, and they were uploaded before the retention period: the ones to delete, by key. */
  unused: RemoteEntryInfo[];
  /** No marker uses them, but they were uploaded within the retention period: kept. */
  recent: RemoteEntryInfo[];
  /** Entries some marker uses. */
  inUse: number;
}

export interface RemotePruneOptions {
  /** Unused entries uploaded less than this long ago are kept. */
  retentionMs: number;
  /** @default Date.now() */
  now?: number;
}

/**
 * Lists the bucket's entries that no marker of `uses` (the scans of every root, or branch checkout,
 * whose images are to stay) uses with any provider, and that were uploaded longer than
 * `retentionMs` ago. Deletes nothing. As for `planPrune`, the scans must have no marker errors.
 */
export async function planRemotePrune(
  remote: RemoteStore,
  uses: readonly ImageUse[],
  options: RemotePruneOptions,
): Promise<RemotePrunePlan> {
  const used = usesByKey(uses);
  const cutoff = (options.now ?? Date.now()) - options.retentionMs;
  const plan: RemotePrunePlan = { unused: [], recent: [], inUse: 0 };
  for (const entry of await remote.listEntries()) {
    if (used.has(entry.key)) plan.inUse++;
    else if (entry.uploaded.getTime() <= cutoff) plan.unused.push(entry);
    else plan.recent.push(entry);
  }
  return plan;
}

/** Deletes the planned entries one by one; the first failure of the bucket stops it (thrown), with what was deleted before in `deleted`. */
export async function applyRemotePrune(
  remote: RemoteStore,
  plan: RemotePrunePlan,
  deleted: RemoteEntryInfo[] = [],
): Promise<RemoteEntryInfo[]> {
  for (const entry of plan.unused) {
    await remote.deleteEntry(entry.key);
    deleted.push(entry);
  }
  return deleted;
}
