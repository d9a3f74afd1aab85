/**
 * One variant from an original's bytes: decode, resize (or crop), encode, with the options every
 * variant of genimage is made with. What an encoder runs, in this process or in the encoder
 * process (`encoder-process.ts`); `VARIANT_VERSION` changes when what it makes does.
 */
import { decodeLimits, loadSharp } from '../sharp.ts';
import type { Variant } from './optimize.ts';

/** An original's decoded pixels (see `decoded-originals.ts`). */
export interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/**
 * Resizes and encodes one variant of an original, given as its bytes, its file's path (decoded
 * as it is read, never held whole) or its decoded pixels. Alpha is flattened onto white for
 * formats without it.
 */
export async function encode(original: Uint8Array | string | Pixels, variant: Variant): Promise<Buffer> {
  const sharp = await loadSharp();
  const fit = variant.crop === undefined ? ({ fit: 'fill' } as const) : ({ fit: 'cover', position: variant.crop } as const);
  const input =
    typeof original === 'string' || original instanceof Uint8Array
      ? sharp(original, decodeLimits())
      : sharp(original.data, { raw: { width: original.width, height: original.height, channels: original.channels } });
  let image = input.resize({ width: variant.width, height: variant.height, ...fit });
  switch (variant.format) {
    case 'avif':
      image = image.avif({ quality: variant.quality, effort: variant.effort ?? 2 });
      break;
    case 'webp':
      image = image.webp({ quality: variant.quality });
      break;
    case 'jpeg':
      image = image.flatten({ background: '#ffffff' }).jpeg({ quality: variant.quality, mozjpeg: true });
      break;
    case 'png':
      image = image.png({ compressionLevel: 9, palette: variant.quality < 100 });
      break;
  }
  return image.toBuffer();
}

/** What a placeholder is made of: the dominant colour of the tiny preview, and whether it has no transparent pixel. */
export interface PreviewStats {
  dominant: { r: number; g: number; b: number };
  isOpaque: boolean;
}

/** The stats of a tiny preview (a placeholder's 16 px WebP): the original to the eye, at a fraction of the cost. */
export async function previewStats(preview: Uint8Array): Promise<PreviewStats> {
  const sharp = await loadSharp();
  const { dominant, isOpaque } = await sharp(preview).stats();
  return { dominant, isOpaque };
}
