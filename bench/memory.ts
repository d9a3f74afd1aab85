/**
 * Memory benchmark: peak resident memory of
 *
 *   1. `genimage generate --concurrency 4` of 32 markers at `imageSize="4K"` (4096×4096), each
 *      answer a 10.7 MB PNG, once with `responseFormat: "b64_json"` and once with `"url"`, against
 *      the test server (@genimage/test-server) on 127.0.0.1 (GNU time's %M: one process);
 *   2. a cold `astro build` (no dist, no variant cache, no verified index) of a page showing those
 *      32 originals at genimage's defaults, with its encoder process (the default), with
 *      GENIMAGE_ENCODER=inline (encodes in the build's own process, as genimage did before), and
 *      that with MALLOC_ARENA_MAX=2 in the build's environment; then the same build warm (Astro's
 *      own, encoding nothing). Measured with every process the build starts (bench/tree-memory.ts):
 *      the sum of each process's peak; rounds alternate the builds, times are medians;
 *   3. the build's encodes alone under each mechanism tried (bench/memory-options.ts).
 *
 *   node bench/memory.ts
 *
 * The test server's PNGs are smooth gradients, small when compressed; a private ancillary chunk
 * pads each to the size of a photo-like 4K PNG, so the bytes genimage receives, hashes and stores
 * are a real answer's, and every pixel of 4096×4096 is decoded. Targets (issues 12 and 24):
 * generate ≤ 350 MB in both formats, the build ≤ 700 MB without being more than 10% slower than
 * encoding in the build's process. Writes bench/.tmp/memory.json.
 */
import { existsSync } from 'node:fs';
import { runChild, tail } from './child.ts';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../test/server/src/index.ts';
import { astroPackage, linkModules } from './compare-sites.ts';
import { type OptionFigures, runMemoryOptions } from './memory-options.ts';
import { type Machine, machine, median, rotate, round } from './stats.ts';
import { runMeasuringTree, type TreeRun } from './tree-memory.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../packages/cli/bin/genimage.js');
const SITE = path.join(here, '.tmp', 'memory-site');
const MARKERS = 32;
const CONCURRENCY = 4;
/** Padding that makes the server's 4K gradient PNG (about 1.3 MB) a 10.7 MB answer. */
const PADDING_BYTES = 9_400_000;

export const TARGETS = { generateMB: 350, buildMB: 700, buildSlowdown: 1.1 };
/** Rounds of the cold builds, alternated. */
const BUILD_ROUNDS = 3;

export interface MemoryRun {
  name: string;
  peakMB: number;
  seconds: number;
  /** Bytes of the originals in the cache afterwards. */
  originalMB?: number;
}

/** One way of building, over the rounds. */
export interface BuildMemory {
  id: 'process' | 'inline' | 'inline-arena-2' | 'warm';
  name: string;
  /** Per round: each process's own peak resident memory, summed (at least the tree's peak), in MB. */
  peakMB: number[];
  /** Per round: the highest sum of the tree's resident memory sampled every 25 ms, in MB. */
  sampledPeakMB: number[];
  seconds: number[];
  /** User + system CPU time of every process of the build. */
  cpuSeconds: number[];
  medianSeconds: number;
  /** The last round's processes (the build, its encoder, esbuild) and each one's peak, in MB. */
  processes: { command: string; peakMB: number }[];
}

export interface MemoryFigures {
  machine: Machine;
  markers: number;
  concurrency: number;
  /** The generate runs: one process each (GNU time). */
  runs: MemoryRun[];
  builds: BuildMemory[];
  /** The variant count the build's summary line reports, for context. */
  buildVariants: string;
  /** The encodes alone under each mechanism tried (bench/memory-options.ts). */
  options: OptionFigures[];
}

/** Runs a command under /usr/bin/time; its peak RSS in MB, wall seconds and output. */
function measured(
  command: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ peakMB: number; seconds: number; output: string; code: number | null }> {
  return runChild('/usr/bin/time', ['-f', 'GENIMAGE_BENCH_TIME %M %e', ...command], { cwd, env }).then(({ code, output }) => {
    const match = /GENIMAGE_BENCH_TIME (\d+) ([\d.]+)/.exec(output);
    if (!match) throw new Error(`no /usr/bin/time figures in:\n${tail(output)}`);
    return { peakMB: round(Number(match[1]) / 1024, 0), seconds: Number(match[2]), output, code };
  });
}

async function writeSite(responseFormat: 'b64_json' | 'url'): Promise<void> {
  await rm(SITE, { recursive: true, force: true });
  await mkdir(path.join(SITE, 'src/pages'), { recursive: true });
  const markers = Array.from(
    { length: MARKERS },
    (_, index) => `<GenImage prompt="a large landscape, study ${index}" seed={${index}} imageSize="4K" alt="Study ${index}" />`,
  );
  await writeFile(path.join(SITE, 'package.json'), `${JSON.stringify({ name: 'bench-memory', private: true, type: 'module' })}\n`);
  await writeFile(
    path.join(SITE, 'astro.config.mjs'),
    `import genimage from '@genimage/astro';\nimport { defineConfig } from 'astro/config';\n\nexport default defineConfig({ integrations: [genimage()] });\n`,
  );
  await writeFile(path.join(SITE, 'genimage.config.mjs'), `export default { provider: 'shark', responseFormat: '${responseFormat}' };\n`);
  await writeFile(
    path.join(SITE, 'src/pages/index.astro'),
    `---\nimport { GenImage } from '@genimage/astro/components';\n---\n<html lang="en"><head><meta charset="utf-8" /><title>Studies</title></head><body>\n${markers.join('\n')}\n</body></html>\n`,
  );
  await linkModules(SITE, 'genimage');
}

/** The PNG originals in the site's cache, in MB. */
async function originalsMB(): Promise<number> {
  const cache = path.join(SITE, '.genimage');
  let bytes = 0;
  for (const entry of await readdir(cache, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.png')) bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return round(bytes / 1e6, 0);
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ASTRO_TELEMETRY_DISABLED: '1', ...extra };
  for (const name of ['CI', 'FORCE_COLOR', 'NODE_OPTIONS']) delete env[name];
  return env;
}

export async function runMemoryBench(log: (line: string) => void = console.log): Promise<MemoryFigures> {
  if (!existsSync('/usr/bin/time'))
    throw new Error(
      'bench/memory.ts measures peak memory with GNU time (/usr/bin/time), which is not installed: `apt-get install time` on Debian.',
    );
  const server = await startTestServer();
  const runs: MemoryRun[] = [];
  let buildVariants = '';
  try {
    log(`memory: ${MARKERS} × 4K at concurrency ${CONCURRENCY}, b64_json and url, then a cold astro build`);
    for (const format of ['b64_json', 'url'] as const) {
      await writeSite(format);
      server.reset();
      server.always({ kind: 'largeImage', bytes: PADDING_BYTES });
      const env = cleanEnv({ SHARK_API_KEY: server.apiKey, SHARK_BASE_URL: server.baseUrl, GENIMAGE_FROZEN: '0' });
      const run = await measured([process.execPath, CLI, 'generate', '--concurrency', String(CONCURRENCY)], env, SITE);
      if (run.code !== 0) throw new Error(`genimage generate exited with ${run.code}:\n${run.output.slice(-2000)}`);
      runs.push({ name: `generate, ${format}`, peakMB: run.peakMB, seconds: run.seconds, originalMB: await originalsMB() });
      log(`  generate (${format}): peak ${run.peakMB} MB, ${run.seconds} s`);
    }
  } finally {
    await server.close();
  }
  // The url run's originals are in the cache: build over them, cold and frozen, each way, rounds alternating.
  const astro = path.join(astroPackage(), 'bin/astro.mjs');
  const ways: { id: BuildMemory['id']; name: string; env: Record<string, string> }[] = [
    { id: 'process', name: 'astro build, cold (encoder process, the default)', env: {} },
    {
      id: 'inline',
      name: "astro build, cold, GENIMAGE_ENCODER=inline (the build's own process, as before)",
      env: { GENIMAGE_ENCODER: 'inline' },
    },
    {
      id: 'inline-arena-2',
      name: 'astro build, cold, GENIMAGE_ENCODER=inline MALLOC_ARENA_MAX=2',
      env: { GENIMAGE_ENCODER: 'inline', MALLOC_ARENA_MAX: '2' },
    },
  ];
  const runsOf = new Map<BuildMemory['id'], TreeRun[]>();
  for (const id of [...ways.map((way) => way.id), 'warm' as const]) runsOf.set(id, []);
  for (let r = 0; r < BUILD_ROUNDS; r++) {
    const done: string[] = [];
    for (const way of rotate(ways, r)) {
      // Cold: no output, no variant, no verified index (a fresh clone's node_modules/.cache).
      await rm(path.join(SITE, 'node_modules/.cache'), { recursive: true, force: true });
      await rm(path.join(SITE, 'dist'), { recursive: true, force: true });
      const build = await runMeasuringTree(process.execPath, [astro, 'build'], {
        cwd: SITE,
        env: cleanEnv({ GENIMAGE_FROZEN: '1', ...way.env }),
      });
      if (build.code !== 0) throw new Error(`astro build exited with ${build.code}:\n${tail(build.output)}`);
      const variants = /(\d+ variant\(s\): \d+ encoded, \d+ reused)/.exec(build.output)?.[1] ?? '';
      if (!/: (\d+) encoded, 0 reused/.test(variants)) throw new Error(`a cold build reused variants: ${variants}`);
      buildVariants = variants;
      runsOf.get(way.id)!.push(build);
      done.push(`${way.id} ${Math.round(build.sumOfPeaksKb / 1024)} MB ${(build.ms / 1000).toFixed(1)} s`);
    }
    // Astro's own share: the same build warm, encoding nothing.
    const warm = await runMeasuringTree(process.execPath, [astro, 'build'], { cwd: SITE, env: cleanEnv({ GENIMAGE_FROZEN: '1' }) });
    if (warm.code !== 0) throw new Error(`astro build exited with ${warm.code}:\n${tail(warm.output)}`);
    runsOf.get('warm')!.push(warm);
    log(`  builds, round ${r + 1}: ${done.join(', ')}, warm ${Math.round(warm.sumOfPeaksKb / 1024)} MB`);
  }
  const builds: BuildMemory[] = [...ways, { id: 'warm' as const, name: 'astro build, warm (encodes nothing)', env: {} }].map((way) => {
    const mine = runsOf.get(way.id)!;
    const mb = (kb: number) => round(kb / 1024, 0);
    return {
      id: way.id,
      name: way.name,
      peakMB: mine.map((run) => mb(run.sumOfPeaksKb)),
      sampledPeakMB: mine.map((run) => mb(run.peakKb)),
      seconds: mine.map((run) => round(run.ms / 1000, 1)),
      cpuSeconds: mine.map((run) => round(run.cpuMs / 1000, 1)),
      medianSeconds: median(mine.map((run) => round(run.ms / 1000, 1))),
      processes: (mine.at(-1)?.processes ?? [])
        .filter((p) => p.peakKb > 1024)
        .map((p) => ({
          command: p.command
            .split(' ')
            .slice(0, 2)
            .map((part) => path.basename(part))
            .join(' '),
          peakMB: mb(p.peakKb),
        })),
    };
  });
  log('  the encodes alone, under each option (bench/memory-options.ts)');
  const options = await runMemoryOptions(SITE, undefined, log);
  return { machine: machine(), markers: MARKERS, concurrency: CONCURRENCY, runs, builds, buildVariants, options };
}

if (import.meta.main) {
  const figures = await runMemoryBench();
  await mkdir(path.join(here, '.tmp'), { recursive: true });
  await writeFile(path.join(here, '.tmp', 'memory.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(JSON.stringify(figures.runs, null, 2));
}
