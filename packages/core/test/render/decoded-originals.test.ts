import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DecodedOriginals, SHARED_MAX_PIXELS } from '../../src/render/decoded-originals.ts';
import { encode } from '../../src/render/encode.ts';
import type { Variant } from '../../src/render/optimize.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'genimage-decoded-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Noise, so that every encoder has detail whose bytes could differ. */
async function noise(width: number, height: number, channels: 3 | 4): Promise<Buffer> {
  const data = Buffer.alloc(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + (i >> 5) * 104_729) % 251;
  return data;
}

async function file(name: string, image: Sharp): Promise<string> {
  const target = path.join(dir, name);
  await writeFile(target, await image.toBuffer());
  return target;
}

const VARIANTS: Variant[] = [
  { format: 'avif', width: 160, height: 90, quality: 50, effort: 2 },
  { format: 'webp', width: 120, height: 68, quality: 80 },
  { format: 'jpeg', width: 200, height: 113, quality: 80 },
  { format: 'png', width: 64, height: 36, quality: 80 },
  { format: 'webp', width: 50, height: 50, quality: 80, crop: 'centre' },
  { format: 'webp', width: 16, height: 9, quality: 50 },
];

describe('DecodedOriginals', () => {
  test.each([
    ['an RGB PNG', 3, {}],
    ['an RGBA PNG', 4, {}],
    ['a palette PNG', 4, { palette: true }],
  ] as const)('decodes %s once, and its variants are the bytes of decoding it for each', async (name, channels, options) => {
    const png = await file(
      `${name}.png`,
      sharp(await noise(256, 144, channels), { raw: { width: 256, height: 144, channels } }).png(options),
    );
    const originals = new DecodedOriginals();
    const pixels = originals.get(png, 'one');
    expect(originals.get(png, 'one')).toBe(pixels);
    const decoded = await pixels;
    expect(decoded).toMatchObject({ width: 256, height: 144 });
    for (const variant of VARIANTS) {
      const fromFile = await encode(png, variant);
      expect((await encode(decoded!, variant)).equals(fromFile), `${variant.format} ${variant.width}`).toBe(true);
    }
  });

  test('decodes the file again once it has another identity (it changed)', async () => {
    const png = await file('changed.png', sharp(await noise(64, 36, 3), { raw: { width: 64, height: 36, channels: 3 } }).png());
    const originals = new DecodedOriginals();
    const before = originals.get(png, 'before');
    expect(originals.get(png, 'after')).not.toBe(before);
  });

  test.each([
    ['a JPEG (it shrinks on load)', () => sharp({ create: { width: 64, height: 36, channels: 3, background: '#336699' } }).jpeg()],
    [
      'a 16-bit PNG',
      () =>
        sharp({ create: { width: 64, height: 36, channels: 3, background: '#336699' } })
          .toColourspace('rgb16')
          .png(),
    ],
    [
      'a PNG with a colour profile',
      () =>
        sharp({ create: { width: 64, height: 36, channels: 3, background: '#336699' } })
          .withIccProfile('p3')
          .png(),
    ],
    [
      'a grey PNG',
      () =>
        sharp({ create: { width: 64, height: 36, channels: 3, background: '#777777' } })
          .toColourspace('b-w')
          .png(),
    ],
  ])('leaves %s to be decoded for each variant', async (name, image) => {
    const original = await file(`${name}.img`, image());
    expect(await new DecodedOriginals().get(original, 'one')).toBeUndefined();
  });

  test('leaves originals above SHARED_MAX_PIXELS (4K) to be decoded for each variant', async () => {
    const side = Math.ceil(Math.sqrt(SHARED_MAX_PIXELS)) + 1;
    const large = await file('large.png', sharp({ create: { width: side, height: side, channels: 3, background: '#336699' } }).png());
    expect(await new DecodedOriginals().get(large, 'one')).toBeUndefined();
  });

  test('keeps the four originals used last', async () => {
    const originals = new DecodedOriginals();
    const files = await Promise.all(
      [0, 1, 2, 3, 4].map((n) =>
        file(`kept-${n}.png`, sharp({ create: { width: 8, height: 8, channels: 3, background: `#00000${n}` } }).png()),
      ),
    );
    const first = originals.get(files[0]!, 'x');
    const second = originals.get(files[1]!, 'x');
    for (const other of files.slice(2, 4)) originals.get(other, 'x');
    // Using the first again makes the second the oldest: the fifth pushes that one out.
    expect(originals.get(files[0]!, 'x')).toBe(first);
    originals.get(files[4]!, 'x');
    expect(originals.get(files[0]!, 'x')).toBe(first);
    expect(originals.get(files[1]!, 'x')).not.toBe(second);
  });

  test("a file sharp cannot read fails with sharp's message, and is not kept", async () => {
    const broken = path.join(dir, 'broken.png');
    await writeFile(broken, 'not an image');
    const originals = new DecodedOriginals();
    const first = originals.get(broken, 'one');
    await expect(first).rejects.toThrow(/unsupported image format/);
    expect(originals.get(broken, 'one')).not.toBe(first);
    await expect(originals.get(broken, 'one')).rejects.toThrow();
  });
});
