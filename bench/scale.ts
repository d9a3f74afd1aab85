/**
 * Scale benchmark: the comparison's site (bench/compare-sites.ts) at 100 and 1,000 pages of 2
 * distinct photos each (2,000 images at 1,000 pages), genimage against plain Astro `<Picture>` over
 * the same originals, warm builds only; and at each size `genimage scan` and `genimage check` as a
 * user runs them (the built CLI, a child process, in the site), and the size of the verified index.
 *
 *   node bench/scale.ts                          # 100 and 1000 pages: see SCALE_DEFAULTS
 *   node bench/scale.ts --pages 10,50 --warm 3 --runs 3   # a quick check
 *
 * Photos are 320x180 (SCALE_PHOTO), not the comparison's 1024x576: plain Astro's cache must be
 * filled once by a cold build, whose AVIF encodes at sharp's default effort take over a second per
 * 1024x576 photo here (2,000 photos: most of an hour), and a few tenths of one at 320x180. A warm
 * build decodes no original on either side (genimage plans from its cache metadata, Astro reuses its
 * cache entries), so what the warm figures measure is per-page and per-image overhead, which the
 * original's size hardly changes.
 *
 * Each size: both sites written (photos synthesized once, into bench/.tmp/scale-320x180/photos/), one build
 * of each side that fills its caches (cold the first time, reported, not timed in the medians).
 * Then `warm` rounds, each building every side at every size once, in an order that turns from
 * round to round (the verdicts compare one size's ratio with another's: a change in the machine's
 * load must meet both); then, per size, one `genimage check` with the verified index removed (it
 * reads, hashes and decodes every image; reported, not in the medians) and one `genimage scan`,
 * and `runs` rounds of both commands at every size, turning likewise. Frozen, no API key. Writes
 * bench/.tmp/scale.json when run alone.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { astroBuild, hasGnuTime, workOf } from './astro-compare.ts';
import { type DistFigures, distFigures } from './build.ts';
import { runChild, tail } from './child.ts';
import {
  astroPackage,
  buildEnv,
  photoFile,
  photosOfPage,
  plannedWidths,
  prepareSite,
  type Side,
  type SiteSet,
  sizesFor,
} from './compare-sites.ts';
import { type Machine, machine, median, rotate, round } from './stats.ts';

export const SCALE_DEFAULTS = { pages: [100, 1000], warm: 5, runs: 5 };
export const SCALE_PHOTO = { width: 320, height: 180 };
export const SCALE_SIDES: readonly Side[] = ['genimage', 'astro'];
/** Where a site's verified index lies (packages/core/src/engine.ts). */
export const VERIFIED_INDEX = 'node_modules/.cache/genimage/verified-entries.json';

const here = path.dirname(fileURLToPath(import.meta.url));
const workspace = path.resolve(here, '..');
const CLI = path.join(workspace, 'packages/cli/bin/genimage.js');
const TIME = '/usr/bin/time';
/** The sites and their photos, in a folder named after the photos' size: another size never reuses them. */
export const SCALE_SET: SiteSet = { dir: path.join(here, '.tmp', `scale-${SCALE_PHOTO.width}x${SCALE_PHOTO.height}`), photo: SCALE_PHOTO };

export interface ScaleOptions {
  /** Site sizes, in pages of 2 photos each. */
  pages: number[];
  /** Warm rounds per size: each builds every side once. */
  warm: number;
  /** Timed runs of `genimage scan` and of `genimage check` per size. */
  runs: number;
}

/** One timed child process: wall time, and its peak RSS in kB (null without GNU time). */
export interface Run {
  ms: number;
  peakRssKb: number | null;
}

export interface ScaleBuild extends Run {
  round: number;
  encoded: number;
  reused: number;
  total: number;
}

export interface ScaleSide {
  side: Side;
  /** The build that filled the caches before the warm rounds: cold when `encoded` > 0. */
  first: ScaleBuild;
  warm: ScaleBuild[];
  warmMedianMs: number;
  /** The highest peak RSS of the warm builds. */
  warmPeakRssKb: number | null;
  /** The last warm build's output. */
  dist: DistFigures;
  /** Whether every warm build wrote the same dist (sha256 over paths and contents). */
  identicalOutputs: boolean;
}

export interface CliFigures {
  /** The first run, not in the median: for check, without a verified index (it reads, hashes and decodes every image). */
  first: Run;
  runs: Run[];
  medianMs: number;
  peakRssKb: number | null;
}

export interface ScaleSize {
  pages: number;
  photos: number;
  /** The PNG originals' bytes, all photos of the site. */
  originalsBytes: number;
  sides: ScaleSide[];
  scan: CliFigures & { files: number; markers: number; images: number };
  check: CliFigures & { images: number };
  /** The verified index after the checks: bytes and entries. */
  index: { bytes: number; entries: number };
}

export interface ScaleFigures {
  machine: Machine;
  options: ScaleOptions;
  photo: { width: number; height: number };
  plannedWidths: number[];
  sizes: string;
  astro: string;
  /** How peak RSS was measured, or why it was not. */
  rssMethod: string;
  /** Load averages (1, 5, 15 min) when the benchmark started and ended: the machine is shared. */
  load: { start: number[]; end: number[] };
  sizesMeasured: ScaleSize[];
  totalSeconds: number;
}

/** Parses `--pages 100,1000 --warm 5 --runs 5`, pure; unknown flags throw. */
export function parseScaleArgs(args: readonly string[]): ScaleOptions {
  const { values } = parseArgs({
    args: [...args],
    options: { pages: { type: 'string' }, warm: { type: 'string' }, runs: { type: 'string' } },
    strict: true,
  });
  const count = (name: string, value: string | undefined, fallback: number, min: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} expects a whole number from ${min} up, got "${value}".`);
    return n;
  };
  const pages = values.pages === undefined ? SCALE_DEFAULTS.pages : values.pages.split(',').map((p) => count('pages', p.trim(), 0, 1));
  return {
    pages: [...new Set(pages)].sort((a, b) => a - b),
    warm: count('warm', values.warm, SCALE_DEFAULTS.warm, 1),
    runs: count('runs', values.runs, SCALE_DEFAULTS.runs, 1),
  };
}

/** `genimage scan`'s last line: "2000 marker(s) in 1001 file(s), 2000 distinct image request(s): 2000 cached, 0 missing, 0 corrupt". Pure. */
export function parseScanLine(output: string): { markers: number; files: number; images: number; cached: number } {
  const found = /(\d+) marker\(s\) in (\d+) file\(s\), (\d+) distinct image request\(s\): (\d+) cached/.exec(output);
  if (!found) throw new Error(`no summary line in genimage scan's output:\n${tail(output)}`);
  const [, markers = '', files = '', images = '', cached = ''] = found;
  return { markers: Number(markers), files: Number(files), images: Number(images), cached: Number(cached) };
}

/** `genimage check`'s line when it passes: "All 2000 image(s) for 2000 marker(s) are cached and verified". Pure. */
export function parseCheckLine(output: string): { images: number } {
  const found = /All (\d+) image\(s\) for \d+ marker\(s\) are cached and verified/.exec(output);
  if (!found) throw new Error(`genimage check did not pass:\n${tail(output)}`);
  return { images: Number(found[1]) };
}

/** One CLI command in `site`, as a user runs it; throws with its output if it fails. */
async function cli(site: string, command: 'scan' | 'check', measureRss: boolean): Promise<Run & { output: string }> {
  const rssFile = path.join(os.tmpdir(), `genimage-bench-cli-rss-${process.pid}`);
  const [program, args] = measureRss
    ? [TIME, ['-f', '%M', '-o', rssFile, process.execPath, CLI, command]]
    : [process.execPath, [CLI, command]];
  const { ms, code, output } = await runChild(program, args, { cwd: site, env: buildEnv() });
  if (code !== 0) throw new Error(`genimage ${command} in ${site} exited with ${code}:\n${tail(output)}`);
  const peakRssKb = measureRss ? Number(/(\d+)\s*$/.exec(await readFile(rssFile, 'utf8'))?.[1] ?? Number.NaN) : null;
  return { ms, peakRssKb, output };
}

async function originalsBytes(pages: number): Promise<number> {
  let bytes = 0;
  for (let page = 1; page <= pages; page++)
    for (const photo of photosOfPage(page)) bytes += (await stat(await photoFile(photo.n, SCALE_SET))).size;
  return bytes;
}

async function indexFigures(site: string): Promise<{ bytes: number; entries: number }> {
  const text = await readFile(path.join(site, VERIFIED_INDEX), 'utf8');
  const { entries } = JSON.parse(text) as { entries: Record<string, unknown> };
  return { bytes: Buffer.byteLength(text), entries: Object.keys(entries).length };
}

const peakOf = (runs: readonly Run[]) =>
  runs.some((run) => run.peakRssKb === null) ? null : Math.max(...runs.map((run) => run.peakRssKb ?? 0));

export async function runScaleBench(
  options: ScaleOptions = SCALE_DEFAULTS,
  log: (line: string) => void = console.log,
): Promise<ScaleFigures> {
  const started = performance.now();
  const startLoad = os.loadavg().map((load) => round(load, 2));
  const bin = path.join(astroPackage(), 'bin/astro.mjs');
  const measureRss = hasGnuTime();
  log(
    `scale: genimage against plain Astro <Picture>, ${options.pages.join(' and ')} pages of 2 ${SCALE_PHOTO.width}x${SCALE_PHOTO.height} photos; ` +
      `${options.warm} warm rounds and ${options.runs} runs of genimage scan and check, each over every size`,
  );

  /** What one size accumulates across the rounds. */
  interface SizeState {
    pages: number;
    sites: Map<Side, string>;
    firsts: Map<Side, ScaleBuild>;
    warm: Map<Side, { builds: ScaleBuild[]; digests: Set<string>; dist?: DistFigures }>;
    firstCheck?: Run & { output: string };
    firstScan?: Run & { output: string };
    scans: Run[];
    checks: Run[];
  }
  const build = async (state: SizeState, side: Side, roundIndex: number): Promise<ScaleBuild & { digest: string; dist: DistFigures }> => {
    const site = state.sites.get(side)!;
    const run = await astroBuild(site, bin, measureRss);
    const work = workOf(side, run.log);
    const dist = await distFigures(path.join(site, 'dist'));
    return {
      round: roundIndex,
      ms: round(run.ms, 0),
      peakRssKb: run.peakRssKb,
      encoded: work.encoded,
      reused: work.reused,
      total: work.total,
      digest: dist.digest,
      dist,
    };
  };

  // Every size is prepared first; then each round builds every side at every size, in an order
  // that turns from round to round, so that a change in the machine's load meets all sizes alike
  // (the verdicts compare one size's ratio with another's).
  const states: SizeState[] = [];
  for (const pages of options.pages) {
    const state: SizeState = { pages, sites: new Map(), firsts: new Map(), warm: new Map(), scans: [], checks: [] };
    for (const side of SCALE_SIDES) state.sites.set(side, await prepareSite(side, pages, log, SCALE_SET));
    for (const side of SCALE_SIDES) {
      const { digest: _digest, dist: _dist, ...first } = await build(state, side, 0);
      state.firsts.set(side, first);
      state.warm.set(side, { builds: [], digests: new Set() });
      log(`  ${pages} pages, first ${side} build (${first.encoded > 0 ? 'cold' : 'warm'}): ${(first.ms / 1000).toFixed(1)} s`);
    }
    states.push(state);
  }

  for (let r = 0; r < options.warm; r++) {
    const done: string[] = [];
    for (const state of rotate(states, r)) {
      for (const side of rotate(SCALE_SIDES, r)) {
        const { digest, dist, ...one } = await build(state, side, r + 1);
        // Either side encoding on a warm build would not be measuring what this benchmark claims to.
        if (one.encoded !== 0) throw new Error(`a warm ${side} build at ${state.pages} pages encoded ${one.encoded} image(s)`);
        const warm = state.warm.get(side)!;
        warm.builds.push(one);
        warm.digests.add(digest);
        warm.dist = dist;
        done.push(`${side} ${state.pages} ${(one.ms / 1000).toFixed(2)} s`);
      }
    }
    log(`  warm round ${r + 1}: ${done.join(', ')}`);
  }

  for (const state of states) {
    const site = state.sites.get('genimage')!;
    // Without the verified index, the first check reads, hashes and decodes every image: what a
    // fresh checkout's first check costs. It leaves the index the timed runs find.
    await rm(path.join(site, VERIFIED_INDEX), { force: true });
    state.firstCheck = await cli(site, 'check', measureRss);
    state.firstScan = await cli(site, 'scan', measureRss);
  }
  for (let r = 0; r < options.runs; r++) {
    for (const state of rotate(states, r)) {
      for (const command of rotate(['scan', 'check'] as const, r)) {
        const { output, ...run } = await cli(state.sites.get('genimage')!, command, measureRss);
        if (command === 'scan') {
          const line = parseScanLine(output);
          if (line.cached !== state.pages * 2) throw new Error(`genimage scan found ${line.cached} of ${state.pages * 2} images cached`);
        } else parseCheckLine(output);
        (command === 'scan' ? state.scans : state.checks).push({ ms: round(run.ms, 0), peakRssKb: run.peakRssKb });
      }
    }
  }

  const sizesMeasured: ScaleSize[] = [];
  for (const state of states) {
    const { pages, scans, checks } = state;
    const firstScan = state.firstScan!;
    const firstCheck = state.firstCheck!;
    const scanned = parseScanLine(firstScan.output);
    const checked = parseCheckLine(firstCheck.output);
    log(
      `  ${pages} pages: genimage scan ${scans.map((r) => r.ms).join(', ')} ms; genimage check ${checks.map((r) => r.ms).join(', ')} ms ` +
        `(first, no verified index: ${Math.round(firstCheck.ms)} ms)`,
    );
    sizesMeasured.push({
      pages,
      photos: pages * 2,
      originalsBytes: await originalsBytes(pages),
      sides: SCALE_SIDES.map((side) => {
        const { builds, digests, dist } = state.warm.get(side)!;
        if (!dist) throw new Error(`no warm build of ${side} at ${pages} pages`);
        return {
          side,
          first: state.firsts.get(side)!,
          warm: builds,
          warmMedianMs: round(median(builds.map((b) => b.ms)), 0),
          warmPeakRssKb: peakOf(builds),
          dist,
          identicalOutputs: digests.size === 1,
        };
      }),
      scan: {
        first: { ms: round(firstScan.ms, 0), peakRssKb: firstScan.peakRssKb },
        runs: scans,
        medianMs: round(median(scans.map((r) => r.ms)), 0),
        peakRssKb: peakOf(scans),
        files: scanned.files,
        markers: scanned.markers,
        images: scanned.images,
      },
      check: {
        first: { ms: round(firstCheck.ms, 0), peakRssKb: firstCheck.peakRssKb },
        runs: checks,
        medianMs: round(median(checks.map((r) => r.ms)), 0),
        peakRssKb: peakOf(checks),
        images: checked.images,
      },
      index: await indexFigures(state.sites.get('genimage')!),
    });
  }

  return {
    machine: machine(),
    options,
    photo: SCALE_PHOTO,
    plannedWidths: plannedWidths(SCALE_PHOTO.width),
    sizes: sizesFor(SCALE_PHOTO.width),
    astro: (JSON.parse(await readFile(path.join(astroPackage(), 'package.json'), 'utf8')) as { version: string }).version,
    rssMethod: measureRss
      ? 'GNU time (`/usr/bin/time -f %M`): the maximum resident set size of the process'
      : 'not measured: /usr/bin/time (GNU time) is not installed',
    load: { start: startLoad, end: os.loadavg().map((load) => round(load, 2)) },
    sizesMeasured,
    totalSeconds: round((performance.now() - started) / 1000, 0),
  };
}

if (import.meta.main) {
  const figures = await runScaleBench(parseScaleArgs(process.argv.slice(2)));
  await mkdir(path.join(here, '.tmp'), { recursive: true });
  await writeFile(path.join(here, '.tmp', 'scale.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(
    `Wrote bench/.tmp/scale.json in ${figures.totalSeconds} s; \`node bench/run.ts scale\` with the same flags also rewrites BENCHMARKS.md and the README summary.`,
  );
}
