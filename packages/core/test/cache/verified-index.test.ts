import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ImageCache } from '../../src/cache/cache.ts';
import { FileSystemStore } from '../../src/cache/fs-store.ts';
import { VerifiedIndex } from '../../src/cache/verified-index.ts';
import { keyedMeta, randomKey } from '../fixtures/entry.ts';

let root: string;
let dir: string;
let indexFile: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'genimage-index-'));
  dir = join(root, '.genimage');
  indexFile = join(root, 'node_modules/.cache/genimage/verified-entries.json');
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

/** A cache as a new process opens it: a fresh store and index over the same files. */
function nextRun(): { cache: ImageCache; store: FileSystemStore } {
  const store = new FileSystemStore(dir);
  return { cache: new ImageCache(store, { index: new VerifiedIndex(indexFile) }), store };
}

async function stored(): Promise<{ key: string; file: string; image: Uint8Array }> {
  const { cache } = nextRun();
  const image = new Uint8Array(randomBytes(400));
  const meta = keyedMeta([image]);
  const { key } = meta;
  await cache.put(meta, [image]);
  await cache.saveIndex();
  return { key, file: join(dir, key, meta.images[0]!.file), image };
}

describe('ImageCache with a VerifiedIndex', () => {
  it('trusts an entry verified by an earlier run, unchanged since, without reading its images', async () => {
    const { key } = await stored();
    const { cache, store } = nextRun();
    const readImage = vi.spyOn(store, 'imageDigest');
    expect(await cache.status(key)).toBe('cached');
    expect(readImage).not.toHaveBeenCalled();
  });

  it('verifies again an entry whose image was rewritten since, same size, and finds it corrupt', async () => {
    const { key, file, image } = await stored();
    const flipped = Buffer.from(image);
    flipped[10]! ^= 0xff;
    await writeFile(file, flipped);
    const { cache, store } = nextRun();
    const readImage = vi.spyOn(store, 'imageDigest');
    expect(await cache.status(key)).toBe('corrupt');
    expect(readImage).toHaveBeenCalled();
    // And it stays distrusted: the index forgot it.
    await cache.saveIndex();
    expect(await nextRun().cache.status(key)).toBe('corrupt');
  });

  it('remembers entries verified by status(), for the run after', async () => {
    const { key } = await stored();
    await rm(indexFile);
    const first = nextRun();
    const firstRead = vi.spyOn(first.store, 'imageDigest');
    expect(await first.cache.status(key)).toBe('cached');
    expect(firstRead).toHaveBeenCalledTimes(1);
    await first.cache.saveIndex();
    const second = nextRun();
    const secondRead = vi.spyOn(second.store, 'imageDigest');
    expect(await second.cache.status(key)).toBe('cached');
    expect(secondRead).not.toHaveBeenCalled();
  });

  it('takes an unreadable index for an empty one, and replaces it', async () => {
    const { key } = await stored();
    await writeFile(indexFile, '{ not json');
    const { cache, store } = nextRun();
    const readImage = vi.spyOn(store, 'imageDigest');
    expect(await cache.status(key)).toBe('cached');
    expect(readImage).toHaveBeenCalled();
    await cache.saveIndex();
    expect(JSON.parse(await readFile(indexFile, 'utf8'))).toMatchObject({ version: 1, entries: { [key]: expect.any(String) } });
  });
});

describe('VerifiedIndex', () => {
  it('saves at best: a place it cannot write costs the next run a verification, never an error', async () => {
    const blocked = join(root, 'not-a-folder');
    await writeFile(blocked, 'a file where the index folder would be');
    const key = randomKey();
    const index = new VerifiedIndex(join(blocked, 'verified-entries.json'));
    await index.set(key, 'fingerprint');
    await expect(index.save()).resolves.toBeUndefined();
    expect(await new VerifiedIndex(join(blocked, 'verified-entries.json')).has(key, 'fingerprint')).toBe(false);
  });
});

describe('FileSystemStore.fingerprint', () => {
  it('changes when a file of the entry is rewritten, and is undefined for an absent or linked entry', async () => {
    const { key, file, image } = await stored();
    const store = new FileSystemStore(dir);
    const before = await store.fingerprint(key);
    expect(before).toMatch(/^0\.png:400:\d+:\d+:\d+\|meta\.json:/);
    await writeFile(file, image);
    expect(await store.fingerprint(key)).not.toBe(before);
    expect(await store.fingerprint(randomKey())).toBeUndefined();
    const linked = randomKey();
    await mkdir(join(root, 'elsewhere'));
    await symlink(join(root, 'elsewhere'), join(dir, linked));
    expect(await store.fingerprint(linked)).toBeUndefined();
  });
});
