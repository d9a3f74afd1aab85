/**
 * Originals decoded once for all their variants, in the encoder process: decoding a 1K PNG took
 * 8 ms of the 22 ms a 480-px WebP of it takes, and a build makes seven variants of each original
 * (8% of a cold build's encoding: BENCHMARKS.md, section 8).
 *
 * Only where the variants' bytes are the same as when each decodes the file itself: 8-bit sRGB
 * PNGs without a colour profile, of at most `SHARED_MAX_PIXELS` (JPEG and WebP shrink on load, a
 * profile or 16 bits are converted at the output: their variants decode the file each). The few
 * originals decoded last are kept, by file and the identity the file had: variants of one
 * original are queued together, so each is decoded about twice (its placeholder runs ahead).
 */
import { decodeLimits, loadSharp } from '../sharp.ts';
import type { Pixels } from './encode.ts';

/** A 2K square: 12.6 MB decoded, 4 kept at most. Larger originals (4K) are decoded per variant, lean. */
export const SHARED_MAX_PIXELS = 2048 * 2048;
const KEPT = 4;

export class DecodedOriginals {
  readonly #kept = new Map<string, Promise<Pixels | undefined>>();

  /**
   * The pixels of the file at `path` (whose identity is `identity`: size, times, inode), decoded
   * once while recent; undefined when each variant is to decode the file itself.
   */
  get(path: string, identity: string): Promise<Pixels | undefined> {
    const key = `${identity}\0${path}`;
    const kept = this.#kept.get(key);
    if (kept) {
      // The most recent last.
      this.#kept.delete(key);
      this.#kept.set(key, kept);
      return kept;
    }
    const pixels = decodeForVariants(path);
    this.#kept.set(key, pixels);
    // A failed decode is not kept: each variant fails with sharp's own message, as it would have.
    pixels.catch(() => this.#kept.get(key) === pixels && this.#kept.delete(key));
    for (const oldest of this.#kept.keys()) {
      if (this.#kept.size <= KEPT) break;
      this.#kept.delete(oldest);
    }
    return pixels;
  }
}

/**
 * The original's pixels when its variants can be made from them with the bytes decoding it for
 * each makes, else undefined.
 */
export async function decodeForVariants(original: string | Uint8Array): Promise<Pixels | undefined> {
  const sharp = await loadSharp();
  const metadata = await sharp(original, decodeLimits()).metadata();
  const { format, space, depth, hasProfile, orientation, width, height, pages } = metadata;
  const shared =
    format === 'png' &&
    space === 'srgb' &&
    depth === 'uchar' &&
    !hasProfile &&
    orientation === undefined &&
    (pages ?? 1) === 1 &&
    width * height <= SHARED_MAX_PIXELS;
  if (!shared) return undefined;
  const { data, info } = await sharp(original, decodeLimits()).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}
