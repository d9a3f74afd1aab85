import type sharpModule from 'sharp';

type Sharp = typeof sharpModule;
let loading: Promise<Sharp> | undefined;

/**
 * sharp, loaded on first use: its native module takes about 70 ms to load, which `scan`, `check`
 * and the start of `generate` (whose first request needs no image work) do not pay for.
 */
export function loadSharp(): Promise<Sharp> {
  loading ??= import('sharp').then((module) => module.default);
  return loading;
}

/** Twice the pixels of a 4K square: room for every size class the API offers, and no more. */
export const DEFAULT_MAX_PIXELS = 4096 * 4096 * 2;

/**
 * How genimage decodes an image it did not draw itself (an API answer, a cached original, a
 * bucket's copy): the same limits wherever it is decoded, so what `genimage check` accepts is what
 * a build can render. `failOn: 'error'` rejects truncated and corrupt pixel data but tolerates
 * mere warnings (an odd ICC profile, trailing bytes), which must not cost a paid image;
 * `limitInputPixels` refuses a decompression bomb from its header, before any pixel is decoded.
 */
export function decodeLimits(maxPixels: number = DEFAULT_MAX_PIXELS): { failOn: 'error'; limitInputPixels: number } {
  return { failOn: 'error', limitInputPixels: maxPixels };
}
