/**
 * What the image function returns (`genImage()` in Astro frontmatter): an image as data, for the
 * places a `<picture>` cannot go (an `og:image` meta tag, a CSS background, a preload link). The
 * shape follows Astro's `getImage()`: a `src`, its size, and a `srcset` for responsive use. Pure.
 */
import type { RenderFormat } from '../attributes.ts';
import type { ImagePlan } from './layout.ts';
import { mimeTypeOf } from './optimize.ts';
import type { PictureFile } from './picture.ts';

export interface ImageData {
  /** URL of the file at the image's own width, in `format`; a data: URL while `astro dev` generates it. */
  src: string;
  /** Pixel size of the file at `src`. */
  width: number;
  height: number;
  format: RenderFormat;
  /** Every width in `format`, as `url 480w, ...`; only when there are several. */
  srcset?: string;
  /** The layout's `sizes`, when it has one. */
  sizes?: string;
  /** The modern formats, best first (none unless `formats` is given with a `format`). */
  sources?: { type: string; srcset: string }[];
}

/** The data of a planned image whose files are `files` (every variant, any order). */
export function imageData(
  files: readonly PictureFile[],
  plan: ImagePlan,
  format: RenderFormat,
  formats: readonly RenderFormat[],
): ImageData {
  const inFormat = (wanted: RenderFormat) => files.filter((file) => file.format === wanted).sort((a, b) => a.width - b.width);
  const own = inFormat(format);
  const main = own.find((file) => file.width === plan.width) ?? own.at(-1);
  if (!main) throw new TypeError(`imageData needs a ${format} file`);
  const srcset = (list: readonly PictureFile[]) => list.map((file) => `${file.url} ${file.descriptor ?? `${file.width}w`}`).join(', ');
  const sources = formats
    .filter((modern) => modern !== format)
    .map((modern) => ({ type: mimeTypeOf(modern), srcset: srcset(inFormat(modern)) }));
  return {
    src: main.url,
    width: main.width,
    height: main.height,
    format,
    ...(own.length > 1 && { srcset: srcset(own) }),
    ...(plan.sizes !== undefined && { sizes: plan.sizes }),
    ...(sources.length > 0 && { sources }),
  };
}

/** What `src` is while `astro dev` generates the image: an empty box of its size, so layouts hold. */
export function pendingImageData(width: number, height: number, format: RenderFormat): ImageData {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"/>`;
  return { src: `data:image/svg+xml,${encodeURIComponent(svg)}`, width, height, format };
}
