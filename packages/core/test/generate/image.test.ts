import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { describe, expect, test } from 'vitest';
import { InvalidResponse, isGenImageError } from '../../src/errors.ts';
import { inspectImage } from '../../src/generate/image.ts';
import { DEFAULT_MAX_PIXELS } from '../../src/sharp.ts';

/** Pseudo-random pixels: they do not compress, so cutting the file cuts pixel data. */
function noise(width: number, height: number): Sharp {
  const pixels = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isGenImageError(error, InvalidResponse)).toBe(true);
  return error as Error;
}

/** A PNG whose header claims another size (the pixel data stays that of the original). */
function withClaimedSize(png: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(png);
  // Signature (8), IHDR length (4), "IHDR" (4), then width and height; the CRC covers type + data.
  copy.writeUInt32BE(width, 16);
  copy.writeUInt32BE(height, 20);
  copy.writeUInt32BE(crc32(copy.subarray(12, 29)), 29);
  return copy;
}

describe('inspectImage', () => {
  test.each(['png', 'jpeg', 'webp', 'gif', 'avif'] as const)('accepts a %s and reports its format and size', async (format) => {
    const bytes = await noise(64, 48).toFormat(format).toBuffer();
    expect(await inspectImage(bytes)).toEqual({ format, width: 64, height: 48 });
  });

  test('rejects a non-image and says what the data looks like, never quoting it', async () => {
    const page = await rejection(inspectImage(new TextEncoder().encode('<!DOCTYPE html><html>token sk-secret-1234</html>')));
    expect(page.message).toBe('the data is not a readable image (48 bytes of an HTML or XML page)');
    const json = await rejection(inspectImage(new TextEncoder().encode('{"error":"sk-secret-1234"}')));
    expect(json.message).toBe('the data is not a readable image (26 bytes of JSON text)');
    const binary = await rejection(inspectImage(new Uint8Array([0, 1, 2, 0xff, 0x73, 0x6b])));
    expect(binary.message).toBe('the data is not a readable image (6 bytes of binary data)');
  });

  test('rejects empty data', async () => {
    expect((await rejection(inspectImage(new Uint8Array()))).message).toContain('empty');
  });

  test('rejects a truncated png whose header is intact', async () => {
    const png = await noise(300, 200).png().toBuffer();
    const cut = png.subarray(0, Math.floor(png.length * 0.6));
    expect((await sharp(cut).metadata()).width).toBe(300);
    const error = await rejection(inspectImage(cut));
    expect(error.message).toMatch(/png image \(300×200, \d+ bytes\) could not be decoded/);
  });

  test('rejects a png cut in its last rows, and one with a flipped byte in the middle', async () => {
    const png = await noise(300, 200).png().toBuffer();
    const nearlyComplete = png.subarray(0, png.length - 200);
    expect((await rejection(inspectImage(nearlyComplete))).message).toContain('could not be decoded');
    const flipped = Buffer.from(png);
    flipped[Math.floor(png.length / 2)]! ^= 0xff;
    expect((await rejection(inspectImage(flipped))).message).toContain('could not be decoded');
  });

  test.each(['webp', 'avif'] as const)('rejects a truncated %s', async (format) => {
    const bytes = await noise(300, 200).toFormat(format).toBuffer();
    const error = await rejection(inspectImage(bytes.subarray(0, Math.floor(bytes.length * 0.8))));
    expect(error.message).toMatch(/could not be decoded|not a readable image/);
  });

  test('rejects a truncated jpeg', async () => {
    const jpeg = await noise(300, 200).jpeg().toBuffer();
    const error = await rejection(inspectImage(jpeg.subarray(0, Math.floor(jpeg.length * 0.6))));
    expect(error.message).toContain('truncated or corrupt');
  });

  test('rejects an image above maxPixels and says how large it is', async () => {
    const png = await noise(100, 50).png().toBuffer();
    const error = await rejection(inspectImage(png, { maxPixels: 4999 }));
    expect(error.message).toContain('100×50 (5000 pixels), above the limit of 4999 pixels');
    await expect(inspectImage(png, { maxPixels: 5000 })).resolves.toMatchObject({ width: 100 });
  });

  test('rejects by default a header claiming more than 4096×4096×2 pixels, before decoding', async () => {
    expect(DEFAULT_MAX_PIXELS).toBe(4096 * 4096 * 2);
    const png = await noise(16, 16).png().toBuffer();
    const error = await rejection(inspectImage(withClaimedSize(png, 8192, 4097)));
    expect(error.message).toContain('8192×4097');
  });

  test('rejects a format genimage does not accept', async () => {
    const tiff = await noise(16, 16).tiff().toBuffer();
    expect((await rejection(inspectImage(tiff))).message).toContain('unsupported format (tiff)');
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    expect((await rejection(inspectImage(svg))).message).toContain('unsupported format (svg)');
  });
});
