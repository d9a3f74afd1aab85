import { digestOf, type ImageDigest } from './digest.ts';
import type { FileSystemStore } from './fs-store.ts';
import { metaKey } from './key.ts';
import {
  type CacheEntryMeta,
  type CacheStore,
  type EntryLocation,
  type ReleaseLock,
  type StoredEntry,
  inspectEntries,
  inspectEntry,
} from './store.ts';

/** The provider whose entries are placeholders: drawn offline, of no use to CI, never committed nor uploaded. */
export const PLACEHOLDER_PROVIDER = 'local';

/** Why `prune` deletes a placeholder found in the committed cache, whatever marker uses its key. */
const LEFTOVER = 'a placeholder in the committed cache, where older genimage versions kept them';

export interface PlaceholderSplitOptions {
  /**
   * Keys the caller knows are placeholders' (the engine computed them for the `local` provider):
   * looked up, locked and written in the placeholder folder only, so a placeholder not made yet
   * never asks the committed cache's remote, nor takes a lease there.
   */
  isPlaceholderKey?: (key: string) => boolean;
}

/**
 * The committed cache (`.genimage/`, with its remote if any) for real images, and a folder of this
 * checkout's own (`node_modules/.cache/genimage/placeholders/`) for placeholders: following "commit
 * `.genimage/`" never commits a placeholder, and no placeholder reaches the bucket. An entry is
 * written by its metadata's provider; a real image written drops the placeholder of the same
 * request, which it replaces. Reads look in the placeholder folder first (local and cheap: a key
 * it lacks then goes to the committed cache, remote included), except for keys known to be
 * placeholders', which never leave it.
 */
export class PlaceholderSplitStore implements CacheStore {
  readonly committed: CacheStore;
  readonly placeholders: FileSystemStore;
  readonly location: string;
  readonly #isPlaceholderKey: (key: string) => boolean;

  constructor(committed: CacheStore, placeholders: FileSystemStore, options: PlaceholderSplitOptions = {}) {
    this.committed = committed;
    this.placeholders = placeholders;
    this.location = committed.location;
    this.#isPlaceholderKey = options.isPlaceholderKey ?? (() => false);
  }

  async readMeta(key: string): Promise<CacheEntryMeta | undefined> {
    return (await this.holderOf(key)).readMeta(key);
  }

  async readImage(key: string, file: string): Promise<Uint8Array> {
    return (await this.holderOf(key)).readImage(key, file);
  }

  async imageFile(key: string, file: string): Promise<string | undefined> {
    return (await this.holderOf(key)).imageFile?.(key, file);
  }

  async imageDigest(key: string, file: string): Promise<ImageDigest> {
    const holder = await this.holderOf(key);
    return holder.imageDigest ? holder.imageDigest(key, file) : digestOf(await holder.readImage(key, file));
  }

  async fingerprint(key: string): Promise<string | undefined> {
    return (await this.holderOf(key)).fingerprint?.(key);
  }

  foundIn(key: string): EntryLocation | undefined {
    return this.committed.foundIn?.(key);
  }

  /** Only the committed cache has a second copy (a remote); a placeholder is drawn again instead. */
  async repair(key: string, problem: Error): Promise<boolean> {
    const holder = await this.holderOf(key);
    return holder === this.committed && this.committed.repair ? this.committed.repair(key, problem) : false;
  }

  async write(meta: CacheEntryMeta, images: Uint8Array[]): Promise<void> {
    if (meta.provider === PLACEHOLDER_PROVIDER) return this.placeholders.write(meta, images);
    await this.committed.write(meta, images);
    // The real image is there: its placeholder would never be served again.
    const replaced = metaKey(meta, PLACEHOLDER_PROVIDER);
    if ((await this.placeholders.inspect(replaced))?.own) await this.placeholders.delete(replaced);
  }

  /** Deletes what `inspect` shows under the key: a leftover placeholder in the committed cache first. */
  async delete(key: string): Promise<void> {
    const found = await this.#stored(key);
    if (found) await found.store.delete(key);
  }

  async keys(): Promise<string[]> {
    const [placeholders, committed] = await Promise.all([this.placeholders.keys(), this.committed.keys()]);
    return [...new Set([...placeholders, ...committed])];
  }

  async lock(key: string): Promise<ReleaseLock> {
    return (await this.holderOf(key)).lock(key);
  }

  async inspect(key: string): Promise<StoredEntry | undefined> {
    return (await this.#stored(key))?.entry;
  }

  /** Both stores' entries; a key in both (a leftover beside its new copy) is listed twice, once per store. */
  async inspectAll(): Promise<StoredEntry[]> {
    const [placeholders, committed] = await Promise.all([this.placeholders.inspectAll(), inspectEntries(this.committed)]);
    return [...committed.map(markLeftover), ...placeholders].sort((a, b) => a.key.localeCompare(b.key));
  }

  /** The store the entry under `key` is read from: the placeholder folder, or the committed cache. */
  async holderOf(key: string): Promise<CacheStore> {
    if (this.#isPlaceholderKey(key) || (await this.placeholders.inspect(key))) return this.placeholders;
    return this.committed;
  }

  async #stored(key: string): Promise<{ store: CacheStore; entry: StoredEntry } | undefined> {
    const committed = await inspectEntry(this.committed, key);
    if (committed?.own && committed.meta.provider === PLACEHOLDER_PROVIDER)
      return { store: this.committed, entry: markLeftover(committed) };
    const placeholder = await this.placeholders.inspect(key);
    if (placeholder) return { store: this.placeholders, entry: placeholder };
    return committed && { store: this.committed, entry: committed };
  }
}

/** A committed entry, marked as a leftover when it is a placeholder. */
function markLeftover(entry: StoredEntry): StoredEntry {
  return entry.own && entry.meta.provider === PLACEHOLDER_PROVIDER ? { ...entry, leftover: LEFTOVER } : entry;
}
