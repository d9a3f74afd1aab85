/**
 * The encodes of a cold build over 32 4K originals, alone (no Astro), under each mechanism tried
 * to bound their memory (issue 24): where they run (this process or a child), the allocator's
 * settings, sharp's settings, how many at once, how each original is decoded.
 *
 *   node bench/memory-options.ts            # every option, 2 rounds (bench/memory.ts runs it too)
 *
 * The work is the build's: every variant genimage's renderer plans for the 32 originals of
 * bench/memory.ts' site (9 files and a 16 px placeholder each, 320 encodes), placeholders first,
 * `availableParallelism()` encodes at once, through core's `EncodeQueue` (at most 2.5 megapixels
 * of AVIF at once) unless the option says otherwise. Each option runs in a fresh Node process
 * (`node bench/memory-options.ts --option <id>`), measured with its children (bench/tree-memory.ts):
 * the sum of each process's peak resident memory, the wall time, the CPU time. Rounds alternate
 * the options; the peak is the highest of the rounds, the times their median.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Engine } from '../packages/core/src/engine.ts';
import { encode } from '../packages/core/src/render/encode.ts';
import { AVIF_PIXELS_AT_ONCE, EncodeQueue, encodeWeight } from '../packages/core/src/render/encode-queue.ts';
import { EncoderProcess, EncoderProcesses, LEAN_ENV, LEAN_FLAGS } from '../packages/core/src/render/encoder-process.ts';
import { placeholderVariant, planVariants, type Variant } from '../packages/core/src/render/optimize.ts';
import { placeholderKind, variantOptions } from '../packages/core/src/render/render-attributes.ts';
import { decodeLimits } from '../packages/core/src/sharp.ts';
import type { OutputInfo, Sharp } from '../packages/core/node_modules/sharp/lib/index.js';
import sharp from './sharp.ts';
import { median, rotate, round } from './stats.ts';
import { runMeasuringTree } from './tree-memory.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROUNDS = 2;

export interface EncoderOption {
  id: string;
  label: string;
  /** The worker process's environment: the allocator reads it at start-up. */
  env?: Record<string, string>;
}

export const OPTIONS: readonly EncoderOption[] = [
  { id: 'inline', label: "this process, sharp's defaults (a build's, before)" },
  { id: 'inline-no-cache', label: 'this process, `sharp.cache(false)`' },
  { id: 'inline-sequential', label: 'this process, `sequentialRead`' },
  { id: 'inline-from-file', label: 'this process, each original decoded from its file, not a buffer' },
  { id: 'inline-decode-once', label: 'this process, each original decoded once, its variants from the pixels, original after original' },
  { id: 'inline-one-at-a-time', label: 'this process, one encode at a time on every core (`sharp.concurrency`)' },
  { id: 'inline-arena-2', label: 'this process, `MALLOC_ARENA_MAX=2` in its environment', env: { MALLOC_ARENA_MAX: '2' } },
  { id: 'child-plain', label: "a child process, glibc's defaults (genimage's for originals under 8 megapixels)" },
  { id: 'child-arena-1', label: 'a child process, `MALLOC_ARENA_MAX=1`' },
  { id: 'child-no-avif-limit', label: 'a child process, lean settings, any AVIF pixels at once' },
  {
    id: 'child',
    label:
      'a child process as genimage starts it for 4K originals: `MALLOC_ARENA_MAX=1`, buffers from 256 kB unmapped, a 1 MB young generation (adopted)',
  },
];

export interface OptionFigures {
  id: string;
  label: string;
  /** Per round: the sum of each process's peak resident memory, in MB. */
  peakMB: number[];
  seconds: number[];
  cpuSeconds: number[];
  medianSeconds: number;
  medianCpuSeconds: number;
}

interface Job {
  file: string;
  sha256: string;
  size: number;
  pixels: number;
  variant: Variant;
  placeholder: boolean;
}

/** The build's encodes for the site's originals: planned as the renderer plans them, placeholders first. */
async function plannedJobs(site: string): Promise<Job[]> {
  const engine = await Engine.load({ root: site, env: { GENIMAGE_FROZEN: '1' } });
  const jobs: Job[] = [];
  for (const use of (await engine.scan()).uses) {
    const meta = await engine.cache.store.readMeta(use.key);
    const image = meta?.images[use.pick];
    const file = image && (await engine.cache.store.imageFile?.(use.key, image.file));
    if (!image || !file) throw new Error(`no cached original for "${use.params.prompt}": run bench/memory.ts first`);
    const original = { file, sha256: image.sha256, size: image.bytes, pixels: image.width * image.height };
    if (placeholderKind(use.render, use.origin) !== 'none')
      jobs.push({ ...original, variant: placeholderVariant(image), placeholder: true });
    for (const variant of planVariants(image, variantOptions(engine.config.render, use.render, use.origin))) {
      jobs.push({ ...original, variant, placeholder: false });
    }
  }
  return jobs;
}

/** packages/core/src/render/encode.ts' pipeline on an input with options of its own (sequentialRead). */
function encodeFrom(image: Sharp, variant: Variant): Promise<Buffer> {
  const fit = variant.crop === undefined ? ({ fit: 'fill' } as const) : ({ fit: 'cover', position: variant.crop } as const);
  let out = image.resize({ width: variant.width, height: variant.height, ...fit });
  if (variant.format === 'avif') out = out.avif({ quality: variant.quality, effort: variant.effort ?? 2 });
  else if (variant.format === 'webp') out = out.webp({ quality: variant.quality });
  else if (variant.format === 'jpeg') out = out.flatten({ background: '#ffffff' }).jpeg({ quality: variant.quality, mozjpeg: true });
  else out = out.png({ compressionLevel: 9, palette: variant.quality < 100 });
  return out.toBuffer();
}

/** Runs one option's encodes in this process (the worker). */
async function work(id: string, site: string): Promise<void> {
  const jobs = await plannedJobs(site);
  const cores = availableParallelism();
  const oneAtATime = id === 'inline-one-at-a-time';
  if (oneAtATime) sharp.concurrency(cores);
  if (id === 'inline-no-cache') sharp.cache(false);
  const queue = new EncodeQueue(oneAtATime ? 1 : cores, AVIF_PIXELS_AT_ONCE);
  const child = !id.startsWith('child')
    ? undefined
    : id === 'child'
      ? new EncoderProcesses({ concurrency: cores })
      : new EncoderProcess({
          concurrency: cores,
          ...(id === 'child-arena-1' && { env: { MALLOC_ARENA_MAX: '1' } }),
          ...(id === 'child-no-avif-limit' && { env: LEAN_ENV, flags: LEAN_FLAGS, avifPixels: Number.MAX_SAFE_INTEGER }),
        });

  // In this process, an original's bytes are read once for the encodes of it under way (as `Originals` does).
  const held = new Map<string, { bytes: Promise<Uint8Array>; users: number }>();
  const withBytes = async <T>(file: string, use: (bytes: Uint8Array) => Promise<T>): Promise<T> => {
    const entry = held.get(file) ?? { bytes: readFile(file), users: 0 };
    held.set(file, entry);
    entry.users++;
    try {
      return await use(await entry.bytes);
    } finally {
      if (--entry.users === 0) held.delete(file);
    }
  };
  // Decoded once: the raw pixels of each original, while its encodes run.
  const decoded = new Map<string, Promise<{ data: Buffer; info: OutputInfo }>>();
  const left = new Map<string, number>();
  for (const job of jobs) left.set(job.file, (left.get(job.file) ?? 0) + 1);

  const encodeOne = async (job: Job): Promise<unknown> => {
    switch (id) {
      case 'inline-from-file':
        return encode(job.file, job.variant);
      case 'inline-sequential':
        return withBytes(job.file, (bytes) => encodeFrom(sharp(bytes, { ...decodeLimits(), sequentialRead: true }), job.variant));
      case 'inline-decode-once': {
        let raw = decoded.get(job.file);
        if (!raw) {
          raw = readFile(job.file).then((bytes) => sharp(bytes, decodeLimits()).raw().toBuffer({ resolveWithObject: true }));
          decoded.set(job.file, raw);
        }
        const { data, info } = await raw;
        try {
          return await encode({ data, width: info.width, height: info.height, channels: info.channels }, job.variant);
        } finally {
          const remaining = left.get(job.file)! - 1;
          left.set(job.file, remaining);
          if (remaining === 0) decoded.delete(job.file);
        }
      }
      default:
        return withBytes(job.file, (bytes) => encode(bytes, job.variant));
    }
  };
  // Decoded once, an original's pixels are held until its last variant: its encodes go together,
  // original after original (placeholders first would decode every original at once).
  const originals = [...left.keys()];
  const rankOf = (job: Job) => (id === 'inline-decode-once' ? originals.indexOf(job.file) : job.placeholder ? 0 : 1);
  if (child) {
    // As genimage's Optimizer does: every encode sent at once, the child's own queue runs them.
    await Promise.all(
      jobs.map((job) =>
        child.encode(
          {
            sha256: job.sha256,
            pixels: job.pixels,
            bytes: () => readFile(job.file),
            file: async () => ({ path: job.file, size: job.size, name: job.file }),
          },
          job.variant,
          { first: job.placeholder },
        ),
      ),
    );
  } else {
    await Promise.all(jobs.map((job) => queue.run({ weight: encodeWeight(job.variant), rank: rankOf(job) }, () => encodeOne(job))));
  }
  child?.close();
}

/** Every option, `rounds` times, alternating; each in a fresh process measured with its children. */
export async function runMemoryOptions(site: string, rounds = ROUNDS, log: (line: string) => void = console.log): Promise<OptionFigures[]> {
  const runs = new Map<string, { peakMB: number; seconds: number; cpuSeconds: number }[]>(OPTIONS.map((option) => [option.id, []]));
  for (let r = 0; r < rounds; r++) {
    const done: string[] = [];
    for (const option of rotate(OPTIONS, r)) {
      const env: NodeJS.ProcessEnv = { ...process.env, ...option.env };
      delete env.NODE_OPTIONS;
      const run = await runMeasuringTree(process.execPath, [fileURLToPath(import.meta.url), '--option', option.id, '--site', site], {
        env,
      });
      if (run.code !== 0)
        throw new Error(`bench/memory-options.ts --option ${option.id} exited with ${run.code}:\n${run.output.slice(-2000)}`);
      const figures = {
        peakMB: round(run.sumOfPeaksKb / 1024, 0),
        seconds: round(run.ms / 1000, 1),
        cpuSeconds: round(run.cpuMs / 1000, 1),
      };
      runs.get(option.id)!.push(figures);
      done.push(`${option.id} ${figures.peakMB} MB ${figures.seconds} s`);
    }
    log(`  options, round ${r + 1}: ${done.join(', ')}`);
  }
  return OPTIONS.map((option) => {
    const mine = runs.get(option.id)!;
    return {
      id: option.id,
      label: option.label,
      peakMB: mine.map((run) => run.peakMB),
      seconds: mine.map((run) => run.seconds),
      cpuSeconds: mine.map((run) => run.cpuSeconds),
      medianSeconds: median(mine.map((run) => run.seconds)),
      medianCpuSeconds: median(mine.map((run) => run.cpuSeconds)),
    };
  });
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { option: { type: 'string' }, site: { type: 'string' } }, strict: true });
  const site = values.site ?? path.join(here, '.tmp', 'memory-site');
  if (values.option) await work(values.option, site);
  else console.log(JSON.stringify(await runMemoryOptions(site), null, 2));
}
