import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageCache } from '../../src/cache/cache.ts';
import { CacheCorrupt } from '../../src/errors.ts';
import { FileSystemStore } from '../../src/cache/fs-store.ts';
import { sha256Hex } from '../../src/hash.ts';
import type { CacheEntryMeta, CacheStore, ReleaseLock } from '../../src/cache/store.ts';
import { keyedMeta, randomKey } from '../fixtures/entry.ts';

let root: string;
let dir: string;
let cache: ImageCache;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'genimage-cache-'));
  dir = join(root, '.genimage');
  cache = new ImageCache(new FileSystemStore(dir));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function bytes(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

async function putEntry() {
  const images = [bytes(300), bytes(500)];
  const meta = keyedMeta(images);
  await cache.put(meta, images);
  cache.resetCounters();
  return { key: meta.key, meta, images };
}

function corruptError(message: RegExp): unknown {
  return expect.objectContaining({ code: CacheCorrupt.code, message: expect.stringMatching(message) });
}

/** A store with no local path at all: ImageCache must not need one. */
class MemoryStore implements CacheStore {
  readonly location = 'memory';
  readonly entries = new Map<string, { meta: CacheEntryMeta; files: Map<string, Uint8Array> }>();
  async readMeta(key: string) {
    return this.entries.get(key)?.meta;
  }
  async readImage(key: string, file: string) {
    const bytes = this.entries.get(key)?.files.get(file);
    if (!bytes) throw new Error(`no ${file} in ${key}`);
    return bytes;
  }
  async write(meta: CacheEntryMeta, images: Uint8Array[]) {
    this.entries.set(meta.key, { meta, files: new Map(meta.images.map((image, index) => [image.file, images[index]!])) });
  }
  async delete(key: string) {
    this.entries.delete(key);
  }
  async keys() {
    return [...this.entries.keys()].sort();
  }
  async lock(): Promise<ReleaseLock> {
    return async () => {};
  }
}

describe('sha256Hex', () => {
  it('hashes bytes and strings to lowercase hex', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(sha256Hex('abc')).toBe(abc);
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe(abc);
  });
});

describe('ImageCache', () => {
  it('returns undefined for a missing entry and counts a miss', async () => {
    expect(await cache.get(randomKey())).toBeUndefined();
    expect([cache.hits, cache.misses, cache.corrupt]).toEqual([0, 1, 0]);
  });

  it('returns the verified images of an entry it stored', async () => {
    const { key, meta, images } = await putEntry();
    expect(await cache.get(key)).toEqual({ meta, images });
  });

  it('counts hits and writes', async () => {
    const images = [bytes(10)];
    const meta = keyedMeta(images);
    await cache.put(meta, images);
    await cache.get(meta.key);
    await cache.get(meta.key);
    expect([cache.writes, cache.hits, cache.misses]).toEqual([1, 2, 0]);
  });

  it('resets its counters', async () => {
    const { key } = await putEntry();
    await cache.get(key);
    await cache.get(randomKey());
    cache.resetCounters();
    expect([cache.hits, cache.misses, cache.corrupt, cache.writes]).toEqual([0, 0, 0, 0]);
  });

  it('reports the status of cached and missing entries without counting', async () => {
    const { key } = await putEntry();
    expect(await cache.status(key)).toBe('cached');
    expect(await cache.status(randomKey())).toBe('missing');
    expect([cache.hits, cache.misses]).toEqual([0, 0]);
  });

  it('trusts in status() what this process verified, while get() always verifies what it serves', async () => {
    const reads: string[] = [];
    const store = new FileSystemStore(dir);
    const counting = new ImageCache({
      location: store.location,
      readMeta: (key) => store.readMeta(key),
      readImage: (key, file) => {
        reads.push(file);
        return store.readImage(key, file);
      },
      write: (entryMeta, entryImages) => store.write(entryMeta, entryImages),
      delete: (key) => store.delete(key),
      keys: () => store.keys(),
      lock: (key) => store.lock(key),
    });
    const images = [bytes(300)];
    const meta = keyedMeta(images);
    await counting.put(meta, images);
    expect(await counting.status(meta.key)).toBe('cached');
    expect(await counting.status(meta.key)).toBe('cached');
    expect(reads).toEqual([]);

    await writeFile(join(dir, meta.key, '0.png'), 'changed behind its back');
    await expect(counting.get(meta.key)).rejects.toEqual(corruptError(/has \d+ bytes/));
    expect(await counting.status(meta.key)).toBe('corrupt');
    expect(await new ImageCache(new FileSystemStore(dir)).status(meta.key)).toBe('corrupt');
  });

  it('refuses an entry with a flipped byte in an image, naming the entry and file', async () => {
    const { key } = await putEntry();
    const path = join(dir, key, '1.png');
    const content = await readFile(path);
    content[17] = content[17]! ^ 0xff;
    await writeFile(path, content);
    await expect(cache.get(key)).rejects.toEqual(corruptError(new RegExp(`Image 1\\.png of entry .*${key} has sha256 `)));
    expect(await cache.status(key)).toBe('corrupt');
    expect(cache.corrupt).toBe(1);
  });

  it('refuses an entry whose image has the wrong size', async () => {
    const { key } = await putEntry();
    await truncate(join(dir, key, '0.png'), 100);
    await expect(cache.get(key)).rejects.toEqual(corruptError(/Image 0\.png .* has 100 bytes, but the metadata says 300/));
  });

  it('refuses an entry with a missing image file', async () => {
    const { key } = await putEntry();
    await unlink(join(dir, key, '1.png'));
    await expect(cache.get(key)).rejects.toEqual(corruptError(/Image 1\.png of entry .* could not be read/));
    expect(await cache.status(key)).toBe('corrupt');
  });

  it('refuses an entry with a truncated meta.json', async () => {
    const { key } = await putEntry();
    const path = join(dir, key, 'meta.json');
    await truncate(path, 40);
    await expect(cache.get(key)).rejects.toEqual(corruptError(/meta\.json is not valid JSON/));
    expect(await cache.status(key)).toBe('corrupt');
    expect(cache.corrupt).toBe(1);
  });

  it('refuses to store metadata whose sha256 does not match the image', async () => {
    const images = [bytes(10)];
    const meta = keyedMeta(images);
    meta.images[0]!.sha256 = sha256Hex('something else');
    await expect(cache.put(meta, images)).rejects.toThrow(/Refusing to cache entry .*: image 0\.png has sha256 /);
    expect(await cache.keys()).toEqual([]);
    expect(cache.writes).toBe(0);
  });

  it('refuses to store metadata whose size does not match the image', async () => {
    const images = [bytes(10)];
    const meta = keyedMeta(images);
    meta.images[0]!.bytes = 11;
    await expect(cache.put(meta, images)).rejects.toThrow(/image 0\.png has 10 bytes, but the metadata says 11/);
    expect(await cache.keys()).toEqual([]);
  });

  it('refuses to store a number of images that differs from the metadata', async () => {
    const images = [bytes(10), bytes(10)];
    await expect(cache.put(keyedMeta(images), images.slice(1))).rejects.toThrow(/lists 2 images, but 1 were given/);
    expect(await cache.keys()).toEqual([]);
  });

  it('lists and deletes entries through its store', async () => {
    const first = await putEntry();
    const second = await putEntry();
    expect(await cache.keys()).toEqual([first.key, second.key].sort());
    await cache.delete(first.key);
    expect(await cache.keys()).toEqual([second.key]);
    expect(await cache.status(first.key)).toBe('missing');
  });

  it('locks keys through its store', async () => {
    const key = randomKey();
    const release = await cache.lock(key);
    await expect(new FileSystemStore(dir, { lockWaitMs: 0 }).lock(key)).rejects.toMatchObject({ code: 'CacheLockTimeout' });
    await release();
  });

  it('works over a store without a local path', async () => {
    const memory = new MemoryStore();
    const memoryCache = new ImageCache(memory);
    const images = [bytes(20)];
    const meta = keyedMeta(images);
    await memoryCache.put(meta, images);
    expect(await memoryCache.get(meta.key)).toEqual({ meta, images });
    images[0]![0] = images[0]![0]! ^ 1;
    await expect(memoryCache.get(meta.key)).rejects.toEqual(corruptError(new RegExp(`entry memory/${meta.key}`)));
  });
});
