/**
 * Comparison benchmark: the same generated photo site built with genimage and with plain Astro
 * `<Picture>` over the same PNG originals (bench/compare-sites.ts), as child processes
 * `node <astro bin> build`, frozen, with no API key.
 *
 *   node bench/astro-compare.ts                                  # the sizes: see DEFAULTS
 *   node bench/astro-compare.ts --pages 3 --cold-pages 3 --cold 1 --warm 2   # a quick check
 *
 * Sides: `genimage` (its defaults), `astro` (Astro's defaults with genimage's formats, widths and
 * sizes) and, at the cold size only, `astro-equal` (also `fallbackFormat="jpg"`, `quality={70}`).
 * Cold: the output and every derived cache removed (bench/compare-sites.ts `derivedState`), the
 * originals present. Warm: everything kept. At the cold size, round r builds every side cold (while
 * r < cold rounds), then every side warm (while r < warm rounds), each time starting from a
 * different side; at every other size one cold build prepares each side (reported as a single
 * run, not a median), then the warm rounds run. Wall time includes Node and Astro start-up; peak RSS is GNU time's
 * maximum resident set size of the build process (`/usr/bin/time -f %M`), when it is installed.
 *
 * A genimage build that asks for a request fails (frozen); the variants it encodes on every warm
 * build are recorded, as are the images Astro transforms anew or reuses. Writes
 * bench/.tmp/compare.json when run alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runChild, tail } from './child.ts';
import { type BuildLog, type DistFigures, distFigures, parseBuildLog } from './build.ts';
import {
  astroPackage,
  buildEnv,
  derivedState,
  PHOTO,
  photoFile,
  photosOfPage,
  PLANNED_WIDTHS,
  prepareSite,
  type Side,
  SIDES,
  SIZES,
} from './compare-sites.ts';
import { type Machine, machine, median, rotate, round } from './stats.ts';

export const DEFAULTS = { pages: [50, 100], coldPages: 50, cold: 3, warm: 5 };

const here = path.dirname(fileURLToPath(import.meta.url));
const TIME = '/usr/bin/time';

export interface CompareOptions {
  /** Site sizes, in pages of 2 photos each, measured warm. */
  pages: number[];
  /** The size measured cold too, and the only one with the equal-work Astro side. */
  coldPages: number;
  cold: number;
  warm: number;
}

/** What Astro's image generation says, one line per image: written anew or taken from its cache. */
export interface AstroImageLog {
  total: number;
  encoded: number;
  reused: number;
}

export interface Build {
  kind: 'cold' | 'warm';
  round: number;
  ms: number;
  /** Maximum resident set size in kB; null without GNU time. */
  peakRssKb: number | null;
  /** Warm builds since the last cold build of this side: 1 for the first. */
  warmIndex: number;
  /** Images encoded and reused: genimage's variant summary, or Astro's image lines. */
  encoded: number;
  reused: number;
  total: number;
  /** genimage's request summary (genimage side only). */
  requests?: BuildLog['requests'];
}

export interface SideFigures {
  side: Side;
  builds: Build[];
  coldMedianMs: number | null;
  warmMedianMs: number;
  /** Peak RSS, the highest over the side's cold builds and over its warm builds, in kB. */
  coldPeakRssKb: number | null;
  warmPeakRssKb: number | null;
  /** The last cold build's output. */
  dist: DistFigures;
  /** Whether every build of the side wrote the same dist (sha256 over paths and contents). */
  identicalOutputs: boolean;
}

export interface SizeFigures {
  pages: number;
  photos: number;
  /** Whether this size had `cold` timed rounds, or only the one cold build that prepares the warm ones. */
  coldRounds: number;
  warmRounds: number;
  /** The PNG originals' bytes, all photos of the site. */
  originalsBytes: number;
  sides: SideFigures[];
}

export interface CompareFigures {
  machine: Machine;
  options: CompareOptions;
  photo: { width: number; height: number };
  plannedWidths: number[];
  sizes: string;
  astro: string;
  /** How peak RSS was measured, or why it was not. */
  rssMethod: string;
  sizesMeasured: SizeFigures[];
  totalSeconds: number;
}

/** Astro's "▶ /_astro/x.avif (reused cache entry)" lines, pure. */
export function parseAstroImageLog(log: string): AstroImageLog {
  let encoded = 0;
  let reused = 0;
  for (const line of log.split('\n')) {
    if (!/▶ \S+/.test(line)) continue;
    if (/\((reused|revalidated) cache entry\)/.test(line)) reused++;
    else if (/\(before: [\d.]+kB, after: [\d.]+kB\)/.test(line)) encoded++;
  }
  return { total: encoded + reused, encoded, reused };
}

/** Parses `--pages 50,100 --cold-pages 50 --cold 3 --warm 5`, pure; unknown flags throw. */
export function parseCompareArgs(args: readonly string[]): CompareOptions {
  const { values } = parseArgs({
    args: [...args],
    options: { pages: { type: 'string' }, 'cold-pages': { type: 'string' }, cold: { type: 'string' }, warm: { type: 'string' } },
    strict: true,
  });
  const count = (name: string, value: string | undefined, fallback: number, min: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} expects a whole number from ${min} up, got "${value}".`);
    return n;
  };
  const pages = values.pages === undefined ? DEFAULTS.pages : values.pages.split(',').map((p) => count('pages', p.trim(), 0, 1));
  const coldPages = count('cold-pages', values['cold-pages'], Math.min(DEFAULTS.coldPages, ...pages), 1);
  return {
    pages: [...new Set([...pages, coldPages])].sort((a, b) => a - b),
    coldPages,
    cold: count('cold', values.cold, DEFAULTS.cold, 1),
    warm: count('warm', values.warm, DEFAULTS.warm, 2),
  };
}

/** Whether GNU time is there to measure peak RSS. */
export function hasGnuTime(): boolean {
  const probe = spawnSync(TIME, ['-f', '%M', 'true'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+\s*$/.test(probe.stderr);
}

/** One `astro build` in `site`: wall time, peak RSS and log. Throws with the log's tail if it fails. */
export function astroBuild(site: string, bin: string, measureRss: boolean): Promise<{ ms: number; peakRssKb: number | null; log: string }> {
  const rssFile = path.join(os.tmpdir(), `genimage-bench-rss-${process.pid}`);
  const [command, args] = measureRss
    ? [TIME, ['-f', '%M', '-o', rssFile, process.execPath, bin, 'build']]
    : [process.execPath, [bin, 'build']];
  return runChild(command, args, { cwd: site, env: buildEnv() }).then(async ({ ms, code, output }) => {
    if (code !== 0) throw new Error(`astro build in ${site} exited with ${code}:\n${tail(output)}`);
    const peakRssKb = measureRss ? Number(/(\d+)\s*$/.exec(await readFile(rssFile, 'utf8'))?.[1] ?? Number.NaN) : null;
    return { ms, peakRssKb, log: output };
  });
}

/** The work a build's log reports: genimage's variant summary (refusing any generation), or Astro's image lines. */
export function workOf(side: Side, log: string): Pick<Build, 'encoded' | 'reused' | 'total' | 'requests'> {
  if (side === 'genimage') {
    const { variants, requests } = parseBuildLog(log);
    if (requests.generated !== 0 || requests.failed !== 0)
      throw new Error(`the genimage build generated or failed requests: ${JSON.stringify(requests)}`);
    return { ...variants, requests };
  }
  return parseAstroImageLog(log);
}

async function originalsBytes(pages: number): Promise<number> {
  let bytes = 0;
  for (let page = 1; page <= pages; page++) for (const photo of photosOfPage(page)) bytes += (await stat(await photoFile(photo.n))).size;
  return bytes;
}

interface SideState {
  site: string;
  builds: Build[];
  dist?: DistFigures;
  digests: Set<string>;
  warmSinceCold: number;
}

export async function runCompareBench(
  options: CompareOptions = DEFAULTS,
  log: (line: string) => void = console.log,
): Promise<CompareFigures> {
  const started = performance.now();
  const bin = path.join(astroPackage(), 'bin/astro.mjs');
  const measureRss = hasGnuTime();
  const sizesMeasured: SizeFigures[] = [];
  log(
    `compare: genimage against plain Astro <Picture>, ${options.pages.join(' and ')} pages of 2 photos; ` +
      `${options.cold} cold + ${options.warm} warm rounds at ${options.coldPages} pages, ${options.warm} warm rounds at the others`,
  );

  for (const pages of options.pages) {
    const timedCold = pages === options.coldPages;
    const sides = timedCold ? SIDES : SIDES.filter((side) => side !== 'astro-equal');
    const state = new Map<Side, SideState>();
    for (const side of sides)
      state.set(side, { site: await prepareSite(side, pages, log), builds: [], digests: new Set(), warmSinceCold: 0 });

    const once = async (side: Side, kind: Build['kind'], roundIndex: number) => {
      const s = state.get(side)!;
      if (kind === 'cold') {
        for (const derived of derivedState(side)) await rm(path.join(s.site, derived), { recursive: true, force: true });
        s.warmSinceCold = 0;
      } else {
        s.warmSinceCold++;
      }
      const run = await astroBuild(s.site, bin, measureRss);
      const build: Build = {
        kind,
        round: roundIndex + 1,
        ms: round(run.ms, 0),
        peakRssKb: run.peakRssKb,
        warmIndex: s.warmSinceCold,
        ...workOf(side, run.log),
      };
      if (kind === 'cold' && build.reused !== 0) throw new Error(`a cold ${side} build reused cached work: ${JSON.stringify(build)}`);
      s.builds.push(build);
      const dist = await distFigures(path.join(s.site, 'dist'));
      if (kind === 'cold') s.dist = dist;
      s.digests.add(dist.digest);
      return `${side} ${kind} ${(run.ms / 1000).toFixed(1)} s`;
    };

    const coldRounds = timedCold ? options.cold : 1;
    for (let r = 0; r < Math.max(coldRounds, options.warm); r++) {
      const done: string[] = [];
      if (r < coldRounds) for (const side of rotate(sides, r)) done.push(await once(side, 'cold', r));
      if (r < options.warm) for (const side of rotate(sides, r)) done.push(await once(side, 'warm', r));
      log(`  ${pages} pages, round ${r + 1}: ${done.join(', ')}`);
    }

    sizesMeasured.push({
      pages,
      photos: pages * 2,
      coldRounds,
      warmRounds: options.warm,
      originalsBytes: await originalsBytes(pages),
      sides: sides.map((side) => {
        const { builds, dist, digests } = state.get(side)!;
        if (!dist) throw new Error(`no cold build of ${side} at ${pages} pages`);
        const of = (kind: Build['kind']) => builds.filter((b) => b.kind === kind);
        const peak = (kind: Build['kind']) => (measureRss ? Math.max(...of(kind).map((b) => b.peakRssKb ?? 0)) : null);
        return {
          side,
          builds,
          coldMedianMs: timedCold ? round(median(of('cold').map((b) => b.ms)), 0) : null,
          warmMedianMs: round(median(of('warm').map((b) => b.ms)), 0),
          coldPeakRssKb: peak('cold'),
          warmPeakRssKb: peak('warm'),
          dist,
          identicalOutputs: digests.size === 1,
        };
      }),
    });
  }

  return {
    machine: machine(),
    options,
    photo: PHOTO,
    plannedWidths: PLANNED_WIDTHS,
    sizes: SIZES,
    astro: (JSON.parse(await readFile(path.join(astroPackage(), 'package.json'), 'utf8')) as { version: string }).version,
    rssMethod: measureRss
      ? 'GNU time (`/usr/bin/time -f %M`): the maximum resident set size of the build process'
      : 'not measured: /usr/bin/time (GNU time) is not installed',
    sizesMeasured,
    totalSeconds: round((performance.now() - started) / 1000, 0),
  };
}

if (import.meta.main) {
  const figures = await runCompareBench(parseCompareArgs(process.argv.slice(2)));
  await mkdir(path.join(here, '.tmp'), { recursive: true });
  await writeFile(path.join(here, '.tmp', 'compare.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(
    `Wrote bench/.tmp/compare.json in ${figures.totalSeconds} s; \`node bench/run.ts compare\` with the same flags also rewrites BENCHMARKS.md and the README summary.`,
  );
}
