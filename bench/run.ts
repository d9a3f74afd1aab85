/**
 * Runs every benchmark and writes BENCHMARKS.md, with the raw figures in bench/.tmp/*.json, and
 * the comparison's summary into README.md (between its bench:summary markers).
 *
 *   pnpm bench                      # all of them (tsc -b first)
 *   node bench/run.ts encode build  # only these; the others' figures come from their last JSON
 *   node bench/run.ts compare --pages 10 --cold-pages 10 --cold 1 --warm 2   # flags go to bench/astro-compare.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CompareFigures, parseCompareArgs, runCompareBench } from './astro-compare.ts';
import { type BuildFigures, runBuildBench } from './build.ts';
import { readmeSummary, replaceSummary } from './compare-report.ts';
import { type EncodeFigures, runEncodeBench } from './encode.ts';
import { type GenerateFigures, runGenerateBench } from './generate.ts';
import { generateVerdicts, memoryVerdicts } from './generate-report.ts';
import { type MemoryFigures, runMemoryBench } from './memory.ts';
import { type ScanFigures, renderReport } from './report.ts';

const BENCHMARKS = ['scan', 'encode', 'build', 'compare', 'generate', 'memory'] as const;
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
if (flags.length > 0 && !selected.has('compare')) {
  console.error(`Flags (${flags.join(' ')}) are for the compare benchmark only, which is not selected.`);
  process.exit(2);
}
const compareOptions = parseCompareArgs(flags);

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

// The comparison takes the longest: without its figures the report says how to get them.
const compare = await load<CompareFigures>('compare').catch(() => undefined);
const generate = await load<GenerateFigures>('generate').catch(() => undefined);
const memory = await load<MemoryFigures>('memory').catch(() => undefined);
const report = renderReport({
  scan: await load<ScanFigures>('scan'),
  encode: await load<EncodeFigures>('encode'),
  build: await load<BuildFigures>('build'),
  ...(compare && { compare }),
  ...(generate && { generate }),
  ...(memory && { memory }),
});
const target = path.resolve(here, '..', 'BENCHMARKS.md');
await writeFile(target, report);
const written = [path.relative(process.cwd(), target)];
if (compare) {
  const readme = path.resolve(here, '..', 'README.md');
  const text = await readFile(readme, 'utf8');
  const more = [...(generate ? generateVerdicts(generate) : []), ...(memory ? memoryVerdicts(memory) : [])];
  const updated = replaceSummary(text, readmeSummary(compare, more));
  if (updated !== text) {
    await writeFile(readme, updated);
    written.push(path.relative(process.cwd(), readme));
  }
}
console.log(
  `Wrote ${written.join(', ')} and ${path.relative(process.cwd(), tmp)}/*.json in ${((performance.now() - started) / 1000).toFixed(0)} s.`,
);
