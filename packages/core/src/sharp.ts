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
