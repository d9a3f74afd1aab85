import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../cache/atomic.ts';
import type { PreviewStats as PlaceholderStats } from './encode.ts';

/**
 * The stats of a tiny WebP in the variant cache, kept beside it (`<file>.stats.json`) once
 * measured. sharp's `stats()` costs about 8 ms of CPU even for 16×9 pixels (it measures entropy
 * and sharpness too): 16 s for 2,000 images, which a warm build would otherwise spend again, while
 * the bundler waits for the CPU (bench/scale.ts). The file is named after the WebP, whose name is
 * its content's key, so it describes those bytes; one that does not read as stats is measured again
 * (by `measure`: the encoder's, so a cold build's process never loads sharp for it).
 */
export async function placeholderStats(
  file: string,
  bytes: Uint8Array,
  measure: (preview: Uint8Array) => Promise<PlaceholderStats>,
): Promise<PlaceholderStats> {
  const statsFile = `${file}.stats.json`;
  const kept = readStats(statsFile);
  if (kept) return kept;
  const { dominant, isOpaque } = await measure(bytes);
  const stats: PlaceholderStats = { dominant: { r: dominant.r, g: dominant.g, b: dominant.b }, isOpaque };
  // Best effort: without it, the next build measures again.
  await writeFileAtomic(statsFile, JSON.stringify(stats)).catch(() => {});
  return stats;
}

function readStats(file: string): PlaceholderStats | undefined {
  try {
    // Synchronous: a few dozen bytes, read once per image and build.
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<PlaceholderStats>;
    const { dominant, isOpaque } = parsed;
    const channel = (value: unknown) => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 255;
    if (typeof isOpaque !== 'boolean' || !dominant || !channel(dominant.r) || !channel(dominant.g) || !channel(dominant.b))
      return undefined;
    return { dominant: { r: dominant.r, g: dominant.g, b: dominant.b }, isOpaque };
  } catch {
    return undefined;
  }
}
