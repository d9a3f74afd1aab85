/**
 * Runs every benchmark and writes BENCHMARKS.md, with the raw figures in bench/.tmp/*.json, and
 * the comparison's summary into README.md (between its bench:summary markers).
 *
 *   pnpm bench                      # all of them (tsc -b first)
 *   node bench/run.ts encode build  # only these; the others' figures come from their last JSON
 *   node bench/run.ts compare --pages 10 --cold-pages 10 --cold 1 --warm 2   # flags go to bench/astro-compare.ts
 *   node bench/run.ts scale --pages 10,50 --warm 2 --runs 2                 # or to bench/scale.ts
 *   node bench/run.ts cold --pages 5 --rounds 1                               # or to bench/cold.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CompareFigures, parseCompareArgs, runCompareBench } from './astro-compare.ts';
import { type BuildFigures, runBuildBench } from './build.ts';
import { type ColdFigures, parseColdArgs, runColdBench } from './cold.ts';
import { COLD_ROW, coldVerdicts } from './cold-report.ts';
import { readmeSummary, replaceSummary } from './compare-report.ts';
import { mergeSummaryRows } from './summary-rows.ts';
import { type EncodeFigures, runEncodeBench } from './encode.ts';
import { type GenerateFigures, runGenerateBench } from './generate.ts';
import { generateVerdicts } from './generate-report.ts';
import { MEMORY_ROWS, memoryVerdicts } from './memory-report.ts';
import { type MemoryFigures, runMemoryBench } from './memory.ts';
import { type ScanFigures, renderReport } from './report.ts';
import { parseScaleArgs, runScaleBench, type ScaleFigures } from './scale.ts';
import { SCALE_ROW_PREFIX, scaleVerdicts } from './scale-report.ts';

const BENCHMARKS = ['scan', 'encode', 'build', 'compare', 'generate', 'memory', 'scale', 'cold'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = path.join(here, '.tmp');
const jsonOf = (name: Benchmark) => path.join(tmp, `${name}.json`);

const firstFlag = process.argv.slice(2).findIndex((arg) => arg.startsWith('-'));
const asked = firstFlag === -1 ? process.argv.slice(2) : process.argv.slice(2, 2 + firstFlag);
const flags = firstFlag === -1 ? [] : process.argv.slice(2 + firstFlag);
for (const name of asked) {
  if (!(BENCHMARKS as readonly string[]).includes(name)) {
    console.error(`Unknown benchmark "${name}": expected some of ${BENCHMARKS.join(', ')}, or none for all.`);
    process.exit(2);
  }
}
const selected = new Set<string>(asked.length === 0 ? BENCHMARKS : asked);
// Flags go to the one benchmark that takes them among those selected.
const flagged = (['compare', 'scale', 'cold'] as const).filter((name) => selected.has(name));
if (flags.length > 0 && flagged.length !== 1) {
  console.error(`Flags (${flags.join(' ')}) are for one benchmark: select compare, scale or cold alone.`);
  process.exit(2);
}
const compareOptions = parseCompareArgs(flagged[0] === 'compare' ? flags : []);
const scaleOptions = parseScaleArgs(flagged[0] === 'scale' ? flags : []);
const coldOptions = parseColdArgs(flagged[0] === 'cold' ? flags : []);

/** A benchmark's last figures, or undefined when it has not run here (bench/.tmp is not committed). */
async function load<T>(name: Benchmark): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(jsonOf(name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}

async function save(name: Benchmark, figures: unknown): Promise<void> {
  await writeFile(jsonOf(name), `${JSON.stringify(figures, null, 2)}\n`);
}

const started = performance.now();
await mkdir(tmp, { recursive: true });

if (selected.has('scan')) {
  // A script with top-level work of its own: run as is, in its own process; it writes scan.json.
  console.log('scan: scan() against grep -rl');
  const result = spawnSync(process.execPath, [path.join(here, 'scan.ts')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`bench/scan.ts exited with ${result.status ?? result.signal}`);
}
if (selected.has('encode')) await save('encode', await runEncodeBench(tmp));
if (selected.has('build')) await save('build', await runBuildBench());
if (selected.has('compare')) await save('compare', await runCompareBench(compareOptions));
if (selected.has('generate')) await save('generate', await runGenerateBench());
if (selected.has('memory')) await save('memory', await runMemoryBench());
if (selected.has('scale')) await save('scale', await runScaleBench(scaleOptions));
if (selected.has('cold')) await save('cold', await runColdBench(coldOptions));

// A benchmark not run here keeps its section of BENCHMARKS.md (and its README rows) as they are.
const figures = {
  scan: await load<ScanFigures>('scan'),
  encode: await load<EncodeFigures>('encode'),
  build: await load<BuildFigures>('build'),
  compare: await load<CompareFigures>('compare'),
  generate: await load<GenerateFigures>('generate'),
  memory: await load<MemoryFigures>('memory'),
  scale: await load<ScaleFigures>('scale'),
  cold: await load<ColdFigures>('cold'),
};
const { compare, generate, memory, scale, cold } = figures;
const target = path.resolve(here, '..', 'BENCHMARKS.md');
const previous = await readFile(target, 'utf8').catch(() => '');
await writeFile(target, renderReport(figures, { previous }));
const written = [path.relative(process.cwd(), target)];
const readme = path.resolve(here, '..', 'README.md');
const text = await readFile(readme, 'utf8');
const more = [
  ...(generate ? generateVerdicts(generate) : []),
  ...(memory ? memoryVerdicts(memory) : []),
  ...(scale ? scaleVerdicts(scale) : []),
  ...(cold ? coldVerdicts(cold) : []),
];
// Without the comparison's figures its rows stay as they are; the others' are written anew.
const families = [
  ...(generate ? ['generate,'] : []),
  ...(memory ? MEMORY_ROWS : []),
  ...(scale ? [SCALE_ROW_PREFIX] : []),
  ...(cold ? [COLD_ROW] : []),
];
const updated = compare
  ? replaceSummary(text, readmeSummary(compare, more))
  : mergeSummaryRows(text, more, (row) => families.some((prefix) => row.startsWith(prefix)));
if (updated !== text) {
  await writeFile(readme, updated);
  written.push(path.relative(process.cwd(), readme));
}
console.log(
  `Wrote ${written.join(', ')} and ${path.relative(process.cwd(), tmp)}/*.json in ${((performance.now() - started) / 1000).toFixed(0)} s.`,
);
