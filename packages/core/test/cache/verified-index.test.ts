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
    expect(JSON.parse(await readFile(indexFile, 'utf8'))).toMatchObject({ version: 2, entries: { [key]: expect.any(String) } });
  });
});

describe('ImageCache.checkEntry', () => {
  const decodes = vi.fn(async () => undefined);

  it('runs the check on the verified entry once, and trusts a pass on the next run while the entry is unchanged', async () => {
    const { key, image } = await stored();
    const first = nextRun();
    const test = vi.fn(async (entry: { images: Uint8Array[] }) => (entry.images[0]!.byteLength === image.byteLength ? undefined : 'wrong'));
    expect(await first.cache.checkEntry(key, 'decodes', test)).toBeUndefined();
    expect(test).toHaveBeenCalledTimes(1);
    await first.cache.saveIndex();
    const second = nextRun();
    const readImage = vi.spyOn(second.store, 'readImage');
    expect(await second.cache.checkEntry(key, 'decodes', test)).toBeUndefined();
    expect(test).toHaveBeenCalledTimes(1);
    expect(readImage).not.toHaveBeenCalled();
  });

  it('runs it again once the entry changed, and never remembers a failure', async () => {
    const { key, file, image } = await stored();
    const first = nextRun();
    await first.cache.checkEntry(key, 'decodes', decodes);
    await first.cache.saveIndex();
    await writeFile(file, image); // same bytes, a new state
    const failing = vi.fn(async () => 'does not decode');
    const second = nextRun();
    expect(await second.cache.checkEntry(key, 'decodes', failing)).toBe('does not decode');
    await second.cache.saveIndex();
    expect(await nextRun().cache.checkEntry(key, 'decodes', failing)).toBe('does not decode');
    expect(failing).toHaveBeenCalledTimes(2);
  });

  it('throws CacheCorrupt for an entry that fails verification, without running the check', async () => {
    const { key, file } = await stored();
    await writeFile(file, 'short');
    const test = vi.fn(async () => undefined);
    await expect(nextRun().cache.checkEntry(key, 'decodes', test)).rejects.toMatchObject({ code: 'CacheCorrupt' });
    expect(test).not.toHaveBeenCalled();
  });

  it('a hash verification does not stand for a check: status() leaves the check to run', async () => {
    const { key } = await stored();
    const test = vi.fn(async () => undefined);
    expect(await nextRun().cache.checkEntry(key, 'decodes', test)).toBeUndefined();
    expect(test).toHaveBeenCalledTimes(1);
  });
});

describe('VerifiedIndex checks', () => {
  it('keeps a check for the state it passed in, forgets it for a new state, and keeps it when the same state is set again', async () => {
    const key = randomKey();
    const index = new VerifiedIndex(indexFile);
    await index.set(key, 'state a', 'decodes');
    await index.set(key, 'state a');
    expect(await index.has(key, 'state a', 'decodes')).toBe(true);
    await index.set(key, 'state b');
    expect(await index.has(key, 'state b')).toBe(true);
    expect(await index.has(key, 'state b', 'decodes')).toBe(false);
    expect(await index.has(key, 'state a')).toBe(false);
  });

  it('saves a digest of each state with its checks, and reads them back', async () => {
    const key = randomKey();
    const index = new VerifiedIndex(indexFile);
    await index.set(
      key,
      `0.png:400:${'1'.repeat(19)}:${'2'.repeat(19)}:12345|meta.json:700:${'3'.repeat(19)}:${'4'.repeat(19)}:12346`,
      'decodes',
    );
    await index.save();
    const saved = JSON.parse(await readFile(indexFile, 'utf8')) as { version: number; entries: Record<string, string> };
    expect(saved.version).toBe(2);
    expect(saved.entries[key]).toMatch(/^[0-9a-f]{32} decodes$/);
    const reread = new VerifiedIndex(indexFile);
    expect(
      await reread.has(
        key,
        `0.png:400:${'1'.repeat(19)}:${'2'.repeat(19)}:12345|meta.json:700:${'3'.repeat(19)}:${'4'.repeat(19)}:12346`,
        'decodes',
      ),
    ).toBe(true);
  });

  it('reads an index of the first layout as empty', async () => {
    const key = randomKey();
    await mkdir(join(root, 'node_modules/.cache/genimage'), { recursive: true });
    await writeFile(indexFile, JSON.stringify({ version: 1, entries: { [key]: 'fingerprint' } }));
    expect(await new VerifiedIndex(indexFile).has(key, 'fingerprint')).toBe(false);
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
    expect(before).toMatch(/^0\.png:400:[\d.]+:[\d.]+:\d+\|meta\.json:/);
    await writeFile(file, image);
    expect(await store.fingerprint(key)).not.toBe(before);
    expect(await store.fingerprint(randomKey())).toBeUndefined();
    const linked = randomKey();
    await mkdir(join(root, 'elsewhere'));
    await symlink(join(root, 'elsewhere'), join(dir, linked));
    expect(await store.fingerprint(linked)).toBeUndefined();
  });
});
