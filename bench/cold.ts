/**
 * Cold builds against the encode limit (issue 24): a cold `astro build` (nothing cached: no
 * original, no variant, no dist) of a site of photo-like images that the build generates through
 * the test server (@genimage/test-server, real HTTP on 127.0.0.1), answering each request after
 * 2 s and after 0 s, against the encode limit: what the build's encodes cost at least on this
 * machine's cores, plus what the build costs when nothing is encoded (its warm build).
 *
 *   node bench/cold.ts                     # 50 pages of 2 photos, 3 rounds
 *   node bench/cold.ts --pages 5 --rounds 1
 *
 * The site is bench/compare-sites.ts' genimage site (same pages, markers, config and photos),
 * with `provider: 'shark'` and `concurrency: 8` (8 requests in flight); the test server answers
 * each request with that photo (a 1024x576 PNG from bench/photo.ts), so the bytes genimage
 * receives, stores and encodes are a photo's. Each round runs, rotating the order, a cold build
 * at each latency, then a warm build (nothing generated or encoded), then the encode limit's
 * measure: genimage's own `encode()` (packages/core/src/render/optimize.ts) of every variant the
 * build encoded (planned from the cache just generated, as the renderer plans them; each once),
 * one at a time on one libvips thread, summed. Wall times are of the whole `node <astro bin>
 * build`; CPU time (user + system) and peak memory of the build and its encoder process
 * (bench/tree-memory.ts). Writes bench/.tmp/cold.json.
 */
import os, { availableParallelism } from 'node:os';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Engine } from '../packages/core/src/engine.ts';
import { decodeForVariants } from '../packages/core/src/render/decoded-originals.ts';
import { encode, type Pixels } from '../packages/core/src/render/encode.ts';
import { placeholderVariant, planVariants, type Variant, variantKey } from '../packages/core/src/render/optimize.ts';
import { placeholderKind, variantOptions } from '../packages/core/src/render/render-attributes.ts';
import { startTestServer } from '../test/server/src/index.ts';
import { parseBuildLog } from './build.ts';
import { tail } from './child.ts';
import { astroPackage, linkModules, PHOTO, pageSource, photoFile } from './compare-sites.ts';
import sharp from './sharp.ts';
import { type Machine, machine, median, rotate, round } from './stats.ts';
import { runMeasuringTree } from './tree-memory.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const SITE = path.join(here, '.tmp', 'cold', 'site');
/** Requests in flight: the API's latency is then not what bounds a 100-image build. */
export const GENERATION_CONCURRENCY = 8;
export const LATENCIES_MS = [2000, 0] as const;
export const DEFAULTS = { pages: 50, rounds: 3 };

export interface ColdOptions {
  pages: number;
  rounds: number;
}

export interface BuildRun {
  ms: number;
  /** User + system CPU time of the build and every process it starts (bench/tree-memory.ts). */
  cpuMs: number;
  /** Each process's peak resident memory, summed. */
  peakRssKb: number;
  generated: number;
  encoded: number;
  reused: number;
}

export interface LatencyFigures {
  latencyMs: number;
  runs: BuildRun[];
  medianMs: number;
  medianCpuMs: number;
}

export interface ColdFigures {
  machine: Machine;
  options: ColdOptions;
  images: number;
  /** Distinct variants the build encodes, the 16 px placeholders included. */
  variants: number;
  cores: number;
  /** Generation requests in flight (the site's `concurrency`). */
  concurrency: number;
  photo: { width: number; height: number };
  cold: LatencyFigures[];
  warm: { runs: number[]; medianMs: number; cpuMs: number[] };
  /** The summed single-threaded encode time of the variants, once per round, and its CPU time. */
  encode: { runs: number[]; medianMs: number; cpuMs: number[] };
  /** The same, each original decoded once for all its variants (as the encoder process does). */
  encodeShared?: { runs: number[]; medianMs: number; cpuMs: number[] };
  totalSeconds: number;
  /** The machine's 1-minute load average before each round and at the end: other work on a shared machine. */
  load: number[];
}

/** Parses `--pages 50 --rounds 3`, pure; unknown flags throw. */
export function parseColdArgs(args: readonly string[]): ColdOptions {
  const { values } = parseArgs({ args: [...args], options: { pages: { type: 'string' }, rounds: { type: 'string' } }, strict: true });
  const count = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} expects a whole number from 1 up, got "${value}".`);
    return n;
  };
  return { pages: count('pages', values.pages, DEFAULTS.pages), rounds: count('rounds', values.rounds, DEFAULTS.rounds) };
}

const CONFIG = `export default { provider: 'shark', concurrency: ${GENERATION_CONCURRENCY}, defaults: { aspectRatio: '16:9' } };\n`;

async function writeSite(pages: number): Promise<void> {
  await rm(path.join(SITE, 'src'), { recursive: true, force: true });
  await mkdir(path.join(SITE, 'src/pages/p'), { recursive: true });
  await writeFile(
    path.join(SITE, 'package.json'),
    `${JSON.stringify({ name: 'bench-cold', private: true, type: 'module', dependencies: { astro: '*', sharp: '*', '@genimage/astro': '*' } }, null, 2)}\n`,
  );
  await writeFile(
    path.join(SITE, 'astro.config.mjs'),
    `import genimage from '@genimage/astro';\nimport { defineConfig } from 'astro/config';\n\nexport default defineConfig({ integrations: [genimage()] });\n`,
  );
  await writeFile(path.join(SITE, 'genimage.config.mjs'), CONFIG);
  const links = Array.from({ length: pages }, (_, i) => `<li><a href="/p/${i + 1}/">Page ${i + 1}</a></li>`).join('');
  await writeFile(
    path.join(SITE, 'src/pages/index.astro'),
    `<html lang="en"><head><meta charset="utf-8" /><title>Valley notes</title></head><body><ul>${links}</ul></body></html>\n`,
  );
  for (let page = 1; page <= pages; page++) {
    await writeFile(path.join(SITE, 'src/pages/p', `${page}.astro`), pageSource('genimage', page, pages));
  }
  await linkModules(SITE, 'genimage');
}

function buildEnv(server: { apiKey: string; baseUrl: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SHARK_API_KEY: server.apiKey,
    SHARK_BASE_URL: server.baseUrl,
    GENIMAGE_FROZEN: '0',
    ASTRO_TELEMETRY_DISABLED: '1',
    NO_COLOR: '1',
  };
  for (const name of ['CI', 'FORCE_COLOR', 'NODE_ENV', 'NODE_OPTIONS']) delete env[name];
  return env;
}

/** What a cold build starts without: originals, variants and output (Astro's and Vite's own caches stay: cold for genimage, as Astro's own warm build time is in the limit). */
const COLD_STATE = ['.genimage', 'node_modules/.cache/genimage', 'dist'];

/** One `astro build`, measured with every process it starts (its encoder process too). */
async function astroBuild(env: NodeJS.ProcessEnv): Promise<BuildRun> {
  const bin = path.join(astroPackage(), 'bin/astro.mjs');
  const run = await runMeasuringTree(process.execPath, [bin, 'build'], { cwd: SITE, env });
  if (run.code !== 0) throw new Error(`astro build exited with ${run.code}:\n${tail(run.output)}`);
  const { requests, variants } = parseBuildLog(run.output);
  if (requests.failed > 0) throw new Error(`the build failed ${requests.failed} request(s):\n${tail(run.output)}`);
  return {
    ms: round(run.ms, 0),
    cpuMs: round(run.cpuMs, 0),
    peakRssKb: run.sumOfPeaksKb,
    generated: requests.generated,
    encoded: variants.encoded,
    reused: variants.reused,
  };
}

/** The variants the build encodes, each once: planned from the cache as the renderer plans them. */
async function plannedVariants(): Promise<{ bytes: Uint8Array; variant: Variant }[]> {
  const engine = await Engine.load({ root: SITE, env: { GENIMAGE_FROZEN: '1' } });
  const scan = await engine.scan();
  const seen = new Set<string>();
  const work: { bytes: Uint8Array; variant: Variant }[] = [];
  for (const use of scan.uses) {
    const entry = await engine.cache.get(use.key);
    const image = entry?.meta.images[use.pick];
    const bytes = entry?.images[use.pick];
    if (!image || !bytes) throw new Error(`no cached image for ${use.params.prompt}: run a cold build first`);
    const variants = planVariants(image, variantOptions(engine.config.render, use.render, use.origin));
    if (placeholderKind(use.render, use.origin) !== 'none') variants.push(placeholderVariant(image));
    for (const variant of variants) {
      const key = variantKey(image.sha256, variant);
      if (seen.has(key)) continue;
      seen.add(key);
      work.push({ bytes, variant });
    }
  }
  return work;
}

/**
 * The summed wall time of encoding each variant alone, on one libvips thread, and its CPU time;
 * `shared`: each original decoded once for all its variants, as the encoder process does
 * (packages/core/src/render/decoded-originals.ts), the decodes included.
 */
async function encodeLimit(
  work: readonly { bytes: Uint8Array; variant: Variant }[],
  shared: boolean,
): Promise<{ ms: number; cpuMs: number }> {
  const threads = sharp.concurrency();
  sharp.concurrency(1);
  let ms = 0;
  const cpu = process.cpuUsage();
  const decoded = new Map<Uint8Array, Pixels | undefined>();
  try {
    for (const { bytes, variant } of work) {
      const start = performance.now();
      if (shared && !decoded.has(bytes)) {
        decoded.clear();
        decoded.set(bytes, await decodeForVariants(bytes));
      }
      await encode((shared && decoded.get(bytes)) || bytes, variant);
      ms += performance.now() - start;
    }
  } finally {
    sharp.concurrency(threads);
  }
  const used = process.cpuUsage(cpu);
  return { ms: round(ms, 0), cpuMs: round((used.user + used.system) / 1000, 0) };
}

export async function runColdBench(options: ColdOptions = DEFAULTS, log: (line: string) => void = console.log): Promise<ColdFigures> {
  const started = performance.now();
  const images = options.pages * 2;
  log(`cold: ${options.pages} pages of 2 photos, generated at ${LATENCIES_MS.join(' and ')} ms of API latency, ${options.rounds} round(s)`);
  for (let n = 1; n <= images; n++) await photoFile(n);
  await writeSite(options.pages);
  const server = await startTestServer({
    image: async ({ seed, width, height }) => {
      if (width !== PHOTO.width || height !== PHOTO.height)
        throw new Error(`bench/cold.ts serves ${PHOTO.width}x${PHOTO.height} photos, asked for ${width}x${height}`);
      return readFile(await photoFile(seed));
    },
  });
  const env = buildEnv(server);
  const cold = new Map<number, BuildRun[]>(LATENCIES_MS.map((latency) => [latency, []]));
  const warm: number[] = [];
  const warmCpu: number[] = [];
  const load: number[] = [];
  const encodeMs: number[] = [];
  const encodeCpuMs: number[] = [];
  const sharedMs: number[] = [];
  const sharedCpuMs: number[] = [];
  let variants = 0;
  try {
    for (let r = 0; r < options.rounds; r++) {
      load.push(round(os.loadavg()[0] ?? 0, 1));
      const done: string[] = [];
      for (const latency of rotate(LATENCIES_MS, r)) {
        for (const state of COLD_STATE) await rm(path.join(SITE, state), { recursive: true, force: true });
        server.reset();
        server.always(latency > 0 ? { kind: 'delay', ms: latency } : undefined);
        const run = await astroBuild(env);
        if (run.generated !== images || run.reused !== 0)
          throw new Error(`a cold build generated ${run.generated} of ${images} images and reused ${run.reused} variants`);
        cold.get(latency)!.push(run);
        done.push(`cold at ${latency} ms ${(run.ms / 1000).toFixed(1)} s`);
      }
      const again = await astroBuild(env);
      if (again.generated !== 0 || again.encoded !== 0) throw new Error(`a warm build generated or encoded: ${JSON.stringify(again)}`);
      warm.push(again.ms);
      warmCpu.push(again.cpuMs);
      const work = await plannedVariants();
      variants = work.length;
      for (const runs of cold.values()) {
        const last = runs.at(-1)!;
        if (last.encoded !== variants)
          throw new Error(`a cold build encoded ${last.encoded} variants; the site needs ${variants}, each once`);
      }
      const limit = await encodeLimit(work, false);
      encodeMs.push(limit.ms);
      encodeCpuMs.push(limit.cpuMs);
      const shared = await encodeLimit(work, true);
      sharedMs.push(shared.ms);
      sharedCpuMs.push(shared.cpuMs);
      log(
        `  round ${r + 1}: ${done.join(', ')}, warm ${(again.ms / 1000).toFixed(1)} s, encodes alone ${(limit.ms / 1000).toFixed(1)} s (${(shared.ms / 1000).toFixed(1)} s decoding each original once)`,
      );
    }
  } finally {
    await server.close();
  }
  load.push(round(os.loadavg()[0] ?? 0, 1));
  return {
    machine: machine(),
    options,
    images,
    variants,
    cores: availableParallelism(),
    concurrency: GENERATION_CONCURRENCY,
    photo: PHOTO,
    cold: LATENCIES_MS.map((latencyMs) => {
      const runs = cold.get(latencyMs)!;
      return {
        latencyMs,
        runs,
        medianMs: round(median(runs.map((run) => run.ms)), 0),
        medianCpuMs: round(median(runs.map((run) => run.cpuMs)), 0),
      };
    }),
    warm: { runs: warm, medianMs: round(median(warm), 0), cpuMs: warmCpu },
    encode: { runs: encodeMs, medianMs: round(median(encodeMs), 0), cpuMs: encodeCpuMs },
    encodeShared: { runs: sharedMs, medianMs: round(median(sharedMs), 0), cpuMs: sharedCpuMs },
    totalSeconds: round((performance.now() - started) / 1000, 0),
    load,
  };
}

if (import.meta.main) {
  const figures = await runColdBench(parseColdArgs(process.argv.slice(2)));
  await mkdir(path.join(here, '.tmp'), { recursive: true });
  await writeFile(path.join(here, '.tmp', 'cold.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`Wrote bench/.tmp/cold.json in ${figures.totalSeconds} s; \`node bench/run.ts cold\` also rewrites BENCHMARKS.md.`);
}
