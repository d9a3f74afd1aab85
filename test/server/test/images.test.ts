import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { dimensions, pixelSeed, renderPng } from '../src/images.ts';

describe('dimensions', () => {
  it.each([
    ['1:1', 1024, 1024, 1024],
    ['16:9', 1024, 1024, 576],
    ['9:16', 1024, 576, 1024],
    ['21:9', 1024, 1024, 439],
    ['2:3', 64, 43, 64],
    ['4:5', 2048, 1638, 2048],
  ] as const)('%s on a long edge of %i is %ix%i', (ratio, edge, width, height) => {
    expect(dimensions(ratio, edge)).toEqual({ width, height });
  });
});

describe('renderPng', () => {
  const seed = { model: 'm', prompt: 'a fox', seed: 7, index: 0 };

  it('renders a PNG of the requested size', async () => {
    const png = await renderPng(pixelSeed(seed), 40, 30);
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 40, 30]);
  });

  it('gives the same bytes for the same seed, and different ones for another index or seed', async () => {
    const first = await renderPng(pixelSeed(seed), 32, 32);
    expect((await renderPng(pixelSeed(seed), 32, 32)).equals(first)).toBe(true);
    expect((await renderPng(pixelSeed({ ...seed, index: 1 }), 32, 32)).equals(first)).toBe(false);
    expect((await renderPng(pixelSeed({ ...seed, seed: 8 }), 32, 32)).equals(first)).toBe(false);
  });

  it('draws random pixels for seed -1', () => {
    expect(pixelSeed({ ...seed, seed: -1 }).equals(pixelSeed({ ...seed, seed: -1 }))).toBe(false);
  });
});
