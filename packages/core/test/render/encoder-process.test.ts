import { readFileSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { sha256Hex } from '../../src/hash.ts';
import { encode } from '../../src/render/encode.ts';
import { EncoderProcess, EncoderProcesses, LARGE_PIXELS } from '../../src/render/encoder-process.ts';
import type { Variant, VariantSource } from '../../src/render/optimize.ts';

let dir: string;
let png: Buffer;
let encoder: EncoderProcess | EncoderProcesses;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'genimage-encoder-'));
  // Some texture, so that the encoders have work whose bytes could differ.
  const noise = Buffer.alloc(96 * 64 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
  png = await sharp(noise, { raw: { width: 96, height: 64, channels: 3 } })
    .png()
    .toBuffer();
  await writeFile(path.join(dir, '0.png'), png);
});
afterEach(() => encoder?.close());
afterAll(() => rm(dir, { recursive: true, force: true }));

const VARIANTS: Variant[] = [
  { format: 'avif', width: 48, height: 32, quality: 60, effort: 2 },
  { format: 'webp', width: 64, height: 43, quality: 70 },
  { format: 'jpeg', width: 32, height: 21, quality: 70 },
  { format: 'png', width: 24, height: 24, quality: 80, crop: 'centre' },
];

const NOT_FIRST = { first: false };

function fromFile(file = path.join(dir, '0.png'), size = png.byteLength): VariantSource {
  return {
    sha256: sha256Hex(png),
    bytes: () => Promise.reject(new Error('read from the file, not sent')),
    file: async () => ({ path: file, size, name: 'Image 0.png of entry .genimage/k' }),
  };
}

describe('EncoderProcess', () => {
  test('makes the bytes this process makes, in every format, from the file or from bytes sent', async () => {
    encoder = new EncoderProcess({ concurrency: 2 });
    for (const variant of VARIANTS) {
      const expected = await encode(png, variant);
      expect(Buffer.from(await encoder.encode(fromFile(), variant, NOT_FIRST)).equals(expected)).toBe(true);
      expect(Buffer.from(await encoder.encode({ sha256: sha256Hex(png), bytes: png }, variant, NOT_FIRST)).equals(expected)).toBe(true);
    }
    expect(encoder.pid).not.toBe(process.pid);
  });

  test('runs what it is sent `concurrency` at a time, placeholders first, and says when each starts', async () => {
    encoder = new EncoderProcess({ concurrency: 1 });
    const started: string[] = [];
    const source = { sha256: sha256Hex(png), bytes: png };
    // The first starts at once (while sharp loads in the child, the others arrive); the placeholder overtakes the second.
    const encodes = [
      encoder.encode(source, VARIANTS[0]!, { first: false, onStart: () => started.push('first sent') }),
      encoder.encode(source, VARIANTS[1]!, { first: false, onStart: () => started.push('second sent') }),
      encoder.encode(source, VARIANTS[2]!, { first: true, onStart: () => started.push('placeholder') }),
    ];
    await Promise.all(encodes);
    expect(started).toEqual(['first sent', 'placeholder', 'second sent']);
    expect([encoder.activeCount, encoder.pendingCount]).toEqual([0, 0]);
  });

  test('an original that does not match its size or sha256 is corrupt, named as the cache names it', async () => {
    encoder = new EncoderProcess({ concurrency: 2 });
    await expect(encoder.encode(fromFile(undefined, png.byteLength + 1), VARIANTS[1]!, NOT_FIRST)).rejects.toMatchObject({
      code: 'CacheCorrupt',
      message: 'Image 0.png of entry .genimage/k does not match its metadata (size or sha256).',
    });
  });

  test('a linked original is not followed', async () => {
    encoder = new EncoderProcess({ concurrency: 2 });
    const link = path.join(dir, 'linked.png');
    await symlink(path.join(dir, '0.png'), link);
    await expect(encoder.encode(fromFile(link), VARIANTS[1]!, NOT_FIRST)).rejects.toMatchObject({
      code: 'CacheCorrupt',
      message: expect.stringContaining('is a symbolic link; genimage never follows links in its cache'),
    });
  });

  test("sharp's failure comes back as it is", async () => {
    encoder = new EncoderProcess({ concurrency: 2 });
    const text = Buffer.from('not an image');
    await expect(encoder.encode({ sha256: sha256Hex(text), bytes: text }, VARIANTS[1]!, NOT_FIRST)).rejects.toThrow(
      /unsupported image format/,
    );
  });

  test('a child that dies fails what it had, saying how; the next encode starts another', async () => {
    encoder = new EncoderProcess({ concurrency: 2 });
    await encoder.encode(fromFile(), VARIANTS[1]!, NOT_FIRST);
    const first = encoder.pid!;
    const pending = encoder.encode(fromFile(), VARIANTS[0]!, NOT_FIRST);
    process.kill(first, 'SIGKILL');
    await expect(pending).rejects.toThrow('The encoder process was stopped by SIGKILL');
    await encoder.encode(fromFile(), VARIANTS[1]!, NOT_FIRST);
    expect(encoder.pid).not.toBe(first);
  });

  test('an idle child stops by itself', async () => {
    encoder = new EncoderProcess({ concurrency: 2, idleMs: 50 });
    await encoder.encode(fromFile(), VARIANTS[1]!, NOT_FIRST);
    const pid = encoder.pid!;
    await expect.poll(() => isRunning(pid), { timeout: 5000 }).toBe(false);
    expect(encoder.pid).toBeUndefined();
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('EncoderProcesses', () => {
  test("large originals go to a child started lean, the others to one with glibc's defaults; the bytes are the same", async () => {
    const processes = new EncoderProcesses({ concurrency: 2 });
    encoder = processes;
    const expected = await encode(png, VARIANTS[0]!);
    const small = await processes.encode({ ...fromFile(), pixels: 96 * 64 }, VARIANTS[0]!, NOT_FIRST);
    expect(processes.pids.large).toBeUndefined();
    const large = await processes.encode({ ...fromFile(), pixels: LARGE_PIXELS }, VARIANTS[0]!, NOT_FIRST);
    expect(Buffer.from(small).equals(expected) && Buffer.from(large).equals(expected)).toBe(true);
    const { normal, large: lean } = processes.pids;
    expect(environment(lean!)).toMatchObject({ MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '262144' });
    expect(environment(normal!).MALLOC_ARENA_MAX).toBe(process.env.MALLOC_ARENA_MAX);
  });
});

function environment(pid: number): Record<string, string> {
  const text = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(
    text
      .split('\0')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}
