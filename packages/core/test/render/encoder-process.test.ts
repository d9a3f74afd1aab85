import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { sha256Hex } from '../../src/hash.ts';
import { encode } from '../../src/render/encode.ts';
import { EncoderProcess } from '../../src/render/encoder-process.ts';
import type { Variant, VariantSource } from '../../src/render/optimize.ts';

let dir: string;
let png: Buffer;
let encoder: EncoderProcess;
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

function fromFile(file = path.join(dir, '0.png'), size = png.byteLength): VariantSource {
  return {
    sha256: sha256Hex(png),
    bytes: () => Promise.reject(new Error('read from the file, not sent')),
    file: async () => ({ path: file, size, name: 'Image 0.png of entry .genimage/k' }),
  };
}

describe('EncoderProcess', () => {
  test('makes the bytes this process makes, in every format, from the file or from bytes sent', async () => {
    encoder = new EncoderProcess();
    for (const variant of VARIANTS) {
      const expected = await encode(png, variant);
      expect(Buffer.from(await encoder.encode(fromFile(), variant)).equals(expected)).toBe(true);
      expect(Buffer.from(await encoder.encode({ sha256: sha256Hex(png), bytes: png }, variant)).equals(expected)).toBe(true);
    }
    expect(encoder.pid).not.toBe(process.pid);
  });

  test('an original that does not match its size or sha256 is corrupt, named as the cache names it', async () => {
    encoder = new EncoderProcess();
    await expect(encoder.encode(fromFile(undefined, png.byteLength + 1), VARIANTS[1]!)).rejects.toMatchObject({
      code: 'CacheCorrupt',
      message: 'Image 0.png of entry .genimage/k does not match its metadata (size or sha256).',
    });
  });

  test('a linked original is not followed', async () => {
    encoder = new EncoderProcess();
    const link = path.join(dir, 'linked.png');
    await symlink(path.join(dir, '0.png'), link);
    await expect(encoder.encode(fromFile(link), VARIANTS[1]!)).rejects.toMatchObject({
      code: 'CacheCorrupt',
      message: expect.stringContaining('is a symbolic link; genimage never follows links in its cache'),
    });
  });

  test("sharp's failure comes back as it is", async () => {
    encoder = new EncoderProcess();
    const text = Buffer.from('not an image');
    await expect(encoder.encode({ sha256: sha256Hex(text), bytes: text }, VARIANTS[1]!)).rejects.toThrow(/unsupported image format/);
  });

  test('a child that dies fails what it had, saying how; the next encode starts another', async () => {
    encoder = new EncoderProcess();
    await encoder.encode(fromFile(), VARIANTS[1]!);
    const first = encoder.pid!;
    const pending = encoder.encode(fromFile(), VARIANTS[0]!);
    process.kill(first, 'SIGKILL');
    await expect(pending).rejects.toThrow('The encoder process was stopped by SIGKILL');
    await encoder.encode(fromFile(), VARIANTS[1]!);
    expect(encoder.pid).not.toBe(first);
  });

  test('an idle child stops by itself', async () => {
    encoder = new EncoderProcess({ idleMs: 50 });
    await encoder.encode(fromFile(), VARIANTS[1]!);
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
