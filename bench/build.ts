/**
 * Build benchmark: the demo site (examples/astro-site) built cold, with no generated originals,
 * no variant cache and no dist, against warm, with everything cached, as child processes
 * `node <astro bin> build`, GENIMAGE_FROZEN=0 and no SHARK_API_KEY (offline placeholders).
 *
 *   node bench/build.ts
 *
 * An untimed warm-up build first, then rounds of cold and warm alternating; the figures are
 * medians. Astro's and Vite's own caches (.astro/, node_modules/.vite) are left alone in both:
 * "cold" means cold for genimage. Also reads the cold build's dist (bytes by format) and the
 * integration's summary lines; a warm build that encodes or generates anything fails the run.
 * Writes bench/.tmp/build.json and leaves the example built, with its caches.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild, tail } from './child.ts';
import { type Machine, machine, median, round } from './stats.ts';

const ROUNDS = 5;

const here = path.dirname(fileURLToPath(import.meta.url));
const site = path.resolve(here, '../examples/astro-site');
/** What genimage keeps between builds: generated originals, encoded variants; and the output. */
const GENIMAGE_STATE = ['.genimage', 'dist', 'node_modules/.cache/genimage'];

export interface BuildLog {
  /** "N variant(s): X encoded, Y reused" */
  variants: { total: number; encoded: number; reused: number };
  /** "N image request(s): X generated, Y reused, Z failed" */
  requests: { total: number; generated: number; reused: number; failed: number };
}

export interface DistFigures {
  files: number;
  bytes: number;
  /** Bytes and files by extension: avif, webp, jpg, png, html, js, css, ... */
  byExtension: Record<string, { files: number; bytes: number }>;
  /** sha256 over every path and content: equal digests, equal sites. */
  digest: string;
}

export interface BuildFigures {
  machine: Machine;
  rounds: number;
  coldMs: number[];
  warmMs: number[];
  coldMedianMs: number;
  warmMedianMs: number;
  /** warm / cold, from the medians. */
  ratio: number;
  cold: BuildLog;
  warm: BuildLog;
  dist: DistFigures;
  /** The generated PNG originals in .genimage/ after a cold build (not shipped). */
  originals: { files: number; bytes: number };
  /** Whether every build, cold and warm, wrote the same dist. */
  identicalOutputs: boolean;
}

function astroBin(): string {
  const require = createRequire(path.join(site, 'package.json'));
  const manifest = require.resolve('astro/package.json');
  const { bin } = require(manifest) as { bin: { astro: string } };
  return path.join(path.dirname(manifest), bin.astro);
}

/** One `astro build`; its wall time and log. Throws with the log's tail if it fails. */
function build(bin: string): Promise<{ ms: number; log: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, GENIMAGE_FROZEN: '0', NO_COLOR: '1' };
  delete env.SHARK_API_KEY;
  delete env.FORCE_COLOR;
  return runChild(process.execPath, [bin, 'build'], { cwd: site, env }).then(({ ms, code, output }) => {
    if (code !== 0) throw new Error(`astro build exited with ${code}:\n${tail(output)}`);
    return { ms, log: output };
  });
}

/** The integration's summary lines, pure. */
export function parseBuildLog(log: string): BuildLog {
  const variants = /(\d+) variant\(s\): (\d+) encoded, (\d+) reused/.exec(log);
  const requests = /(\d+) image request\(s\): (\d+) generated, (\d+) reused, (\d+) failed/.exec(log);
  if (!variants || !requests) throw new Error(`no genimage summary in the build log:\n${log}`);
  const [, total = '', encoded = '', reused = ''] = variants;
  const [, rTotal = '', generated = '', rReused = '', failed = ''] = requests;
  return {
    variants: { total: Number(total), encoded: Number(encoded), reused: Number(reused) },
    requests: { total: Number(rTotal), generated: Number(generated), reused: Number(rReused), failed: Number(failed) },
  };
}

export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Files, bytes by extension and a digest of a build's output folder. */
export async function distFigures(dist: string): Promise<DistFigures> {
  const hash = createHash('sha256');
  const byExtension: Record<string, { files: number; bytes: number }> = {};
  let bytes = 0;
  const files = await filesUnder(dist);
  for (const file of files) {
    const content = await readFile(file);
    hash.update(path.relative(dist, file)).update('\0').update(content);
    const extension = path.extname(file).slice(1).toLowerCase() || '(none)';
    byExtension[extension] ??= { files: 0, bytes: 0 };
    const entry = byExtension[extension];
    entry.files++;
    entry.bytes += content.length;
    bytes += content.length;
  }
  return { files: files.length, bytes, byExtension, digest: hash.digest('hex') };
}

async function originalsFigures(): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const file of await filesUnder(path.join(site, '.genimage'))) {
    if (!file.endsWith('.png')) continue;
    files++;
    bytes += (await readFile(file)).length;
  }
  return { files, bytes };
}

export async function runBuildBench(log: (line: string) => void = console.log): Promise<BuildFigures> {
  const bin = astroBin();
  log(`build: warm-up + ${ROUNDS} rounds of cold and warm \`astro build\` in ${path.relative(process.cwd(), site) || '.'}`);
  await build(bin);

  const coldMs: number[] = [];
  const warmMs: number[] = [];
  const digests = new Set<string>();
  let cold: BuildLog | undefined;
  let warm: BuildLog | undefined;
  let dist: DistFigures | undefined;
  let originals: { files: number; bytes: number } | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    for (const state of GENIMAGE_STATE) await rm(path.join(site, state), { recursive: true, force: true });
    const coldRun = await build(bin);
    coldMs.push(coldRun.ms);
    cold = parseBuildLog(coldRun.log);
    if (cold.variants.reused !== 0 || cold.requests.reused !== 0)
      throw new Error(`a cold build reused cached work: ${JSON.stringify(cold)}`);
    dist = await distFigures(path.join(site, 'dist'));
    originals = await originalsFigures();
    digests.add(dist.digest);

    const warmRun = await build(bin);
    warmMs.push(warmRun.ms);
    warm = parseBuildLog(warmRun.log);
    if (warm.variants.encoded !== 0 || warm.requests.generated !== 0)
      throw new Error(`a warm build did work again: ${JSON.stringify(warm)}`);
    digests.add((await distFigures(path.join(site, 'dist'))).digest);
    log(`  round ${round + 1}/${ROUNDS}: cold ${Math.round(coldRun.ms)} ms, warm ${Math.round(warmRun.ms)} ms`);
  }
  if (!cold || !warm || !dist || !originals) throw new Error('no build round ran');

  return {
    machine: machine(),
    rounds: ROUNDS,
    coldMs: coldMs.map((ms) => round(ms, 0)),
    warmMs: warmMs.map((ms) => round(ms, 0)),
    coldMedianMs: round(median(coldMs), 0),
    warmMedianMs: round(median(warmMs), 0),
    ratio: round(median(warmMs) / median(coldMs), 2),
    cold,
    warm,
    dist,
    originals,
    identicalOutputs: digests.size === 1,
  };
}

if (import.meta.main) {
  const figures = await runBuildBench();
  await mkdir(path.join(here, '.tmp'), { recursive: true });
  await writeFile(path.join(here, '.tmp', 'build.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(JSON.stringify(figures, null, 2));
}
