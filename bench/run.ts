/**
 * Runs every benchmark and writes BENCHMARKS.md, with the raw figures in bench/.tmp/*.json.
 *
 *   pnpm bench                      # all of them (tsc -b first)
 *   node bench/run.ts encode build  # only these; the others' figures come from their last JSON
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildFigures, runBuildBench } from './build.ts';
import { type EncodeFigures, runEncodeBench } from './encode.ts';
import { type ScanFigures, renderReport } from './report.ts';

const BENCHMARKS = ['scan', 'encode', 'build'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = path.join(here, '.tmp');
const jsonOf = (name: Benchmark) => path.join(tmp, `${name}.json`);

const asked = process.argv.slice(2);
for (const name of asked) {
  if (!(BENCHMARKS as readonly string[]).includes(name)) {
    console.error(`Unknown benchmark "${name}": expected some of ${BENCHMARKS.join(', ')}, or none for all.`);
    process.exit(2);
  }
}
const selected = new Set<string>(asked.length === 0 ? BENCHMARKS : asked);

async function load<T>(name: Benchmark): Promise<T> {
  try {
    return JSON.parse(await readFile(jsonOf(name), 'utf8')) as T;
  } catch (error) {
    throw new Error(`No figures for "${name}" in ${path.relative(process.cwd(), jsonOf(name))}: run \`node bench/run.ts ${name}\` or \`pnpm bench\`.`, { cause: error });
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

const report = renderReport({
  scan: await load<ScanFigures>('scan'),
  encode: await load<EncodeFigures>('encode'),
  build: await load<BuildFigures>('build'),
});
const target = path.resolve(here, '..', 'BENCHMARKS.md');
await writeFile(target, report);
console.log(`Wrote ${path.relative(process.cwd(), target)} and ${path.relative(process.cwd(), tmp)}/*.json in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
