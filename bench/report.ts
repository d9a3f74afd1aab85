/**
 * BENCHMARKS.md from the figures of the three benchmarks. Pure: the numbers in, markdown out, so
 * the conclusions are computed from the same run as the tables and never typed in by hand.
 */
import type { CompareFigures } from './astro-compare.ts';
import type { BuildFigures } from './build.ts';
import type { ColdFigures } from './cold.ts';
import { coldSection } from './cold-report.ts';
import { compareSection } from './compare-report.ts';
import type { EncodeCell, EncodeFigures, EncoderId } from './encode.ts';
import type { GenerateFigures } from './generate.ts';
import { generateSection } from './generate-report.ts';
import { memorySection } from './memory-report.ts';
import type { MemoryFigures } from './memory.ts';
import type { ScaleFigures } from './scale.ts';
import { scaleSection } from './scale-report.ts';
import type { Machine } from './stats.ts';

/** What bench/scan.ts writes to bench/.tmp/scan.json. */
export interface ScanFigures {
  files: number;
  bytes: number;
  markers: number;
  filesWithMarkers: number;
  grepFiles: number;
  runs: number;
  scanMs: number[];
  grepMs: number[];
  scanMedianMs: number;
  grepMedianMs: number;
  ratio: number;
  target: number;
  node: string;
  cpus: number;
  date: string;
}

/** The figures in bench/.tmp; a benchmark not run here has none (its section is kept: `renderReport`). */
export interface Figures {
  scan?: ScanFigures | undefined;
  encode?: EncodeFigures | undefined;
  build?: BuildFigures | undefined;
  compare?: CompareFigures | undefined;
  generate?: GenerateFigures | undefined;
  memory?: MemoryFigures | undefined;
  scale?: ScaleFigures | undefined;
  cold?: ColdFigures | undefined;
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const MB = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
const times = (ratio: number) => `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}x`;
const percent = (share: number) => `${(share * 100).toFixed(0)}%`;
const change = (ratio: number) => `${ratio >= 1 ? '+' : '−'}${Math.abs((ratio - 1) * 100).toFixed(1)}%`;
const ms = (value: number) => `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ms`;
const day = (iso: string) => iso.slice(0, 10);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

function cell(encode: EncodeFigures, encoder: EncoderId, width: number): EncodeCell {
  const found = encode.cells.find((c) => c.encoder === encoder && c.width === width);
  if (!found) throw new Error(`no encode figures for ${encoder} at ${width}`);
  return found;
}

function machineLine(machine: Machine): string {
  return `${day(machine.date)}, ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, ${machine.os}, sharp ${machine.sharp} (libvips ${machine.libvips})`;
}

function scanSection(scan: ScanFigures): string {
  const verdict = scan.ratio <= scan.target ? 'within' : 'over';
  return `## 1. Scanner against grep (\`bench/scan.ts\`)

How long \`scan()\` (packages/core/src/markers/scan.ts) takes to find every \`<GenImage>\` marker in a
generated tree, against \`grep -rl GenImage\` on the same tree, which only lists the files and parses
nothing: the floor for reading the bytes. Both are warmed up, then alternate for ${scan.runs} runs.
Target: scan within ${scan.target}x of grep.

${table(
  ['Tree', 'scan() median', 'grep -rl median', 'scan / grep', 'target'],
  [
    [
      `${scan.files} files, ${MB(scan.bytes)}, ${scan.markers} markers in ${scan.filesWithMarkers} files`,
      ms(scan.scanMedianMs),
      ms(scan.grepMedianMs),
      `**${scan.ratio.toFixed(2)}**`,
      `≤ ${scan.target}`,
    ],
  ],
)}

Runs (ms): scan ${scan.scanMs.join(', ')}; grep ${scan.grepMs.join(', ')}. Measured ${day(scan.date)}, Node ${scan.node}, ${scan.cpus} cores.

**Conclusion:** scan() finds and parses all ${scan.markers} markers in ${scan.ratio.toFixed(2)}x the time grep takes only to list the ${scan.grepFiles} files that contain the word: ${verdict} the ${scan.target}x target.`;
}

function encodeSection(encode: EncodeFigures): string {
  const { widths, plannedWidths, source } = encode;
  const mid = widths.includes(960) ? 960 : (widths[Math.floor(widths.length / 2)] ?? 0);
  const encoders = [...new Set(encode.cells.map((c) => c.encoder))];
  const label = (id: EncoderId) => encode.cells.find((c) => c.encoder === id)?.label ?? id;
  const timeRatio = (a: EncoderId, b: EncoderId, w: number) => cell(encode, a, w).medianMs / cell(encode, b, w).medianMs;
  const byteRatio = (a: EncoderId, b: EncoderId, w: number) => cell(encode, a, w).bytes / cell(encode, b, w).bytes;
  const header = (title: string) => [title, ...widths.map((w) => (plannedWidths.includes(w) ? `${w} px` : `${w} px (not planned)`))];

  const timeRows = encoders.map((id) => [label(id), ...widths.map((w) => ms(cell(encode, id, w).medianMs))]);
  const byteRows = encoders
    .filter((id) => id !== 'resize-only')
    .map((id) => [
      label(id),
      ...widths.map((w) => {
        const c = cell(encode, id, w);
        return `${kB(c.bytes)} · ${times(source.pngBytes / c.bytes)} smaller · ${c.psnr?.toFixed(1) ?? '-'} dB`;
      }),
    ]);
  const ratioRows = [
    ['AVIF effort 4 / effort 2, time', ...widths.map((w) => `**${times(timeRatio('avif-e4', 'avif-e2', w))}**`)],
    ['AVIF effort 4 / effort 2, bytes', ...widths.map((w) => change(byteRatio('avif-e4', 'avif-e2', w)))],
    ['AVIF effort 2 / effort 0, time', ...widths.map((w) => times(timeRatio('avif-e2', 'avif-e0', w)))],
    ['AVIF effort 0 / effort 2, bytes', ...widths.map((w) => change(byteRatio('avif-e0', 'avif-e2', w)))],
    ['AVIF effort 2 / WebP, time', ...widths.map((w) => `**${times(timeRatio('avif-e2', 'webp', w))}**`)],
    ['AVIF effort 2 / WebP, bytes', ...widths.map((w) => change(byteRatio('avif-e2', 'webp', w)))],
    ['JPEG / WebP, bytes', ...widths.map((w) => change(byteRatio('jpeg', 'webp', w)))],
    ['PNG original / JPEG, bytes', ...widths.map((w) => `**${times(source.pngBytes / cell(encode, 'jpeg', w).bytes)}**`)],
  ];

  // What one original costs with genimage's default plan, and with effort 4 instead.
  const plan = (avif: EncoderId) => {
    const ids: EncoderId[] = [avif, 'webp', 'jpeg'];
    const cells = plannedWidths.flatMap((w) => ids.map((id) => cell(encode, id, w)));
    return { ms: cells.reduce((sum, c) => sum + c.medianMs, 0), bytes: cells.reduce((sum, c) => sum + c.bytes, 0) };
  };
  const plan2 = plan('avif-e2');
  const plan4 = plan('avif-e4');
  const plan0 = plan('avif-e0');

  const e4e2 = timeRatio('avif-e4', 'avif-e2', mid);
  const e4bytes = byteRatio('avif-e4', 'avif-e2', mid);
  const e4psnr = (cell(encode, 'avif-e4', mid).psnr ?? 0) - (cell(encode, 'avif-e2', mid).psnr ?? 0);
  const e0speed = timeRatio('avif-e2', 'avif-e0', mid);
  const e0bytes = byteRatio('avif-e0', 'avif-e2', mid);
  const e0psnr = (cell(encode, 'avif-e0', mid).psnr ?? 0) - (cell(encode, 'avif-e2', mid).psnr ?? 0);
  const avifWebp = timeRatio('avif-e2', 'webp', mid);
  const avifWebpBytes = byteRatio('avif-e2', 'webp', mid);
  const avifWebpPsnr = (cell(encode, 'avif-e2', mid).psnr ?? 0) - (cell(encode, 'webp', mid).psnr ?? 0);
  const jpeg = cell(encode, 'jpeg', mid);
  const dB = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)} dB`;

  return `## 2. Encoders (\`bench/encode.ts\`)

genimage's own \`encode()\` (packages/core/src/render/optimize.ts: decode the PNG original, resize, encode,
with exactly the options genimage uses; JPEG is mozjpeg, flattened on white) at quality
${encode.quality} (the default \`render.quality\`), one call at a time, on a synthesized photo-like
${source.width}x${source.height} PNG of ${kB(source.pngBytes)} (\`bench/photo.ts\`: sky gradient and
clouds, hills, fractal ground texture, 8,000 grass blades, rocks, textured trees, a slight blur and
light grain; written to \`bench/.tmp/encode-source.png\`). Widths: genimage's default ${'`[480, 960, 1440]`'}, 1440
capped to the original's ${source.width}; for this original genimage itself plans only
${'`'}[${plannedWidths.join(', ')}]${'`'}, since ${source.width} is within 20% of 960, so the ${source.width} px column
shows only how the cost grows with width. "decode + resize only" is the part of every call that
is not encoding. ${encode.rounds} rounds after a warm-up; each round runs all ${encode.cells.length} cases
once, starting from a different case; medians. libvips threads: ${source.sharpConcurrency}.

Median time per call:

${table(header('Encoder'), timeRows)}

Output: size · how many times smaller than the ${kB(source.pngBytes)} PNG original · PSNR against the
resized original (higher is closer; a rough fidelity check, not a perceptual metric):

${table(header('Encoder'), byteRows)}

Ratios, each from one run's medians:

${table(header('Ratio'), ratioRows)}

One ${source.width}x${source.height} original with the default plan (AVIF + WebP + JPEG at
${plannedWidths.join(' and ')} px, ${plannedWidths.length * 3} encodes): ${ms(plan2.ms)} and ${kB(plan2.bytes)} at AVIF
effort 2; ${ms(plan4.ms)} (${times(plan4.ms / plan2.ms)}) at effort 4; ${ms(plan0.ms)} at effort 0.

**Conclusions** (at ${mid} px):
- AVIF effort 2 is ${times(e4e2)} faster than effort 4 (sharp's default) for ${change(1 / e4bytes)} bytes (${dB(-e4psnr)} PSNR); per original, the default plan's encodes take ${ms(plan2.ms)} instead of ${ms(plan4.ms)}.
- Effort 0 is ${times(e0speed)} faster again than effort 2, for ${change(e0bytes)} bytes (${dB(e0psnr)} PSNR).
- AVIF effort 2 takes ${times(avifWebp)} WebP's time; at the same quality setting its files are ${change(avifWebpBytes)} against WebP's, at ${dB(avifWebpPsnr)} PSNR: one \`quality\` does not mean the same fidelity in both encoders.
- The JPEG fallback is ${kB(jpeg.bytes)}, ${times(source.pngBytes / jpeg.bytes)} smaller than the PNG original it stands in for, in ${ms(jpeg.medianMs)}.`;
}

function buildSection(build: BuildFigures): string {
  const images = ['avif', 'webp', 'jpg'].map((ext) => ({ ext, ...(build.dist.byExtension[ext] ?? { files: 0, bytes: 0 }) }));
  const imageBytes = images.reduce((sum, i) => sum + i.bytes, 0);
  const others = Object.entries(build.dist.byExtension).filter(([ext]) => !['avif', 'webp', 'jpg'].includes(ext));
  const jpeg = images.find((i) => i.ext === 'jpg') ?? { files: 0, bytes: 0 };
  const distRows = [
    ...images.map((i) => [
      i.ext === 'jpg' ? 'jpg (fallback)' : i.ext,
      String(i.files),
      kB(i.bytes),
      percent(i.bytes / imageBytes),
      percent(i.bytes / build.dist.bytes),
    ]),
    ...others.map(([ext, e]) => [`${ext} (the site's own)`, String(e.files), kB(e.bytes), '', percent(e.bytes / build.dist.bytes)]),
    ['**total**', String(build.dist.files), `**${kB(build.dist.bytes)}**`, '', '100%'],
  ];
  const speedup = build.coldMedianMs / build.warmMedianMs;

  return `## 3. Demo site build (\`bench/build.ts\`)

\`node <astro bin> build\` in examples/astro-site as a child process, with GENIMAGE_FROZEN=0 and no
SHARK_API_KEY, so the ${build.cold.requests.total} images are the offline \`local\` provider's placeholders.
Cold: \`.genimage/\`, \`dist/\` and \`node_modules/.cache/genimage/\` removed first (Astro's and Vite's own
caches stay: cold for genimage). Warm: straight after, everything cached. One untimed warm-up
build, then ${build.rounds} rounds of cold then warm; medians. Wall time includes Node and Astro start-up.

${table(
  ['Build', 'median', 'runs', 'images generated', 'variants encoded / total'],
  [
    [
      'cold',
      ms(build.coldMedianMs),
      build.coldMs.join(', '),
      `${build.cold.requests.generated} of ${build.cold.requests.total}`,
      `${build.cold.variants.encoded} / ${build.cold.variants.total}`,
    ],
    [
      'warm',
      ms(build.warmMedianMs),
      build.warmMs.join(', '),
      `${build.warm.requests.generated} of ${build.warm.requests.total}`,
      `**${build.warm.variants.encoded}** / ${build.warm.variants.total}`,
    ],
    ['**warm / cold**', `**${build.ratio.toFixed(2)}**`, '', '', ''],
  ],
)}

The ${build.cold.variants.total} variants are the ${images.reduce((sum, i) => sum + i.files, 0)} files below plus one 16 px blur preview per original,
inlined in the HTML. Every build, cold and warm, wrote ${build.identicalOutputs ? 'the same' : '**not** the same'} dist (sha256 over paths and contents).

The cold build's dist:

${table(['Files', 'count', 'bytes', 'share of image bytes', 'share of dist'], distRows)}

The ${build.originals.files} PNG originals behind them (\`.genimage/\`, not shipped) are ${kB(build.originals.bytes)}.
These are flat placeholder graphics with text, which every encoder compresses far better than a
photo: the byte split here is the placeholders'; see section 2 for photo-like bytes.

**Conclusions:**
- A warm build takes ${build.ratio.toFixed(2)} of a cold one's time (${times(speedup)} faster) and encodes ${build.warm.variants.encoded} of ${build.warm.variants.total} variants, generates ${build.warm.requests.generated} of ${build.warm.requests.total} images.
- Fallback JPEGs are ${percent(jpeg.bytes / imageBytes)} of the image bytes in dist (${jpeg.files} files, ${kB(jpeg.bytes)}); a browser downloads one of them only when it takes neither AVIF nor WebP.`;
}

/**
 * The sections of a BENCHMARKS.md, by number, each from its `## N.` heading to the next. Pure.
 */
export function sectionsOf(markdown: string): Map<number, string> {
  const sections = new Map<number, string>();
  const headings = [...markdown.matchAll(/^## (\d+)\. /gm)];
  headings.forEach((heading, i) => {
    const end = headings[i + 1]?.index ?? markdown.length;
    sections.set(Number(heading[1]), markdown.slice(heading.index, end).trimEnd());
  });
  return sections;
}

/**
 * BENCHMARKS.md from the figures at hand. A benchmark whose figures are not there keeps its section
 * from `previous` (the file being replaced) as it was, so that rerunning one benchmark rewrites its
 * own section only; without either, the section says how to measure it. Pure.
 */
export function renderReport(figures: Figures, options: { command?: string; previous?: string } = {}): string {
  const { scan, encode, build, compare, generate, memory, scale, cold } = figures;
  const { command = 'pnpm bench', previous = '' } = options;
  const kept = sectionsOf(previous);
  const section = (n: number, title: string, name: string, render: string | undefined, cost = '') =>
    render ?? kept.get(n) ?? `## ${n}. ${title}\n\nNot measured yet: \`node bench/run.ts ${name}\` runs it${cost}.`;
  const machine = encode ? machineLine(encode.machine) : (/^Machine: (.*)\.$/m.exec(previous)?.[1] ?? 'not measured yet');
  return `# Benchmarks

Written by \`${command}\` (\`tsc -b && node bench/run.ts\`), which runs the eight benchmarks below and
keeps their raw figures in \`bench/.tmp/{scan,encode,build,compare,generate,memory,scale,cold}.json\` (not committed). Each benchmark can
also run alone: \`node bench/scan.ts\`, \`node bench/encode.ts\`, \`node bench/build.ts\`,
\`node bench/astro-compare.ts\`, \`node bench/generate.ts\`, \`node bench/memory.ts\`, \`node bench/scale.ts\`, \`node bench/cold.ts\`; \`node bench/run.ts encode\` reruns one and rewrites its
section, keeping the others' from their last JSON, or as this file has them when there is none (and \`node bench/run.ts compare --pages 10 --cold 1 --warm 2\`
or \`node bench/run.ts scale --pages 10,50\` or \`node bench/run.ts cold --pages 5 --rounds 1\` passes its flags on).

Machine: ${machine}.

The machine is small and noisy: absolute times are this machine's only. The claims are the
**ratios**, each between medians of variants measured side by side in the same run, alternating.

${section(1, 'Scanner against grep (`bench/scan.ts`)', 'scan', scan && scanSection(scan))}

${section(2, 'Encoders (`bench/encode.ts`)', 'encode', encode && encodeSection(encode))}

${section(3, 'Demo site build (`bench/build.ts`)', 'build', build && buildSection(build))}

${section(4, 'Against plain Astro (`bench/astro-compare.ts`)', 'compare', compare && compareSection(compare), ' (about half an hour here)')}

${section(5, 'Generation: throughput and rate limits (`bench/generate.ts`)', 'generate', generate && generateSection(generate))}

${section(6, 'Memory (`bench/memory.ts`)', 'memory', memory && memorySection(memory))}

${section(7, 'Scale: 1,000 pages (`bench/scale.ts`)', 'scale', scale && scaleSection(scale, compare))}

${section(8, 'Cold builds against the encode limit (`bench/cold.ts`)', 'cold', cold && coldSection(cold))}
`;
}
