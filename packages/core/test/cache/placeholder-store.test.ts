import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ImageCache } from '../../src/cache/cache.ts';
import { FileSystemStore } from '../../src/cache/fs-store.ts';
import { metaKey } from '../../src/cache/key.ts';
import { PlaceholderSplitStore } from '../../src/cache/placeholder-store.ts';
import type { CacheEntryMeta, CacheStore } from '../../src/cache/store.ts';
import { pruneCache } from '../../src/reports/prune.ts';
import { metaFor } from '../fixtures/entry.ts';
import { useOf } from '../fixtures/uses.ts';

let root: string;
let committed: FileSystemStore;
let placeholders: FileSystemStore;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'genimage-placeholder-store-'));
  committed = new FileSystemStore(path.join(root, '.genimage'));
  placeholders = new FileSystemStore(path.join(root, 'placeholders'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** An entry as `provider` would make it for `prompt`: metadata that hashes to its key. */
function entry(provider: string, prompt = 'a red fox'): { meta: CacheEntryMeta; images: Uint8Array[] } {
  const images = [new Uint8Array(randomBytes(64))];
  const meta = { ...metaFor('0'.repeat(64), images), provider, prompt };
  return { meta: { ...meta, key: metaKey(meta) }, images };
}

const entries = async (store: FileSystemStore) => (await readdir(store.dir).catch(() => [])).filter((name) => /^[0-9a-f]{64}$/.test(name));

describe('PlaceholderSplitStore', () => {
  test('writes a placeholder in its own folder and a real image in the committed cache; reads both', async () => {
    const split = new PlaceholderSplitStore(committed, placeholders);
    const placeholder = entry('local', 'an owl');
    const real = entry('shark');
    await split.write(placeholder.meta, placeholder.images);
    await split.write(real.meta, real.images);
    expect(await entries(committed)).toEqual([real.meta.key]);
    expect(await entries(placeholders)).toEqual([placeholder.meta.key]);
    const cache = new ImageCache(split);
    expect((await cache.get(placeholder.meta.key))?.images).toEqual(placeholder.images);
    expect((await cache.get(real.meta.key))?.images).toEqual(real.images);
    expect((await split.keys()).sort()).toEqual([placeholder.meta.key, real.meta.key].sort());
  });

  test('a real image written drops the placeholder of the same request', async () => {
    const split = new PlaceholderSplitStore(committed, placeholders);
    const placeholder = entry('local');
    await split.write(placeholder.meta, placeholder.images);
    const real = entry('shark');
    await split.write(real.meta, real.images);
    expect(await entries(placeholders)).toEqual([]);
    expect(await entries(committed)).toEqual([real.meta.key]);
  });

  test('a key known to be a placeholder’s is never asked of the committed cache, even missing', async () => {
    const asked: string[] = [];
    const spy: CacheStore = new Proxy(committed, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          asked.push(String(name));
          return value.apply(target, args);
        };
      },
    });
    const placeholder = entry('local');
    const split = new PlaceholderSplitStore(spy, placeholders, { isPlaceholderKey: (key) => key === placeholder.meta.key });
    const cache = new ImageCache(split);
    expect(await cache.status(placeholder.meta.key)).toBe('missing');
    const release = await cache.lock(placeholder.meta.key);
    await cache.put(placeholder.meta, placeholder.images);
    await release();
    expect(await cache.status(placeholder.meta.key)).toBe('cached');
    expect(asked).toEqual([]);
  });

  test('a placeholder left in the committed cache by an older version is a leftover, deleted before its new copy', async () => {
    const placeholder = entry('local');
    await committed.write(placeholder.meta, placeholder.images);
    await placeholders.write(placeholder.meta, placeholder.images);
    const split = new PlaceholderSplitStore(committed, placeholders);
    const listed = await split.inspectAll();
    expect(listed.map((stored) => stored.own && stored.leftover !== undefined)).toEqual([true, false]);
    await split.delete(placeholder.meta.key);
    expect(await entries(committed)).toEqual([]);
    expect(await entries(placeholders)).toEqual([placeholder.meta.key]);
  });
});

describe('prune over the split store', () => {
  /** A use whose key is `meta`'s, as a run showing that image sees it. */
  const useShowing = (meta: CacheEntryMeta) => ({ ...useOf({ prompt: meta.prompt }), key: meta.key });

  test('deletes a leftover placeholder in the committed cache even when a marker shows that placeholder', async () => {
    const placeholder = entry('local');
    await committed.write(placeholder.meta, placeholder.images);
    await placeholders.write(placeholder.meta, placeholder.images);
    const cache = new ImageCache(new PlaceholderSplitStore(committed, placeholders));
    const result = await pruneCache(cache, [useShowing(placeholder.meta)]);
    expect(result).toMatchObject({ kept: 1, foreign: [] });
    expect(result.deleted.map((deleted) => deleted.key)).toEqual([placeholder.meta.key]);
    expect(await entries(committed)).toEqual([]);
    expect(await entries(placeholders)).toEqual([placeholder.meta.key]);
  });

  test('deletes a placeholder no marker shows; keeps the real images', async () => {
    const split = new PlaceholderSplitStore(committed, placeholders);
    const real = entry('shark');
    const unused = entry('local', 'an owl');
    await split.write(real.meta, real.images);
    await split.write(unused.meta, unused.images);
    const result = await pruneCache(new ImageCache(split), [useShowing(real.meta)]);
    expect(result.deleted.map((deleted) => deleted.key)).toEqual([unused.meta.key]);
    expect(result.kept).toBe(1);
    expect(await entries(committed)).toEqual([real.meta.key]);
    expect(await entries(placeholders)).toEqual([]);
  });
});
