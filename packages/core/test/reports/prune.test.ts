import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ImageCache } from '../../src/cache/cache.ts';
import { FileSystemStore } from '../../src/cache/fs-store.ts';
import { pruneCache, usesByKey } from '../../src/reports/prune.ts';
import { metaFor } from '../fixtures/entry.ts';
import { useOf } from '../fixtures/uses.ts';

let root: string;
let cache: ImageCache;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'genimage-prune-'));
  cache = new ImageCache(new FileSystemStore(join(root, '.genimage')));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function put(key: string, prompt = 'a prompt'): Promise<void> {
  const images = [new Uint8Array(randomBytes(100))];
  await cache.put({ ...metaFor(key, images), prompt }, images);
}

const fox = useOf({ prompt: 'a red fox', seed: 1 });
const foxAgain = useOf({ prompt: 'a red fox', seed: 1 }, { line: 9 });
const owl = useOf({ prompt: 'an owl', seed: 2 });
const foxPlaceholder = useOf({ prompt: 'a red fox', seed: 1 }, { provider: 'local' });
const gone = useOf({ prompt: 'an old image nobody uses' });

describe('usesByKey', () => {
  test('files each use under its key for every provider', () => {
    const byKey = usesByKey([fox, foxAgain, owl]);
    expect(byKey.get(fox.key)).toEqual([fox, foxAgain]);
    expect(byKey.get(foxPlaceholder.key)).toEqual([fox, foxAgain]);
    expect(byKey.get(owl.key)).toEqual([owl]);
    expect(byKey.size).toBe(4);
  });
});

describe('pruneCache', () => {
  test('deletes only the entries no marker uses', async () => {
    await put(fox.key);
    await put(owl.key);
    await put(gone.key, 'an old image nobody uses');
    const result = await pruneCache(cache, [fox, owl]);
    expect(result).toMatchObject({ kept: 2, dryRun: false });
    expect(result.unreferenced.map((entry) => [entry.key, entry.meta?.prompt])).toEqual([[gone.key, 'an old image nobody uses']]);
    expect((await cache.keys()).sort()).toEqual([fox.key, owl.key].sort());
  });

  test('dryRun lists without deleting', async () => {
    await put(fox.key);
    await put(gone.key);
    const result = await pruneCache(cache, [fox], { dryRun: true });
    expect(result.unreferenced.map((entry) => entry.key)).toEqual([gone.key]);
    expect(await cache.keys()).toHaveLength(2);
  });

  test('keeps the images of another provider for the same markers', async () => {
    await put(fox.key);
    await put(foxPlaceholder.key);
    // The uses as a run without an API key sees them: keyed for `local`.
    const local = useOf({ prompt: 'a red fox', seed: 1 }, { provider: 'local' });
    expect((await pruneCache(cache, [local])).unreferenced).toEqual([]);
    expect(await cache.keys()).toHaveLength(2);
  });

  test('an unused entry with unreadable metadata is deleted too', async () => {
    await put(gone.key);
    await writeFile(join(root, '.genimage', gone.key, 'meta.json'), '{ not json');
    const result = await pruneCache(cache, []);
    expect(result.unreferenced).toEqual([{ key: gone.key, meta: undefined }]);
    expect(await cache.keys()).toEqual([]);
  });
});
