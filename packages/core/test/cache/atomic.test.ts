import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/cache/atomic.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'genimage-atomic-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes bytes to a new file', async () => {
    const path = join(dir, 'a.bin');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect(new Uint8Array(await readFile(path))).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('writes a string as UTF-8', async () => {
    const path = join(dir, 'a.txt');
    await writeFileAtomic(path, 'renard roux 🦊\n');
    expect(await readFile(path, 'utf8')).toBe('renard roux 🦊\n');
  });

  it('replaces an existing file', async () => {
    const path = join(dir, 'a.txt');
    await writeFile(path, 'old content that is longer than the new one');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
  });

  it('leaves no temp file behind after a successful write', async () => {
    await writeFileAtomic(join(dir, 'a.txt'), 'x');
    expect(await readdir(dir)).toEqual(['a.txt']);
  });

  it('asks beforeRename last, with the new bytes already on disk: its refusal leaves the file as it was and no temp file', async () => {
    const path = join(dir, 'page.astro');
    await writeFile(path, 'as the author saved it');
    let tempSeen: string[] = [];
    const refusal = writeFileAtomic(path, 'seed written', {
      beforeRename: async () => {
        tempSeen = (await readdir(dir)).filter((name) => name.includes('.tmp-'));
        throw new Error('edited meanwhile');
      },
    });
    await expect(refusal).rejects.toThrow('edited meanwhile');
    expect(tempSeen).toHaveLength(1);
    expect(await readFile(path, 'utf8')).toBe('as the author saved it');
    expect(await readdir(dir)).toEqual(['page.astro']);
  });

  it('removes its temp file and rejects when the rename fails', async () => {
    // Renaming a file over a directory fails after the temp file was written and synced.
    const target = join(dir, 'taken');
    await mkdir(target);
    await writeFile(join(target, 'inside'), '');
    await expect(writeFileAtomic(target, 'x')).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    expect(await readdir(dir)).toEqual(['taken']);
  });

  it('rejects and creates nothing when the directory does not exist', async () => {
    await expect(writeFileAtomic(join(dir, 'missing', 'a.txt'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('leaves one complete version when writers race on the same file', async () => {
    const path = join(dir, 'a.txt');
    const versions = Array.from({ length: 20 }, (_, index) => `version ${index} `.repeat(10_000));
    await Promise.all(versions.map((version) => writeFileAtomic(path, version)));
    expect(versions).toContain(await readFile(path, 'utf8'));
    expect(await readdir(dir)).toEqual(['a.txt']);
  });
});
