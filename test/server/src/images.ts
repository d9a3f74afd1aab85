/**
 * Fake but real images: PNGs made with sharp, sized like the hosted model's output, their pixels
 * derived from a sha256 of what the request asked for, so a fixed seed gives the same bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { AspectRatio, ImageSize } from './contract.ts';

export type LongEdges = Record<ImageSize, number>;

export const DEFAULT_LONG_EDGES: Readonly<LongEdges> = Object.freeze({ '1K': 1024, '2K': 2048, '4K': 4096 });

/** The aspect ratio applied to the long edge, rounded: 16:9 at 1024 is 1024x576. */
export function dimensions(aspectRatio: AspectRatio, longEdge: number): { width: number; height: number } {
  const [w = 1, h = 1] = aspectRatio.split(':').map(Number);
  if (w >= h) return { width: longEdge, height: Math.max(1, Math.round((longEdge * h) / w)) };
  return { width: Math.max(1, Math.round((longEdge * w) / h)), height: longEdge };
}

export interface ImageSeed {
  model: string;
  prompt: string;
  /** -1 for random pixels. */
  seed: number;
  /** Position in the response's `data`, so the n images of one request differ. */
  index: number;
}

/** 32 bytes that decide the pixels: a hash of the request for seed >= 0, random for seed -1. */
export function pixelSeed({ model, prompt, seed, index }: ImageSeed): Buffer {
  if (seed < 0) return randomBytes(32);
  return createHash('sha256')
    .update(JSON.stringify([model, prompt, seed, index]))
    .digest();
}

/**
 * A PNG of the given size: a 2x2 image of four hash-derived colours, stretched with linear
 * interpolation into a gradient. Cheap at any size, and visibly different per seed.
 */
export async function renderPng(seedBytes: Buffer, width: number, height: number): Promise<Buffer> {
  const corners = seedBytes.subarray(0, 12);
  return sharp(corners, { raw: { width: 2, height: 2, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .png({ compressionLevel: 3 })
    .toBuffer();
}
