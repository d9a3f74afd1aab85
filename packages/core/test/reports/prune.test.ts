import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ImageCache } from '../../src/cache/cache.ts';
import { FileSystemStore } from '../../src/cache/fs-store.ts';
import { cacheKey, metaKey } from '../../src/cache/key.ts';
import { entryMeta } from '../../src/generate/schedule.ts';
import type { ImageUse } from '../../src/engine.ts';
import { applyPrune, planPrune, pruneCache, usesByKey } from '../../src/reports/prune.ts';
import { UNBOUND } from '../../src/cache/store.ts';
import { metaFor, randomKey } from '../fixtures/entry.ts';
import { useOf } from '../fixtures/uses.ts';

let root: string;
let dir: string;
let cache: ImageCache;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'genimage-prune-'));
  dir = join(root, '.genimage');
  cache = new ImageCache(new FileSystemStore(dir));
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** Stores the image of `use` as `generate` would: metadata that hashes to the key. */
async function put(use: ImageUse, target: ImageCache = cache): Promise<void> {
  const images = Array.from({ length: use.params.n }, () => new Uint8Array(randomBytes(100)));
  const result = {
    images: images.map((bytes) => ({ bytes, format: 'png' as const, width: 1024, height: 1024 })),
    attempts: 1,
    possiblyBilledAttempts: 0,
  };
  await target.put(entryMeta(use.request, 'shark', result, new Date('2026-11-01T12:00:00Z')), images);
}

/** A use whose key is `provider`'s: its entry's metadata names that provider. */
async function putAs(use: ImageUse, provider: 'local'): Promise<void> {
  const images = [new Uint8Array(randomBytes(100))];
  const { params } = use;
  const key = cacheKey({ provider, params, referenceHashes: [] });
  const meta = { ...metaFor(key, images), provider, model: params.model, prompt: params.prompt };
  await cache.put(
    { ...meta, params: { ...meta.params, seed: params.seed, imageSize: params.imageSize, aspectRatio: params.aspectRatio } },
    images,
  );
}

const fox = useOf({ prompt: 'a red fox', seed: 1 });
const foxAgain = useOf({ prompt: 'a red fox', seed: 1 }, { line: 9 });
const owl = useOf({ prompt: 'an owl', seed: 2 });
const foxPlaceholder = useOf({ prompt: 'a red fox', seed: 1 }, { provider: 'local' });
const gone = useOf({ prompt: 'an old image nobody uses' });

describe('usesByKey', () => {
  test('files each use under its key and its real image’s key, not under a placeholder it does not show', () => {
    const byKey = usesByKey([fox, foxAgain, owl]);
    expect(byKey.get(fox.key)).toEqual([fox, foxAgain]);
    expect(byKey.get(foxPlaceholder.key)).toBeUndefined();
    expect(byKey.get(owl.key)).toEqual([owl]);
    expect(byKey.size).toBe(2);
  });

  test('files a use that shows a placeholder under it, and under its real image’s key', () => {
    const byKey = usesByKey([foxPlaceholder]);
    expect(byKey.get(foxPlaceholder.key)).toEqual([foxPlaceholder]);
    expect(byKey.get(fox.key)).toEqual([foxPlaceholder]);
  });
});

describe('metaKey', () => {
  test('recomputes the key of the metadata generation writes, references included', () => {
    const references = [
      { source: '/refs/a.png', sha256: 'a'.repeat(64), apiValue: 'data:' },
      { source: '/refs/b.png', sha256: 'b'.repeat(64), apiValue: 'data:' },
    ];
    const base = useOf({ prompt: 'a fox like these', seed: 5, n: 2, imageSize: '2K', aspectRatio: '16:9' });
    const key = cacheKey({ provider: 'shark', params: base.params, referenceHashes: references.map((reference) => reference.sha256) });
    const request = { key, job: { params: base.params, references }, origins: [] };
    const image = { bytes: new Uint8Array([1]), format: 'png' as const, width: 1, height: 1 };
    const meta = entryMeta(request, 'shark', { images: [image, image], attempts: 1, possiblyBilledAttempts: 0 }, new Date());
    expect(metaKey(meta)).toBe(key);
    expect(metaKey({ ...meta, prompt: 'another prompt' })).not.toBe(key);
    expect(metaKey({ ...meta, params: { ...meta.params, references: [...meta.params.references].reverse() } })).not.toBe(key);
  });
});

describe('pruneCache', () => {
  test('deletes only the entries no marker uses', async () => {
    await put(fox);
    await put(owl);
    await put(gone);
    const result = await pruneCache(cache, [fox, owl]);
    expect(result).toMatchObject({ kept: 2, dryRun: false, foreign: [] });
    expect(result.unreferenced.map((entry) => [entry.key, entry.meta.prompt])).toEqual([[gone.key, 'an old image nobody uses']]);
    expect(result.deleted.map((entry) => entry.key)).toEqual([gone.key]);
    expect((await cache.keys()).sort()).toEqual([fox.key, owl.key].sort());
  });

  test('dryRun lists without deleting', async () => {
    await put(fox);
    await put(gone);
    const result = await pruneCache(cache, [fox], { dryRun: true });
    expect(result.unreferenced.map((entry) => entry.key)).toEqual([gone.key]);
    expect(result.deleted).toEqual([]);
    expect(await cache.keys()).toHaveLength(2);
  });

  test('keeps the images of another provider for the same markers', async () => {
    await put(fox);
    await putAs(fox, 'local');
    // The uses as a run without an API key sees them: keyed for `local`.
    const local = useOf({ prompt: 'a red fox', seed: 1 }, { provider: 'local' });
    expect((await pruneCache(cache, [local])).unreferenced).toEqual([]);
    expect(await cache.keys()).toHaveLength(2);
  });

  test('deletes an unused placeholder entry, whose metadata names the `local` provider', async () => {
    await putAs(gone, 'local');
    const result = await pruneCache(cache, []);
    expect(result.deleted.map((entry) => entry.meta.provider)).toEqual(['local']);
    expect(await cache.keys()).toEqual([]);
  });
});

describe('pruneCache: only genimage’s own entries', () => {
  test('an entry with unreadable metadata is reported and left alone', async () => {
    await put(gone);
    await writeFile(join(dir, gone.key, 'meta.json'), '{ not json');
    const result = await pruneCache(cache, []);
    expect(result.unreferenced).toEqual([]);
    expect(result.foreign).toEqual([{ key: gone.key, reason: expect.stringContaining('is not valid JSON') }]);
    expect(await readFile(join(dir, gone.key, 'meta.json'), 'utf8')).toBe('{ not json');
  });

  test('a folder with an entry’s name and garbage metadata is reported and left alone', async () => {
    const key = randomKey();
    await mkdir(join(dir, key), { recursive: true });
    await writeFile(join(dir, key, 'meta.json'), JSON.stringify({ version: 1, key, hello: 'world' }));
    await writeFile(join(dir, key, 'notes.txt'), 'mine');
    const result = await pruneCache(cache, []);
    expect(result.foreign).toEqual([{ key, reason: expect.stringContaining('is not valid cache metadata') }]);
    expect(await readFile(join(dir, key, 'notes.txt'), 'utf8')).toBe('mine');
  });

  test('a folder with an entry’s name but no meta.json is reported and left alone', async () => {
    const key = randomKey();
    await mkdir(join(dir, key), { recursive: true });
    await writeFile(join(dir, key, '0.png'), 'half-written');
    const result = await pruneCache(cache, []);
    expect(result.foreign).toEqual([{ key, reason: expect.stringContaining('no meta.json') }]);
    expect(existsSync(join(dir, key, '0.png'))).toBe(true);
  });

  test('an entry whose meta.json is for another key is left alone', async () => {
    await put(gone);
    const other = randomKey();
    await cp(join(dir, gone.key), join(dir, other), { recursive: true });
    const result = await pruneCache(cache, [gone]);
    expect(result.unreferenced).toEqual([]);
    expect(result.foreign).toEqual([{ key: other, reason: expect.stringContaining(`belongs to key ${gone.key}`) }]);
    expect(existsSync(join(dir, other, 'meta.json'))).toBe(true);
  });

  test('an entry whose metadata does not hash to its key is left alone', async () => {
    const images = [new Uint8Array(randomBytes(100))];
    const key = randomKey();
    // Valid metadata that names its folder, but not what generation would have written there.
    await cache.put(metaFor(key, images), images);
    const result = await pruneCache(cache, []);
    expect(result.foreign).toEqual([{ key, reason: `its meta.json ${UNBOUND}` }]);
    expect(await cache.keys()).toEqual([key]);
  });

  test('a symbolic link to an entry outside the cache is left alone, and so is what it points to', async () => {
    const elsewhere = join(root, 'elsewhere');
    await put(gone, new ImageCache(new FileSystemStore(elsewhere)));
    await mkdir(dir, { recursive: true });
    await symlink(join(elsewhere, gone.key), join(dir, gone.key), 'dir');
    const result = await pruneCache(cache, []);
    expect(result.unreferenced).toEqual([]);
    expect(result.foreign).toEqual([{ key: gone.key, reason: 'a symbolic link, not a folder genimage wrote' }]);
    expect(existsSync(join(dir, gone.key))).toBe(true);
    expect(existsSync(join(elsewhere, gone.key, 'meta.json'))).toBe(true);
    expect(existsSync(join(elsewhere, gone.key, '0.png'))).toBe(true);
  });

  test('an entry whose meta.json is a symbolic link is left alone', async () => {
    await put(gone);
    const outside = join(root, 'meta-elsewhere.json');
    await cp(join(dir, gone.key, 'meta.json'), outside);
    await rm(join(dir, gone.key, 'meta.json'));
    await symlink(outside, join(dir, gone.key, 'meta.json'));
    const result = await pruneCache(cache, []);
    expect(result.foreign).toEqual([{ key: gone.key, reason: 'its meta.json is a symbolic link' }]);
    expect(existsSync(join(dir, gone.key, '0.png'))).toBe(true);
    expect(existsSync(outside)).toBe(true);
  });

  test('deleting an own entry removes links inside it, never their targets', async () => {
    await put(gone);
    const outside = join(root, 'outside');
    await mkdir(join(outside, 'folder'), { recursive: true });
    await writeFile(join(outside, 'precious.txt'), 'keep me');
    await writeFile(join(outside, 'folder', 'also.txt'), 'keep me too');
    await symlink(join(outside, 'precious.txt'), join(dir, gone.key, 'link.txt'));
    await symlink(join(outside, 'folder'), join(dir, gone.key, 'link-dir'), 'dir');
    const result = await pruneCache(cache, []);
    expect(result.deleted.map((entry) => entry.key)).toEqual([gone.key]);
    expect(existsSync(join(dir, gone.key))).toBe(false);
    expect(await readFile(join(outside, 'precious.txt'), 'utf8')).toBe('keep me');
    expect(await readFile(join(outside, 'folder', 'also.txt'), 'utf8')).toBe('keep me too');
  });

  test('stray files and folders without an entry’s name are neither listed nor touched', async () => {
    await put(gone);
    await mkdir(join(dir, 'not-a-key'), { recursive: true });
    await writeFile(join(dir, 'README.md'), 'notes');
    const result = await pruneCache(cache, []);
    expect(result.foreign).toEqual([]);
    expect(existsSync(join(dir, 'not-a-key'))).toBe(true);
    expect(existsSync(join(dir, 'README.md'))).toBe(true);
    expect(existsSync(join(dir, '.gitignore'))).toBe(true);
  });

  test('applyPrune checks each entry again: one replaced by a link since the plan is left alone', async () => {
    await put(gone);
    const plan = await planPrune(cache, []);
    expect(plan.unreferenced.map((entry) => entry.key)).toEqual([gone.key]);
    const elsewhere = join(root, 'elsewhere');
    await cp(join(dir, gone.key), join(elsewhere, gone.key), { recursive: true });
    await rm(join(dir, gone.key), { recursive: true });
    await symlink(join(elsewhere, gone.key), join(dir, gone.key), 'dir');
    const applied = await applyPrune(cache, plan);
    expect(applied).toEqual({
      deleted: [],
      foreign: [{ key: gone.key, reason: 'a symbolic link, not a folder genimage wrote' }],
      pushed: [],
      onlyCopies: [],
    });
    expect(existsSync(join(elsewhere, gone.key, 'meta.json'))).toBe(true);
  });

  test('a store without inspect(): keys() and readMeta() are trusted, the key is still recomputed', async () => {
    const store = new FileSystemStore(dir);
    const plain = new ImageCache({
      location: store.location,
      readMeta: (key) => store.readMeta(key),
      readImage: (key, file) => store.readImage(key, file),
      write: (meta, images) => store.write(meta, images),
      delete: (key) => store.delete(key),
      keys: () => store.keys(),
      lock: (key) => store.lock(key),
    });
    await put(gone, plain);
    const images = [new Uint8Array(randomBytes(100))];
    const handEdited = randomKey();
    await plain.put(metaFor(handEdited, images), images);
    const result = await pruneCache(plain, []);
    expect(result.deleted.map((entry) => entry.key)).toEqual([gone.key]);
    expect(result.foreign.map((entry) => entry.key)).toEqual([handEdited]);
    expect(await plain.keys()).toEqual([handEdited]);
  });
});
