/**
 * Memory benchmark: peak resident memory (`/usr/bin/time -f %M`, the process's maximum RSS) of
 *
 *   1. `genimage generate --concurrency 4` of 32 markers at `imageSize="4K"` (4096×4096), each
 *      answer a 10.7 MB PNG, once with `responseFormat: "b64_json"` and once with `"url"`, against
 *      the test server (@genimage/test-server) on 127.0.0.1;
 *   2. a cold `astro build` (no dist, no variant cache) of a page showing those 32 originals at
 *      genimage's defaults, then the same build with MALLOC_ARENA_MAX=2 (glibc keeps freed native
 *      memory in per-thread arenas; the difference is the allocator's share of the peak).
 *
 *   node bench/memory.ts
 *
 * The test server's PNGs are smooth gradients, small when compressed; a private ancillary chunk
 * pads each to the size of a photo-like 4K PNG, so the bytes genimage receives, hashes and stores
 * are a real answer's, and every pixel of 4096×4096 is decoded. Targets (issue 12): generate ≤ 350 MB
 * in both formats, the build ≤ 700 MB. Writes bench/.tmp/memory.json.
 */
import { existsSync } from 'node:fs';
import { runChild, tail } from './child.ts';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../test/server/src/index.ts';
import { astroPackage, linkModules } from './compare-sites.ts';
import { type Machine, machine, round } from './stats.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../packages/cli/bin/genimage.js');
const SITE = path.join(here, '.tmp', 'memory-site');
const MARKERS = 32;
const CONCURRENCY = 4;
/** Padding that makes the server's 4K gradient PNG (about 1.3 MB) a 10.7 MB answer. */
const PADDING_BYTES = 9_400_000;

export const TARGETS = { generateMB: 350, buildMB: 700 };

export interface MemoryRun {
  name: string;
  peakMB: number;
  seconds: number;
  /** Bytes of the originals in the cache afterwards. */
  originalMB?: number;
}

export interface MemoryFigures {
  machine: Machine;
  markers: number;
  concurrency: number;
  runs: MemoryRun[];
  /** The variant count the build's summary line reports, for context. */
  buildVariants: string;
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
    // The url run's originals are in the cache: build over them, cold, frozen; then the same with
    // glibc's malloc arenas capped, to show how much of the peak is the allocator's.
    const astro = path.join(astroPackage(), 'bin/astro.mjs');
    for (const [name, extra] of [
      ['astro build, cold', {}],
      ['astro build, cold, MALLOC_ARENA_MAX=2', { MALLOC_ARENA_MAX: '2' }],
    ] as const) {
      await rm(path.join(SITE, 'node_modules/.cache'), { recursive: true, force: true });
      await rm(path.join(SITE, 'dist'), { recursive: true, force: true });
      const build = await measured([process.execPath, astro, 'build'], cleanEnv({ GENIMAGE_FROZEN: '1', ...extra }), SITE);
      if (build.code !== 0) throw new Error(`astro build exited with ${build.code}:\n${build.output.slice(-2000)}`);
      buildVariants = /(\d+ variant\(s\): \d+ encoded, \d+ reused)/.exec(build.output)?.[1] ?? '';
      runs.push({ name, peakMB: build.peakMB, seconds: build.seconds });
      log(`  ${name}: peak ${build.peakMB} MB, ${build.seconds} s, ${buildVariants}`);
    }
    // Astro's own share: the same build warm, encoding nothing.
    const warm = await measured([process.execPath, astro, 'build'], cleanEnv({ GENIMAGE_FROZEN: '1' }), SITE);
    if (warm.code !== 0) throw new Error(`astro build exited with ${warm.code}:\n${warm.output.slice(-2000)}`);
    runs.push({ name: 'astro build, warm (encodes nothing)', peakMB: warm.peakMB, seconds: warm.seconds });
    log(`  astro build, warm: peak ${warm.peakMB} MB, ${warm.seconds} s`);
  } finally {
    await server.close();
  }
  return { machine: machine(), markers: MARKERS, concurrency: CONCURRENCY, runs, buildVariants };
}

if (import.meta.main) {
  const figures = await runMemoryBench();
  await mkdir(path.join(here, '.tmp'), { recursive: true });
  await writeFile(path.join(here, '.tmp', 'memory.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(JSON.stringify(figures.runs, null, 2));
}
