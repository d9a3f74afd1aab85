import pLimit from 'p-limit';
import { CacheCorrupt, RemoteObjectChanged, formatError, isGenImageError } from '../../errors.ts';
import { ImageCache } from '../cache.ts';
import { PLACEHOLDER_PROVIDER } from '../placeholder-store.ts';
import type { CacheStore } from '../store.ts';
import type { RemoteStore } from './remote.ts';

/**
 * What happened to one entry: copied, already there, not copied because it failed verification,
 * not copied because another machine replaced one of its objects first (`changed`), or not copied
 * because it is a placeholder (left by an older version: placeholders are never shared).
 */
export interface SyncItem {
  key: string;
  result: 'copied' | 'present' | 'corrupt' | 'changed' | 'placeholder';
  /** Why a corrupt or changed entry was not copied. */
  reason?: string;
  /** For `changed`: whether the remote now holds a verified copy of this entry (then nothing is lost). */
  verified?: boolean;
}

export interface SyncSummary {
  direction: 'push' | 'pull';
  /** Entries looked at: every complete entry on the side copied from. */
  total: number;
  copied: number;
  present: number;
  /** Placeholders not copied: no other machine has a use for them. */
  placeholders: number;
  corrupt: SyncItem[];
  /** Entries skipped because another machine replaced one of their objects first, sorted by key. */
  changed: SyncItem[];
  elapsedMs: number;
}

export interface SyncOptions {
  /** Called once per entry, in completion order. */
  onItem?: (item: SyncItem, done: number, total: number) => void;
  /** Transfers at once. @default 4 */
  concurrency?: number;
  /** `pull`: only these keys (those a scan uses). @default every entry of the remote */
  only?: ReadonlySet<string>;
}

/**
 * `genimage push`: uploads every verified local entry the remote lacks. A local entry that fails
 * verification is reported and not uploaded; an entry the remote has is left as it is (write-once).
 * An entry another machine was replacing at the same moment is reported as `changed` (with whether
 * the remote's copy now verifies), and the others go on.
 * @throws GenImageError(RemoteUnavailable | RemoteAccessDenied) when the remote fails: the sync stops.
 */
export async function pushCache(local: CacheStore, remote: RemoteStore, options: SyncOptions = {}): Promise<SyncSummary> {
  const verified = new ImageCache(local);
  const [keys, there] = await Promise.all([local.keys(), remote.listKeys()]);
  const present = new Set(there);
  return sync('push', keys, remote, options, async (key) => ({
    key,
    result: present.has(key) ? 'present' : await pushEntry(verified, remote, key),
  }));
}

/**
 * Uploads one local entry, verified first, unless it is a placeholder (never shared) or gone.
 * `present`: the remote had it (another machine uploaded it first), or there was nothing to copy.
 * @throws GenImageError(CacheCorrupt) for a local entry failing verification, and the remote's errors.
 */
export async function pushEntry(local: ImageCache, remote: RemoteStore, key: string): Promise<'copied' | 'present' | 'placeholder'> {
  const entry = await local.get(key);
  if (!entry) return 'present'; // removed meanwhile: nothing to copy
  if (entry.meta.provider === PLACEHOLDER_PROVIDER) return 'placeholder';
  return (await remote.putEntry(entry.meta, entry.images)) === 'uploaded' ? 'copied' : 'present';
}

/**
 * `genimage pull`: downloads every remote entry (or those in `only`) the local cache lacks, each verified (metadata valid
 * for its key, size and sha256 of every image) before it is written; a corrupt one is reported and
 * not written. Local entries are never replaced.
 * @throws GenImageError(RemoteUnavailable | RemoteAccessDenied) when the remote fails: the sync stops.
 */
export async function pullCache(local: CacheStore, remote: RemoteStore, options: SyncOptions = {}): Promise<SyncSummary> {
  const [listed, here] = await Promise.all([remote.listKeys(), local.keys()]);
  const { only } = options;
  const keys = only ? listed.filter((key) => only.has(key)) : listed;
  const present = new Set(here);
  return sync('pull', keys, remote, options, async (key) => {
    if (present.has(key)) return { key, result: 'present' };
    const entry = await remote.getEntry(key);
    if (!entry) return { key, result: 'present' };
    if (entry.meta.provider === PLACEHOLDER_PROVIDER) return { key, result: 'placeholder' };
    await local.write(entry.meta, entry.images);
    return { key, result: 'copied' };
  });
}

async function sync(
  direction: SyncSummary['direction'],
  keys: readonly string[],
  remote: RemoteStore,
  options: SyncOptions,
  copy: (key: string) => Promise<SyncItem>,
): Promise<SyncSummary> {
  const started = Date.now();
  const limit = pLimit(options.concurrency ?? 4);
  const summary: SyncSummary = {
    direction,
    total: keys.length,
    copied: 0,
    present: 0,
    placeholders: 0,
    corrupt: [],
    changed: [],
    elapsedMs: 0,
  };
  let done = 0;
  let failure: unknown;
  await Promise.all(
    keys.map((key) =>
      limit(async () => {
        if (failure) return; // the remote failed: the rest would fail the same way
        let item: SyncItem;
        try {
          item = await copy(key);
        } catch (error) {
          if (isGenImageError(error, RemoteObjectChanged)) {
            // Another machine's write, not a failure here: whether its copy verifies says if anything is lost.
            let verified: boolean;
            try {
              verified = await verifiedThere(remote, key);
            } catch (lookError) {
              failure ??= lookError;
              return;
            }
            item = { key, result: 'changed', reason: formatError(error), verified };
          } else if (isGenImageError(error, CacheCorrupt)) {
            item = { key, result: 'corrupt', reason: formatError(error) };
          } else {
            failure ??= error;
            return;
          }
        }
        if (item.result === 'copied') summary.copied++;
        else if (item.result === 'present') summary.present++;
        else if (item.result === 'placeholder') summary.placeholders++;
        else if (item.result === 'changed') summary.changed.push(item);
        else summary.corrupt.push(item);
        options.onItem?.(item, ++done, keys.length);
      }),
    ),
  );
  if (failure) throw failure;
  summary.corrupt.sort((a, b) => a.key.localeCompare(b.key));
  summary.changed.sort((a, b) => a.key.localeCompare(b.key));
  summary.elapsedMs = Date.now() - started;
  return summary;
}

/** Whether the remote holds a complete entry for `key` that passes verification. */
async function verifiedThere(remote: RemoteStore, key: string): Promise<boolean> {
  try {
    return (await remote.getEntry(key)) !== undefined;
  } catch (error) {
    if (isGenImageError(error, CacheCorrupt)) return false;
    throw error;
  }
}
