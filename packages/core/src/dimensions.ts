import type { AspectRatio, ImageSize } from './params.ts';

/** The long edge, in pixels, of each size class. */
export const LONG_EDGE: Readonly<Record<ImageSize, number>> = { '1K': 1024, '2K': 2048, '4K': 4096 };

export interface Dimensions {
  width: number;
  height: number;
}

/**
 * The pixel size of an image of `aspectRatio` in the size class `imageSize`: the long edge is
 * exactly the class's long edge (or `longEdge` when given), the short edge rounded to an integer.
 *
 * @example
 * dimensionsFor('16:9', '1K') // { width: 1024, height: 576 }
 * dimensionsFor('2:3', '2K') // { width: 1365, height: 2048 }
 */
export function dimensionsFor(aspectRatio: AspectRatio, imageSize: ImageSize, longEdge: number = LONG_EDGE[imageSize]): Dimensions {
  const [w, h] = aspectRatio.split(':').map(Number) as [number, number];
  return w >= h ? { width: longEdge, height: Math.round((longEdge * h) / w) } : { width: Math.round((longEdge * w) / h), height: longEdge };
}
