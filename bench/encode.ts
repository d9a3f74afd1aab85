/**
 * Encoder benchmark: genimage's own `encode()` (decode the PNG original, resize, encode; the exact
 * options of packages/core/src/render/optimize.ts) on a photo-like 1024x576 original, for AVIF at effort
 * 0, 2 (genimage's default `render.avifEffort`) and 4 (sharp's default), WebP and JPEG (mozjpeg),
 * all at quality 70 (genimage's default), at widths 480, 960 and 1440 capped to 1024. A
 * decode + resize row with no encode shows the fixed part of every variant's cost.
 *
 *   node bench/encode.ts
 *
 * Each round runs every case once, starting from a different case, so drift on a noisy machine
 * lands on all of them; the figures are medians. Writes bench/.tmp/encode.json and the source
 * image bench/.tmp/encode-source.png.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from '../packages/core/src/render/encode.ts';
import type { Variant, VariantFormat } from '../packages/core/src/render/optimize.ts';
import { variantWidths } from '../packages/core/src/render/layout.ts';
import { photoLikePng } from './photo.ts';
import sharp from './sharp.ts';
import { type Machine, machine, median, rotate, round } from './stats.ts';

const SOURCE = { width: 1024, height: 576 };
/** genimage's default `render.widths`; 1440 is capped to the original's 1024. */
const REQUESTED_WIDTHS = [480, 960, 1440];
const QUALITY = 70;
const WARMUP_ROUNDS = 1;
const ROUNDS = 7;

export type EncoderId = 'avif-e0' | 'avif-e2' | 'avif-e4' | 'webp' | 'jpeg' | 'resize-only';

interface Encoder {
  id: EncoderId;
  label: string;
  format?: VariantFormat;
  effort?: number;
}

const ENCODERS: readonly Encoder[] = [
  { id: 'avif-e0', label: 'AVIF effort 0', format: 'avif', effort: 0 },
  { id: 'avif-e2', label: 'AVIF effort 2 (genimage default)', format: 'avif', effort: 2 },
  { id: 'avif-e4', label: 'AVIF effort 4 (sharp default)', format: 'avif', effort: 4 },
  { id: 'webp', label: 'WebP', format: 'webp' },
  { id: 'jpeg', label: 'JPEG (mozjpeg, fallback)', format: 'jpeg' },
  { id: 'resize-only', label: 'decode + resize only' },
];

export interface EncodeCell {
  encoder: EncoderId;
  label: string;
  width: number;
  height: number;
  /** Milliseconds per call, one per measured round. */
  ms: number[];
  medianMs: number;
  /** Output size; 0 for the decode + resize row. */
  bytes: number;
  /**
   * PSNR in dB of the decoded output against the resized original (the decode + resize row's
   * pixels): a crude fidelity check, so a smaller file is not read as a free win. Null for that row.
   */
  psnr: number | null;
}

export interface EncodeFigures {
  machine: Machine;
  source: { width: number; height: number; pngBytes: number; sharpConcurrency: number };
  quality: number;
  widths: number[];
  /** What genimage itself plans for this original from the same requested widths. */
  plannedWidths: number[];
  rounds: number;
  cells: EncodeCell[];
}

/** The variant genimage would plan for this case. */
function variantOf(format: VariantFormat, encoder: Encoder, width: number, height: number): Variant {
  return { format, width, height, quality: QUALITY, ...(encoder.effort !== undefined && { effort: encoder.effort }) };
}

/** RGB pixels of an image, for PSNR. */
async function rgb(bytes: Uint8Array): Promise<Buffer> {
  return sharp(bytes).removeAlpha().raw().toBuffer();
}

/** Peak signal-to-noise ratio of 8-bit `actual` against `expected`, in dB. */
export function psnr(expected: Uint8Array, actual: Uint8Array): number {
  if (expected.length !== actual.length) throw new Error(`PSNR of ${expected.length} against ${actual.length} values`);
  let squares = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = (expected[i] ?? 0) - (actual[i] ?? 0);
    squares += d * d;
  }
  const mse = squares / expected.length;
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

async function runOnce(original: Buffer, encoder: Encoder, width: number, height: number): Promise<{ ms: number; bytes: number }> {
  const start = performance.now();
  let bytes = 0;
  if (encoder.format === undefined) {
    await sharp(original, { failOn: 'error' }).resize({ width, height, fit: 'fill' }).raw().toBuffer();
  } else {
    bytes = (await encode(original, variantOf(encoder.format, encoder, width, height))).length;
  }
  return { ms: performance.now() - start, bytes };
}

/** PSNR of one case, after the timed rounds (encoded once more, untimed). */
async function fidelity(original: Buffer, encoder: Encoder, width: number, height: number): Promise<number | null> {
  if (encoder.format === undefined) return null;
  const reference = await sharp(original, { failOn: 'error' }).resize({ width, height, fit: 'fill' }).removeAlpha().raw().toBuffer();
  return round(psnr(reference, await rgb(await encode(original, variantOf(encoder.format, encoder, width, height)))), 2);
}

export async function runEncodeBench(tmp: string, log: (line: string) => void = console.log): Promise<EncodeFigures> {
  const original = await photoLikePng(SOURCE.width, SOURCE.height);
  await mkdir(tmp, { recursive: true });
  await writeFile(path.join(tmp, 'encode-source.png'), original);

  const widths = [...new Set(REQUESTED_WIDTHS.map((width) => Math.min(width, SOURCE.width)))];
  const cases = widths.flatMap((width) =>
    ENCODERS.map((encoder) => ({
      encoder,
      width,
      height: Math.round((width * SOURCE.height) / SOURCE.width),
      ms: [] as number[],
      bytes: -1,
    })),
  );
  log(
    `encode: ${cases.length} cases x ${ROUNDS} rounds (+${WARMUP_ROUNDS} warm-up) on a ${SOURCE.width}x${SOURCE.height} PNG of ${original.length} bytes`,
  );

  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    // A prime step, so each round starts elsewhere and neighbours change too.
    for (const item of rotate(cases, round * 7)) {
      const { ms, bytes } = await runOnce(original, item.encoder, item.width, item.height);
      if (item.bytes !== -1 && item.bytes !== bytes)
        throw new Error(`${item.encoder.id}@${item.width}: ${bytes} bytes, ${item.bytes} before: encoding is not deterministic`);
      item.bytes = bytes;
      if (round >= WARMUP_ROUNDS) item.ms.push(ms);
    }
    log(`  round ${round + 1}/${WARMUP_ROUNDS + ROUNDS}${round < WARMUP_ROUNDS ? ' (warm-up)' : ''}`);
  }

  return {
    machine: machine(),
    source: { ...SOURCE, pngBytes: original.length, sharpConcurrency: sharp.concurrency() },
    quality: QUALITY,
    widths,
    plannedWidths: variantWidths(SOURCE.width, REQUESTED_WIDTHS),
    rounds: ROUNDS,
    cells: await Promise.all(
      cases.map(async (item) => ({
        encoder: item.encoder.id,
        label: item.encoder.label,
        width: item.width,
        height: item.height,
        ms: item.ms.map((ms) => round(ms)),
        medianMs: round(median(item.ms)),
        bytes: item.bytes,
        psnr: await fidelity(original, item.encoder, item.width, item.height),
      })),
    ),
  };
}

if (import.meta.main) {
  const tmp = path.join(path.dirname(fileURLToPath(import.meta.url)), '.tmp');
  const figures = await runEncodeBench(tmp);
  await writeFile(path.join(tmp, 'encode.json'), `${JSON.stringify(figures, null, 2)}\n`);
  for (const cell of figures.cells)
    console.log(
      `${cell.label.padEnd(34)} ${String(cell.width).padStart(4)}  ${String(cell.medianMs).padStart(7)} ms  ${cell.bytes} B  ${cell.psnr ?? '-'} dB`,
    );
}
