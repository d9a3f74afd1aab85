/**
 * Section 6 of BENCHMARKS.md (memory) and its rows in the README's summary, from the figures of
 * bench/memory.ts. Pure: figures in, markdown out; every met/missed, and which option is the
 * leanest at the speed allowed, is computed from the figures.
 */
import type { Verdict } from './compare-report.ts';
import { type BuildMemory, type MemoryFigures, TARGETS } from './memory.ts';
import type { OptionFigures } from './memory-options.ts';

/** How this section's rows in the README's summary begin. */
export const MEMORY_ROWS = ['peak RSS,', 'cold build over '];
export const MEMORY_COMMAND = 'node bench/run.ts memory';

const day = (iso: string) => iso.slice(0, 10);
const verdictWord = (met: boolean) => (met ? 'met' : '**missed**');
const s = (seconds: number) => `${seconds.toFixed(1)} s`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

function build(figures: MemoryFigures, id: BuildMemory['id']): BuildMemory {
  const found = figures.builds.find((b) => b.id === id);
  if (!found) throw new Error(`no memory figures for the ${id} build`);
  return found;
}

/** The adopted build's peak (the highest round) and its time against encoding in the build's own process. */
export function buildSummary(figures: MemoryFigures): { peakMB: number; slowdown: number; processSeconds: number; inlineSeconds: number } {
  const adopted = build(figures, 'process');
  const inline = build(figures, 'inline');
  return {
    peakMB: Math.max(...adopted.peakMB),
    slowdown: adopted.medianSeconds / inline.medianSeconds,
    processSeconds: adopted.medianSeconds,
    inlineSeconds: inline.medianSeconds,
  };
}

export function memoryVerdicts(figures: MemoryFigures): Verdict[] {
  const generate = figures.runs.map((run) => ({
    target: `peak RSS, ${run.name}, ${figures.markers} × 4K: ≤ ${TARGETS.generateMB} MB`,
    value: `${run.peakMB} MB`,
    met: run.peakMB <= TARGETS.generateMB,
  }));
  const { peakMB, slowdown, processSeconds, inlineSeconds } = buildSummary(figures);
  return [
    ...generate,
    {
      target: `peak RSS, astro build, cold, ${figures.markers} × 4K: ≤ ${TARGETS.buildMB} MB`,
      value: `${peakMB} MB (the build and its encoder process)`,
      met: peakMB <= TARGETS.buildMB,
    },
    {
      target: `cold build over ${figures.markers} × 4K: ≤ ${TARGETS.buildSlowdown} × the time encoding in the build's own process`,
      value: `${slowdown.toFixed(2)} (${s(processSeconds)} against ${s(inlineSeconds)})`,
      met: slowdown <= TARGETS.buildSlowdown,
    },
  ];
}

/** The option with the lowest peak among those at most `buildSlowdown` × the first option's time; undefined if none. */
export function leanestOption(options: readonly OptionFigures[]): OptionFigures | undefined {
  const [first] = options;
  if (!first) return undefined;
  const fastEnough = options.filter((o) => o.medianSeconds <= first.medianSeconds * TARGETS.buildSlowdown);
  return fastEnough.sort((a, b) => Math.max(...a.peakMB) - Math.max(...b.peakMB))[0];
}

export function memorySection(figures: MemoryFigures): string {
  const generateRows = figures.runs.map((run) => [
    run.name,
    `${run.peakMB} MB`,
    s(run.seconds),
    run.originalMB === undefined ? '' : `${run.originalMB} MB`,
  ]);
  const inline = build(figures, 'inline');
  const warm = build(figures, 'warm');
  const buildRows = figures.builds.map((b) => [
    b.name,
    `**${Math.max(...b.peakMB)} MB**`,
    `${Math.max(...b.sampledPeakMB)} MB`,
    s(b.medianSeconds),
    b.id === 'warm' ? '' : (b.medianSeconds / inline.medianSeconds).toFixed(2),
    b.seconds.map((x) => x.toFixed(1)).join(', '),
    b.cpuSeconds.map((x) => x.toFixed(1)).join(', '),
    b.processes.map((p) => `${p.command} ${p.peakMB}`).join(' + '),
  ]);
  const [base] = figures.options;
  const optionRows = figures.options.map((o) => [
    o.label,
    `${Math.max(...o.peakMB)} MB`,
    s(o.medianSeconds),
    base ? (o.medianSeconds / base.medianSeconds).toFixed(2) : '',
    s(o.medianCpuSeconds),
    o.peakMB.join(', '),
  ]);
  const verdicts = memoryVerdicts(figures);
  const { peakMB, slowdown } = buildSummary(figures);
  const adopted = build(figures, 'process');
  const leanest = leanestOption(figures.options);
  const adoptedOption = figures.options.find((o) => o.id === 'child');
  return `## 6. Memory (\`bench/memory.ts\`)

\`${MEMORY_COMMAND}\` (or \`node bench/memory.ts\` for the figures alone). Peak resident memory of \`genimage generate
--concurrency ${figures.concurrency}\` for ${figures.markers} markers at \`imageSize="4K"\` (4096×4096 PNGs padded to 10.7 MB each, the
size of a photo's), in both response formats (GNU time's \`%M\`: one process), and of a cold \`astro build\` of a page
showing those originals at genimage's defaults (${figures.buildVariants}; cold: no dist, no variant cache, no
verified index, as on a fresh clone). A build is measured with every process it starts (\`bench/tree-memory.ts\`,
reading /proc every 25 ms): **the sum of each process's own peak** (at least the tree's true peak: the target is
held to it), and the highest sum sampled at one time. Its encoder process, esbuild's service and the build's own
process are counted each in full, their shared libraries included. The builds alternate over ${adopted.seconds.length} rounds; peaks
are the highest round's, times medians. Measured ${day(figures.machine.date)}, Node ${figures.machine.node}, ${figures.machine.cpus} cores.

${table(['run', 'peak RSS', 'wall', 'originals in the cache'], generateRows)}

${table(['build', 'peak, processes summed', 'peak sampled', 'wall', 'wall / in-process', 'runs (s)', 'CPU (s)', 'processes (MB, last round)'], buildRows)}

Every mechanism tried, on the build's encodes alone (no Astro: \`bench/memory-options.ts\`, each in a fresh
process measured with its children, ${base?.peakMB.length ?? 0} rounds alternating; the same 320 encodes, placeholders first,
${figures.machine.cpus} at once, at most 2.5 megapixels of AVIF at once unless said):

${table(['encodes', 'peak', 'wall', 'wall / first row', 'CPU', 'peaks per round (MB)'], optionRows)}

**Conclusions:**
${verdicts.map((v) => `- ${v.target}: ${v.value}, ${verdictWord(v.met === true)}.`).join('\n')}
- The build's own process, encoding nothing, peaks at ${Math.max(...warm.peakMB)} MB (the warm build): what is left for the
  encodes is ${TARGETS.buildMB - Math.max(...warm.peakMB)} MB. In the build's process they took ${Math.max(...inline.peakMB) - Math.max(...warm.peakMB)} MB more; with the encoder process, ${peakMB - Math.max(...warm.peakMB)} MB more,
  ${slowdown <= 1 ? 'in no more time' : `in ${((slowdown - 1) * 100).toFixed(0)}% more time`}.${
    leanest
      ? `
- Of the mechanisms tried on the encodes alone, the leanest within ${TARGETS.buildSlowdown} × the time of the first row is
  "${leanest.label}" (${Math.max(...leanest.peakMB)} MB)${adoptedOption && leanest.id !== adoptedOption.id ? `; the adopted one peaks at ${Math.max(...adoptedOption.peakMB)} MB` : ''}.`
      : ''
  }
- Why a child: glibc keeps the native memory that concurrent encoders free in per-thread arenas, and a
  build cannot set the allocator of its own process (\`MALLOC_ARENA_MAX\` is read at start-up); the child starts
  with one arena, unmaps buffers from 256 kB up, decodes each original from its file (never a 10 MB
  buffer for the garbage collector), and runs at most 2.5 megapixels of AVIF at once (an AVIF encoder's
  memory grows with its pixels). \`GENIMAGE_ENCODER=inline\` encodes in the build's own process, as before.
  V8 without its optimizing compilers in the child (\`--no-opt --no-maglev\`, or \`--lite-mode\`, which also
  turns WebAssembly off, and with it sharp's WebAssembly build), tried by hand on this build, saved less than
  the rounds' spread: not adopted.
- The processes' figures count each in full: the files the build's process and its encoder process both
  map (Node, libvips) are counted in both (/proc/<pid>/smaps_rollup: \`Shared_Clean\`).`;
}
