import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import { access, cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ImageCache } from '../../src/cache/cache.ts';
import { CacheCorrupt, CacheLockTimeout, CacheDirLinked, GenImageError } from '../../src/errors.ts';
import { FileSystemStore } from '../../src/cache/fs-store.ts';
import type { Logger } from '../../src/logger.ts';
import type { CacheEntryMeta } from '../../src/cache/store.ts';
import { keyedMeta, metaFor, randomKey } from '../fixtures/entry.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const KEY = 'a'.repeat(64);

let dir: string;
let store: FileSystemStore;
const children = new Set<ChildProcess>();

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'genimage-fs-store-')), '.genimage');
  store = new FileSystemStore(dir);
});

afterEach(async () => {
  for (const child of children) await kill(child);
  children.clear();
  await rm(join(dir, '..'), { recursive: true, force: true });
});

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function corruptError(message: RegExp): unknown {
  return expect.objectContaining({ code: CacheCorrupt.code, message: expect.stringMatching(message) });
}

/** Runs a script of test/fixtures in its own Node process and follows its stdout lines. */
function spawnFixture(script: string, args: string[]) {
  const child = spawn(process.execPath, [join(FIXTURES, script), ...args], { stdio: 'pipe' });
  children.add(child);
  const lines: string[] = [];
  let stderr = '';
  let pending = '';
  const listeners = new Set<() => void>();
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (pending + chunk.toString()).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
    for (const listener of listeners) listener();
  });
  return {
    child,
    /** Resolves once `count` stdout lines matched `pattern`; rejects if the process ends first. */
    waitFor(pattern: RegExp, count = 1): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (lines.filter((line) => pattern.test(line)).length < count) return;
          cleanup();
          resolve();
        };
        const onExit = (code: number | null, signal: string | null) => {
          cleanup();
          reject(new Error(`${script} exited (${code ?? signal}) before printing ${pattern}:\n${stderr}`));
        };
        const cleanup = () => {
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.on('exit', onExit);
        check();
      });
    },
  };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

function bytes(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

/** A valid entry (its metadata hashes to its key); `prompt` decides the key with the number of images. */
async function writeEntry(images = [bytes(100), bytes(200)], prompt?: string) {
  const meta = keyedMeta(images, prompt);
  await store.write(meta, images);
  return { key: meta.key, meta, images };
}

describe('FileSystemStore: entries', () => {
  it('reads back the metadata and images it wrote', async () => {
    const { key, meta, images } = await writeEntry();
    expect(await store.readMeta(key)).toEqual(meta);
    expect(await store.readImage(key, '0.png')).toEqual(images[0]);
    expect(await store.readImage(key, '1.png')).toEqual(images[1]);
  });

  it("digests an image's size and sha256 without returning its bytes, and says where it lies", async () => {
    const { key, meta } = await writeEntry();
    expect(await store.imageDigest(key, '1.png')).toEqual({ bytes: meta.images[1]!.bytes, sha256: meta.images[1]!.sha256 });
    expect(await store.imageFile(key, '1.png')).toBe(join(dir, key, '1.png'));
  });

  it('lays an entry out as <dir>/<key>/meta.json and the named image files', async () => {
    const { key } = await writeEntry();
    expect((await readdir(join(dir, key))).sort()).toEqual(['0.png', '1.png', 'meta.json']);
  });

  it('writes meta.json pretty-printed, in a fixed key order, with a trailing newline', async () => {
    const image = new TextEncoder().encode('png bytes');
    const base = metaFor(KEY, [image]);
    const [described] = base.images;
    // Built in a scrambled key order, with an extra key that is not part of the format.
    const meta = {
      images: [{ format: 'png', height: 768, width: 1024, bytes: described!.bytes, sha256: described!.sha256, file: '0.png' }],
      credit: 0.04,
      usage: { totalTokens: 30, outputTokens: 20, inputTokens: 10 },
      created: '2026-11-01T12:00:00.000Z',
      params: {
        references: [{ sha256: 'b'.repeat(64), source: 'https://example.com/ref.png' }],
        aspectRatio: '4:3',
        imageSize: '1K',
        n: 1,
        seed: 42,
      },
      prompt: 'a red fox in the snow',
      model: 'test/model',
      provider: 'local',
      key: KEY,
      version: 1,
      unknown: 'dropped',
    } as CacheEntryMeta;
    await store.write(meta, [image]);
    expect(await readFile(join(dir, KEY, 'meta.json'), 'utf8')).toBe(`{
  "version": 1,
  "key": "${KEY}",
  "provider": "local",
  "model": "test/model",
  "prompt": "a red fox in the snow",
  "params": {
    "seed": 42,
    "n": 1,
    "imageSize": "1K",
    "aspectRatio": "4:3",
    "references": [
      {
        "source": "https://example.com/ref.png",
        "sha256": "${'b'.repeat(64)}"
      }
    ]
  },
  "created": "2026-11-01T12:00:00.000Z",
  "usage": {
    "inputTokens": 10,
    "outputTokens": 20,
    "totalTokens": 30
  },
  "credit": 0.04,
  "images": [
    {
      "file": "0.png",
      "sha256": "${described!.sha256}",
      "bytes": 9,
      "width": 1024,
      "height": 768,
      "format": "png"
    }
  ]
}
`);
  });

  it('writes a .gitignore for locks and temp files on the first write', async () => {
    await writeEntry();
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toMatch(/^\.locks\/$[\s\S]*^\*\.tmp-\*$/m);
  });

  it('keeps a .gitignore the user edited', async () => {
    await writeEntry();
    await writeFile(join(dir, '.gitignore'), 'mine\n');
    store = new FileSystemStore(dir);
    await writeEntry();
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('mine\n');
  });

  it('replaces an entry written again under the same key', async () => {
    const { key, meta } = await writeEntry();
    const next = await writeEntry([bytes(50), bytes(60)], meta.prompt);
    expect(await store.readMeta(key)).toEqual(next.meta);
    expect(await store.readImage(key, '0.png')).toEqual(next.images[0]);
  });

  it('refuses to write a number of images that differs from the metadata', async () => {
    const meta = metaFor(KEY, [bytes(10), bytes(10)]);
    await expect(store.write(meta, [bytes(10)])).rejects.toThrow(/Expected 2 images/);
    expect(await exists(join(dir, KEY))).toBe(false);
  });

  it('refuses to write metadata whose image file names leave the entry', async () => {
    const image = bytes(10);
    const meta = metaFor(KEY, [image]);
    meta.images[0]!.file = '../escape.png';
    await expect(store.write(meta, [image])).rejects.toThrow(/images\.0\.file: must be a plain file name/);
    expect(await exists(join(dir, 'escape.png'))).toBe(false);
  });

  it('returns undefined for an entry that does not exist', async () => {
    expect(await store.readMeta(KEY)).toBeUndefined();
  });

  it('returns undefined for an entry without meta.json', async () => {
    await mkdir(join(dir, KEY), { recursive: true });
    await writeFile(join(dir, KEY, '0.png'), 'image');
    expect(await store.readMeta(KEY)).toBeUndefined();
  });

  it('lists the keys of complete entries, sorted', async () => {
    const keys: string[] = [];
    for (let count = 0; count < 3; count++) keys.push((await writeEntry()).key);
    expect(await store.keys()).toEqual(keys.sort());
  });

  it('lists no keys when the folder does not exist', async () => {
    expect(await store.keys()).toEqual([]);
  });

  it('leaves entries without meta.json, .locks and stray files out of keys()', async () => {
    const { key } = await writeEntry();
    const incomplete = randomKey();
    await mkdir(join(dir, incomplete));
    await writeFile(join(dir, incomplete, '0.png'), 'image');
    await writeFile(join(dir, incomplete, 'meta.json.tmp-1-abc'), '{');
    await mkdir(join(dir, '.locks', `${key}.lock`), { recursive: true });
    await mkdir(join(dir, 'not-a-key'));
    await writeFile(join(dir, 'not-a-key', 'meta.json'), '{}');
    await writeFile(join(dir, 'b'.repeat(64)), 'a file, not a folder');
    expect(await store.keys()).toEqual([key]);
  });

  it('deletes an entry and nothing else', async () => {
    const first = await writeEntry();
    const second = await writeEntry();
    await store.delete(first.key);
    expect(await exists(join(dir, first.key))).toBe(false);
    expect(await store.keys()).toEqual([second.key]);
  });

  it('deletes a missing entry without error', async () => {
    await expect(store.delete(KEY)).resolves.toBeUndefined();
  });
});

describe('FileSystemStore: untrusted input', () => {
  it.each(['../x', '..', 'A'.repeat(64), 'a'.repeat(63), `${'a'.repeat(64)}/..`, 'g'.repeat(64), ''])(
    'refuses the key %j everywhere',
    async (key) => {
      await expect(store.readMeta(key)).rejects.toThrow(TypeError);
      await expect(store.readImage(key, '0.png')).rejects.toThrow(TypeError);
      await expect(store.write({ ...metaFor(KEY, [bytes(1)]), key }, [bytes(1)])).rejects.toThrow(TypeError);
      await expect(store.delete(key)).rejects.toThrow(TypeError);
      await expect(store.lock(key)).rejects.toThrow(TypeError);
      expect(await exists(dir)).toBe(false);
    },
  );

  it.each(['../meta.json', '..', '.', 'a/b.png', 'a\\b.png', ''])('refuses to read the image file %j', async (file) => {
    const { key } = await writeEntry();
    await expect(store.readImage(key, file)).rejects.toThrow(/Expected a plain file name/);
  });

  it('reports a truncated meta.json as CacheCorrupt naming the file', async () => {
    const { key } = await writeEntry();
    const path = join(dir, key, 'meta.json');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, text.length / 2));
    await expect(store.readMeta(key)).rejects.toEqual(corruptError(/meta\.json is not valid JSON/));
    await expect(store.readMeta(key)).rejects.toBeInstanceOf(GenImageError);
  });

  it('reports a meta.json of the wrong shape as CacheCorrupt naming what is wrong', async () => {
    const { key } = await writeEntry();
    const path = join(dir, key, 'meta.json');
    const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, JSON.stringify({ ...json, version: 2, images: [{ file: '0.png' }] }));
    const error = await store.readMeta(key).catch((caught: unknown) => caught);
    expect(error).toEqual(corruptError(/meta\.json is not valid cache metadata/));
    expect((error as Error).message).toMatch(/version: /);
    expect((error as Error).message).toMatch(/images\.0\.sha256: /);
  });

  it('reports a meta.json that does not hash to its key (another request filed under this key) as CacheCorrupt', async () => {
    const { key, meta } = await writeEntry([bytes(10)]);
    await writeFile(join(dir, key, 'meta.json'), JSON.stringify({ ...meta, prompt: 'another marker' }));
    await expect(store.readMeta(key)).rejects.toEqual(corruptError(/meta\.json does not hash to its key: its provider, model, prompt/));
    expect(await store.inspect(key)).toMatchObject({ own: false, reason: expect.stringContaining('does not hash to its key') });
  });

  it('reports a meta.json with fewer images than params.n, or an image over the size cap, as CacheCorrupt', async () => {
    const { key, meta } = await writeEntry([bytes(10)]);
    const path = join(dir, key, 'meta.json');
    await writeFile(path, JSON.stringify({ ...meta, params: { ...meta.params, n: 4 } }));
    await expect(store.readMeta(key)).rejects.toEqual(corruptError(/images: must hold as many images as params\.n/));
    await writeFile(path, JSON.stringify({ ...meta, images: [{ ...meta.images[0], bytes: 1e12 }] }));
    await expect(store.readMeta(key)).rejects.toEqual(corruptError(/images\.0\.bytes: must be at most 67108864/));
  });

  it('reports a meta.json that lies in the folder of another key as CacheCorrupt', async () => {
    const { meta } = await writeEntry();
    await mkdir(join(dir, KEY));
    await writeFile(join(dir, KEY, 'meta.json'), JSON.stringify(meta));
    await expect(store.readMeta(KEY)).rejects.toEqual(corruptError(new RegExp(`belongs to key ${meta.key}`)));
  });
});

describe('FileSystemStore: symbolic links', () => {
  let outside: string;
  beforeEach(async () => {
    outside = await mkdtemp(join(tmpdir(), 'genimage-outside-'));
  });
  afterEach(() => rm(outside, { recursive: true, force: true }));

  /** A complete entry outside the cache, linked in under its key: what a link committed by mistake (or malice) looks like. */
  async function linkedEntry() {
    const { key, meta, images } = await writeEntry();
    await cp(join(dir, key), join(outside, key), { recursive: true });
    await rm(join(dir, key), { recursive: true });
    await symlink(join(outside, key), join(dir, key), 'dir');
    return { key, meta, images };
  }

  /** Every file and folder under `folder`, with each file's contents. */
  async function snapshot(folder: string): Promise<Record<string, string>> {
    const names = (await readdir(folder, { recursive: true })).sort();
    const read = async (name: string) =>
      (await lstat(join(folder, name))).isDirectory() ? 'folder' : (await readFile(join(folder, name))).toString('hex');
    return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await read(name)] as const)));
  }

  it('reports a linked entry folder as corrupt, saying it is a symbolic link, and never reads through it', async () => {
    const { key } = await linkedEntry();
    await expect(store.readMeta(key)).rejects.toEqual(
      corruptError(/is a symbolic link \(to .*genimage-outside-.*\), not a folder genimage wrote/),
    );
    await expect(store.readImage(key, '0.png')).rejects.toThrow(/is a symbolic link/);
    const cache = new ImageCache(store);
    expect(await cache.status(key)).toBe('corrupt');
    await expect(cache.get(key)).rejects.toEqual(corruptError(/symbolic link/));
  });

  it('reports a linked image file with matching metadata as corrupt, never serving it', async () => {
    const { key, images } = await writeEntry();
    await writeFile(join(outside, 'image.png'), images[0]!);
    await rm(join(dir, key, '0.png'));
    await symlink(join(outside, 'image.png'), join(dir, key, '0.png'));
    await expect(store.readImage(key, '0.png')).rejects.toThrow(/0\.png is a symbolic link/);
    await expect(store.imageDigest(key, '0.png')).rejects.toThrow(/0\.png is a symbolic link/);
    const cache = new ImageCache(store);
    expect(await cache.status(key)).toBe('corrupt');
    await expect(cache.get(key)).rejects.toEqual(corruptError(/Image 0\.png of entry .* could not be read: .*is a symbolic link/));
  });

  it('reports a linked meta.json as corrupt', async () => {
    const { key } = await writeEntry();
    await cp(join(dir, key, 'meta.json'), join(outside, 'meta.json'));
    await rm(join(dir, key, 'meta.json'));
    await symlink(join(outside, 'meta.json'), join(dir, key, 'meta.json'));
    await expect(store.readMeta(key)).rejects.toEqual(corruptError(/meta\.json is a symbolic link/));
  });

  it('leaves linked entry folders, and entries whose meta.json is a link, out of keys()', async () => {
    const real = await writeEntry();
    await linkedEntry();
    const linkedMeta = await writeEntry();
    await rm(join(dir, linkedMeta.key, 'meta.json'));
    await symlink(join(dir, real.key, 'meta.json'), join(dir, linkedMeta.key, 'meta.json'));
    expect(await store.keys()).toEqual([real.key]);
  });

  it('writes over a linked entry folder by replacing the link with a real folder, its target untouched', async () => {
    const { key } = await linkedEntry();
    const before = await snapshot(join(outside, key));
    const image = bytes(30);
    const another = keyedMeta([image], 'another');
    await store.write(another, [image]);
    expect(await snapshot(join(outside, key))).toEqual(before);
    expect((await lstat(join(dir, another.key))).isDirectory()).toBe(true);
    expect((await store.readMeta(another.key))?.prompt).toBe('another');
  });

  it('writes over a dangling link or a file in place of the entry folder, creating nothing where the link pointed', async () => {
    const { key, meta, images } = await writeEntry();
    await rm(join(dir, key), { recursive: true });
    await symlink(join(outside, 'not-yet'), join(dir, key), 'dir');
    await store.write(meta, images);
    expect(await readdir(outside)).toEqual([]);
    expect(await store.readMeta(key)).toEqual(meta);
    await rm(join(dir, key), { recursive: true });
    await writeFile(join(dir, key), 'a file');
    await expect(store.readMeta(key)).rejects.toEqual(corruptError(/is not a folder/));
    await store.write(meta, images);
    expect(await store.readMeta(key)).toEqual(meta);
  });

  it('replaces a linked image file in a real entry folder without writing to its target', async () => {
    const { key, meta, images } = await writeEntry();
    await writeFile(join(outside, 'image.png'), 'precious');
    await rm(join(dir, key, '0.png'));
    await symlink(join(outside, 'image.png'), join(dir, key, '0.png'));
    await store.write(meta, images);
    expect(await readFile(join(outside, 'image.png'), 'utf8')).toBe('precious');
    expect((await lstat(join(dir, key, '0.png'))).isFile()).toBe(true);
    await expect(new ImageCache(store).get(key)).resolves.toBeDefined();
  });

  it('refuses a cache folder that is itself a symbolic link, for every read and write, saying why', async () => {
    const { key, meta, images } = await writeEntry();
    await cp(dir, join(outside, 'cache'), { recursive: true });
    await rm(dir, { recursive: true });
    await symlink(join(outside, 'cache'), dir, 'dir');
    const before = await snapshot(join(outside, 'cache'));
    const refused = expect.objectContaining({
      code: CacheDirLinked.code,
      message: expect.stringMatching(
        /The cache folder .* is a symbolic link \(to .*\)\. genimage does not use a cache folder that is a link/,
      ),
    });
    await expect(store.readMeta(key)).rejects.toEqual(refused);
    await expect(store.readImage(key, '0.png')).rejects.toEqual(refused);
    await expect(store.keys()).rejects.toEqual(refused);
    await expect(store.inspectAll()).rejects.toEqual(refused);
    await expect(store.write(meta, images)).rejects.toEqual(refused);
    await expect(store.write(metaFor(KEY, images), images)).rejects.toEqual(refused);
    await expect(store.lock(key)).rejects.toEqual(refused);
    await expect(store.delete(key)).rejects.toEqual(refused);
    expect(await snapshot(join(outside, 'cache'))).toEqual(before);
  });

  it('replaces a linked .locks folder with a real one, never locking in its target', async () => {
    await writeEntry();
    await symlink(outside, join(dir, '.locks'), 'dir');
    const release = await store.lock(KEY);
    expect((await lstat(join(dir, '.locks'))).isDirectory()).toBe(true);
    expect(await exists(join(dir, '.locks', `${KEY}.lock`))).toBe(true);
    expect(await readdir(outside)).toEqual([]);
    await release();
  });
});

describe('FileSystemStore: locks', () => {
  it('rejects a lockStaleMs below what proper-lockfile honours', () => {
    expect(() => new FileSystemStore(dir, { lockStaleMs: 500 })).toThrow(/`lockStaleMs`/);
  });

  it('holds a lock in <dir>/.locks/<key>.lock until it is released', async () => {
    const release = await store.lock(KEY);
    expect((await stat(join(dir, '.locks', `${KEY}.lock`))).isDirectory()).toBe(true);
    await release();
    expect(await exists(join(dir, '.locks', `${KEY}.lock`))).toBe(false);
  });

  it('writes the .gitignore before the first lock file', async () => {
    await (await store.lock(KEY))();
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toContain('.locks/');
  });

  it('ignores a second release', async () => {
    const release = await store.lock(KEY);
    await release();
    await expect(release()).resolves.toBeUndefined();
  });

  it('makes a second locker wait until the holder releases', async () => {
    const release = await store.lock(KEY);
    let acquired = false;
    const second = new FileSystemStore(dir).lock(KEY).then((releaseSecond) => {
      acquired = true;
      return releaseSecond;
    });
    await sleep(200);
    expect(acquired).toBe(false);
    await release();
    await (await second)();
    expect(acquired).toBe(true);
  });

  it('does not block other keys', async () => {
    const release = await store.lock(KEY);
    const impatient = new FileSystemStore(dir, { lockWaitMs: 0 });
    // Waiting no time at all, a lock on the held key fails; one on another key is taken at once.
    await expect(impatient.lock(KEY)).rejects.toMatchObject({ code: CacheLockTimeout.code });
    const other = await impatient.lock('b'.repeat(64));
    expect(await exists(join(dir, '.locks', `${'b'.repeat(64)}.lock`))).toBe(true);
    await other();
    await release();
  });

  it('reports a compromised lock to the logger instead of crashing', async () => {
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} };
    const release = await new FileSystemStore(dir, { lockStaleMs: 2000, logger }).lock(KEY);
    await rm(join(dir, '.locks', `${KEY}.lock`), { recursive: true });
    await vi.waitFor(() => expect(warnings).toEqual([expect.stringMatching(/The lock on cache entry .* was lost/)]), {
      timeout: 5000,
      interval: 100,
    });
    await expect(release()).resolves.toBeUndefined();
  });

  it('never lets two processes hold the same lock at once', async () => {
    const log = join(dir, '..', 'lock.log');
    const rounds = 8;
    const lockers = [0, 1].map(() => spawnFixture('fs-store-locker.ts', [dir, KEY, 'contend', log, String(rounds)]));
    await Promise.all(lockers.map((locker) => locker.waitFor(/^ready$/)));
    for (const locker of lockers) locker.child.stdin?.write('go\n');
    await Promise.all(lockers.map((locker) => locker.waitFor(/^done$/)));
    const lines = (await readFile(log, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(2 * 2 * rounds);
    for (let index = 0; index < lines.length; index += 2) {
      const pid = lines[index]!.replace(/^start /, '');
      expect([lines[index], lines[index + 1]]).toEqual([`start ${pid}`, `end ${pid}`]);
    }
    const pids = new Set(lines.map((line) => line.split(' ')[1]));
    expect(pids.size).toBe(2);
  });

  it('throws CacheLockTimeout when a live process holds the lock longer than lockWaitMs', async () => {
    const holder = spawnFixture('fs-store-locker.ts', [dir, KEY, 'hold']);
    await holder.waitFor(/^locked$/);
    const waiter = new FileSystemStore(dir, { lockStaleMs: 2000, lockWaitMs: 300 });
    await expect(waiter.lock(KEY)).rejects.toEqual(
      expect.objectContaining({ code: CacheLockTimeout.code, message: expect.stringContaining(KEY) }),
    );
  });

  it('takes over the lock of a SIGKILLed holder once it is stale', async () => {
    const holder = spawnFixture('fs-store-locker.ts', [dir, KEY, 'hold']);
    await holder.waitFor(/^locked$/);
    await kill(holder.child);
    // The dead holder's lock is still there: only its staleness can free it.
    expect(await exists(join(dir, '.locks', `${KEY}.lock`))).toBe(true);
    const said: string[] = [];
    const logger = { debug: () => {}, info: (message: string) => void said.push(message), warn: () => {}, error: () => {} };
    const release = await new FileSystemStore(dir, { lockStaleMs: 2000, logger }).lock(KEY);
    await release();
    expect(await exists(join(dir, '.locks', `${KEY}.lock`))).toBe(false);
    // The wait is said once, with how long it may last, rather than looking stuck.
    expect(said).toEqual([
      `Waiting for the lock on cache entry ${KEY}: another process holds it (a lock left by a killed process is reclaimed after 2 s).`,
    ]);
  });
});

describe('FileSystemStore: atomicity', () => {
  it.each([1, 2, 3])('never reports an entry that fails verification after its writer is SIGKILLed (run %i)', async () => {
    const cache = new ImageCache(store);
    for (let kills = 0; kills < 4; kills++) {
      const writer = spawnFixture('fs-store-writer.ts', [dir, String(768 * 1024)]);
      await writer.waitFor(/^wrote /, 1 + randomInt(3));
      await sleep(randomInt(20));
      await kill(writer.child);

      const keys = await store.keys();
      for (const key of keys) {
        await expect(cache.get(key)).resolves.toBeDefined();
      }
      const folders = (await readdir(dir)).filter((name) => /^[0-9a-f]{64}$/.test(name));
      for (const folder of folders) {
        expect(keys.includes(folder)).toBe(await exists(join(dir, folder, 'meta.json')));
      }
    }
    expect(cache.hits).toBeGreaterThan(0);
    expect(cache.corrupt).toBe(0);
  });
});
