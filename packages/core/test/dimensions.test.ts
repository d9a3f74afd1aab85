import { describe, expect, test } from 'vitest';
import { dimensionsFor, LONG_EDGE } from '../src/dimensions.ts';
import { ASPECT_RATIOS, IMAGE_SIZES } from '../src/params.ts';

describe('dimensionsFor', () => {
  test('LONG_EDGE is 1024, 2048 and 4096 for 1K, 2K and 4K', () => {
    expect(LONG_EDGE).toEqual({ '1K': 1024, '2K': 2048, '4K': 4096 });
  });

  test.each([
    ['1:1', '1K', 1024, 1024],
    ['16:9', '1K', 1024, 576],
    ['9:16', '2K', 1152, 2048],
    ['2:3', '2K', 1365, 2048],
    ['21:9', '1K', 1024, 439],
    ['4:5', '4K', 3277, 4096],
    ['3:2', '4K', 4096, 2731],
  ] as const)('%s at %s is %i×%i', (ratio, size, width, height) => {
    expect(dimensionsFor(ratio, size)).toEqual({ width, height });
  });

  test('every ratio and size has the class long edge and integer sides close to the ratio', () => {
    for (const ratio of ASPECT_RATIOS) {
      const [w, h] = ratio.split(':').map(Number) as [number, number];
      for (const size of IMAGE_SIZES) {
        const { width, height } = dimensionsFor(ratio, size);
        expect(Math.max(width, height)).toBe(LONG_EDGE[size]);
        expect(Number.isInteger(width) && Number.isInteger(height)).toBe(true);
        // Rounding the short edge moves it by at most half a pixel.
        expect(Math.abs(width * h - height * w)).toBeLessThanOrEqual(Math.max(w, h) / 2);
      }
    }
  });

  test('a custom long edge replaces the class long edge', () => {
    expect(dimensionsFor('16:9', '4K', 320)).toEqual({ width: 320, height: 180 });
  });
});
