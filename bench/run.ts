/**
 * Runs every benchmark and writes BENCHMARKS.md, with the raw figures in bench/.tmp/*.json, and
 * the comparison's summary into README.md (between its bench:summary markers).
 *
 *   pnpm bench                      # all of them (tsc -b first)
 *   node bench/run.ts encode build  # only these; the others' figures come from their last JSON
 *   node bench/run.ts compare --pages 10 --cold-pages 10 --cold 1 --warm 2   # flags go to bench/astro-compare.ts
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
import { mergeSummaryRows } from './summary-rows.ts';
import { readmeSummary, replaceSummary } from './compare-report.ts';
import { type EncodeFigures, runEncodeBench } from './encode.ts';
import { type GenerateFigures, runGenerateBench } from './generate.ts';
import { generateVerdicts } from './generate-report.ts';
import { MEMORY_ROWS, memoryVerdicts } from './memory-report.ts';
import { type MemoryFigures, runMemoryBench } from './memory.ts';
import { type ScanFigures, renderReport } from './report.ts';

const BENCHMARKS = ['scan', 'encode', 'build', 'compare', 'generate', 'memory', 'cold'] as const;
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
const flagsFor = selected.has('compare') ? 'compare' : selected.has('cold') ? 'cold' : undefined;
if (flags.length > 0 && (!flagsFor || (selected.has('compare') && selected.has('cold')))) {
  console.error(`Flags (${flags.join(' ')}) are for the compare or the cold benchmark, run alone.`);
  process.exit(2);
}
const compareOptions = parseCompareArgs(flagsFor === 'compare' ? flags : []);
const coldOptions = parseColdArgs(flagsFor === 'cold' ? flags : []);

async function load<T>(name: Benchmark): Promise<T> {
  try {
    return JSON.parse(await readFile(jsonOf(name), 'utf8')) as T;
  } catch (error) {
    throw new Error(
      `No figures for "${name}" in ${path.relative(process.cwd(), jsonOf(name))}: run \`node bench/run.ts ${name}\` or \`pnpm bench\`.`,
      { cause: error },
    );
  }
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
if (selected.has('cold')) await save('cold', await runColdBench(coldOptions));

// The comparison takes the longest: without its figures the report says how to get them.
const compare = await load<CompareFigures>('compare').catch(() => undefined);
const generate = await load<GenerateFigures>('generate').catch(() => undefined);
const memory = await load<MemoryFigures>('memory').catch(() => undefined);
const cold = await load<ColdFigures>('cold').catch(() => undefined);
const target = path.resolve(here, '..', 'BENCHMARKS.md');
// A benchmark without figures here keeps its section as BENCHMARKS.md has it.
const previous = await readFile(target, 'utf8').catch(() => '');
const scan = await load<ScanFigures>('scan').catch(() => undefined);
const encode = await load<EncodeFigures>('encode').catch(() => undefined);
const build = await load<BuildFigures>('build').catch(() => undefined);
const report = renderReport(
  {
    ...(scan && { scan }),
    ...(encode && { encode }),
    ...(build && { build }),
    ...(compare && { compare }),
    ...(generate && { generate }),
    ...(memory && { memory }),
    ...(cold && { cold }),
  },
  'pnpm bench',
  previous,
);
await writeFile(target, report);
const written = [path.relative(process.cwd(), target)];
const more = [
  ...(generate ? generateVerdicts(generate) : []),
  ...(memory ? memoryVerdicts(memory) : []),
  ...(cold ? coldVerdicts(cold) : []),
];
if (compare || more.length > 0) {
  const readme = path.resolve(here, '..', 'README.md');
  const text = await readFile(readme, 'utf8');
  // Without the comparison's figures, its rows stay as they are; the others' are written anew.
  const families = [...(generate ? ['generate,'] : []), ...(memory ? MEMORY_ROWS : []), ...(cold ? [COLD_ROW] : [])];
  const updated = compare
    ? replaceSummary(text, readmeSummary(compare, more))
    : mergeSummaryRows(text, more, (row) => families.some((prefix) => row.startsWith(prefix)));
  if (updated !== text) {
    await writeFile(readme, updated);
    written.push(path.relative(process.cwd(), readme));
  }
}
console.log(
  `Wrote ${written.join(', ')} and ${path.relative(process.cwd(), tmp)}/*.json in ${((performance.now() - started) / 1000).toFixed(0)} s.`,
);
