/**
 * Section 7 of BENCHMARKS.md (scale: 1,000 pages) and its rows in the README's summary, from the
 * figures of bench/scale.ts. Pure: figures in, markdown out; every met/missed is computed from the
 * figures of the same run.
 */
import type { CompareFigures } from './astro-compare.ts';
import type { Verdict } from './compare-report.ts';
import type { Side } from './compare-sites.ts';
import type { CliFigures, ScaleFigures, ScaleSide, ScaleSize } from './scale.ts';

/**
 * Issue 24's targets at the largest size: warm build at most `warmRatio` × plain Astro's and no
 * higher than at the smallest size; peak RSS no higher than plain Astro's; `genimage check` of
 * every cached image and `genimage scan` of the site within these wall times.
 */
export const SCALE_TARGETS = { warmRatio: 1.0, checkMs: 2000, scanMs: 1000 };

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const MB = (bytes: number) => `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
const rss = (kb: number | null) => (kb === null ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);
const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const two = (ratio: number) => ratio.toFixed(2);
const day = (iso: string) => iso.slice(0, 10);
const thousands = (n: number) => n.toLocaleString('en-US');
const LABEL: Record<Side, string> = { genimage: 'genimage', astro: 'plain Astro', 'astro-equal': 'Astro, equal work' };

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

function sideOf(size: ScaleSize, side: Side): ScaleSide {
  const found = size.sides.find((s) => s.side === side);
  if (!found) throw new Error(`no ${side} figures at ${size.pages} pages`);
  return found;
}

/** genimage / plain Astro, warm medians. */
export function warmRatio(size: ScaleSize): number {
  return sideOf(size, 'genimage').warmMedianMs / sideOf(size, 'astro').warmMedianMs;
}

export interface ScaleSummary {
  smallest: ScaleSize;
  largest: ScaleSize;
  verdicts: Verdict[];
}

const verdictWord = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : '**missed**');

/** The issue's targets at the largest size measured, and whether each is met. Pure. */
export function summarizeScale(figures: ScaleFigures): ScaleSummary {
  const sizes = [...figures.sizesMeasured].sort((a, b) => a.pages - b.pages);
  const smallest = sizes[0];
  const largest = sizes.at(-1);
  if (!smallest || !largest) throw new Error('no scale figures');
  const at = `${thousands(largest.pages)} pages`;
  const ratio = warmRatio(largest);
  const g = sideOf(largest, 'genimage');
  const a = sideOf(largest, 'astro');
  const rssMet = g.warmPeakRssKb === null || a.warmPeakRssKb === null ? null : g.warmPeakRssKb <= a.warmPeakRssKb;
  const verdicts: Verdict[] = [
    {
      target: `${at}: warm build ≤ ${SCALE_TARGETS.warmRatio.toFixed(1)} × plain Astro's`,
      value: two(ratio),
      met: ratio <= SCALE_TARGETS.warmRatio,
    },
    {
      target:
        sizes.length < 2
          ? `${at}: warm ratio no higher than at a smaller size (needs two sizes)`
          : `${at}: warm ratio no higher than at ${thousands(smallest.pages)} pages`,
      value: sizes.map((size) => `${two(warmRatio(size))} at ${thousands(size.pages)}`).join(', '),
      met: sizes.length < 2 ? null : ratio <= warmRatio(smallest),
    },
    {
      target: `${at}: peak RSS of a warm build ≤ plain Astro's`,
      value: `${rss(g.warmPeakRssKb)} against ${rss(a.warmPeakRssKb)}`,
      met: rssMet,
    },
    {
      target: `${at}: \`genimage check\` of ${thousands(largest.check.images)} cached images, warm, < ${SCALE_TARGETS.checkMs / 1000} s`,
      value: seconds(largest.check.medianMs),
      met: largest.check.medianMs < SCALE_TARGETS.checkMs,
    },
    {
      target: `${at}: \`genimage scan\` of the site < ${SCALE_TARGETS.scanMs / 1000} s`,
      value: seconds(largest.scan.medianMs),
      met: largest.scan.medianMs < SCALE_TARGETS.scanMs,
    },
  ];
  return { smallest, largest, verdicts };
}

/** What every README row of the scale benchmark starts with. */
export const SCALE_ROW_PREFIX = 'scale, ';

/** The README's rows: the scale verdicts, each saying it is about the scale benchmark. */
export function scaleVerdicts(figures: ScaleFigures): Verdict[] {
  return summarizeScale(figures).verdicts.map((v) => ({ ...v, target: `${SCALE_ROW_PREFIX}${v.target}` }));
}

function runsOf(runs: readonly { ms: number }[]): string {
  return runs.map((run) => (run.ms / 1000).toFixed(2)).join(', ');
}

function cliRow(label: string, sizes: readonly ScaleSize[], pick: (size: ScaleSize) => CliFigures, target: string): string[] {
  const values = sizes.map((size) => pick(size).medianMs);
  return [label, ...values.map(seconds), growth(values), target];
}

/** largest / smallest, when there are two sizes. */
function growth(values: readonly number[]): string {
  if (values.length < 2) return '';
  const first = values[0]!;
  const last = values.at(-1)!;
  return `${(last / first).toFixed(1)}×`;
}

/** How each measure grew from the smallest size to the largest, against the pages: none grows faster than they do. */
function growthLine(sizes: readonly ScaleSize[]): string {
  if (sizes.length < 2) return '';
  const first = sizes[0]!;
  const last = sizes.at(-1)!;
  const factor = (pick: (size: ScaleSize) => number) => `${(pick(last) / pick(first)).toFixed(1)}×`;
  const warm = (side: Side) => (size: ScaleSize) => sideOf(size, side).warmMedianMs;
  return (
    `\n- From ${thousands(first.pages)} to ${thousands(last.pages)} pages (${last.pages / first.pages}× the pages and images): genimage's warm build took ` +
    `${factor(warm('genimage'))} the time, plain Astro's ${factor(warm('astro'))}; \`genimage scan\` ${factor((size) => size.scan.medianMs)}, ` +
    `\`genimage check\` ${factor((size) => size.check.medianMs)}; the verified index grew ${factor((size) => size.index.bytes)}, ` +
    `${(last.index.bytes / last.index.entries).toFixed(0)} bytes an image.`
  );
}

/**
 * Why the photos are small, with what a cold plain-Astro build of full-size photos costs here when
 * the comparison (section 4) measured it.
 */
function whySmall(figures: ScaleFigures, largest: ScaleSize, compare: CompareFigures | undefined): string {
  const cold = compare?.sizesMeasured.find((size) => size.pages === compare.options.coldPages);
  const astroCold = cold?.sides.find((s) => s.side === 'astro')?.coldMedianMs;
  const perPhoto = cold && astroCold ? astroCold / cold.photos : undefined;
  const fullSize = compare ? `${compare.photo.width}x${compare.photo.height}` : 'full-size';
  const cost =
    perPhoto === undefined
      ? ''
      : ` (${(perPhoto / 1000).toFixed(1)} s per ${fullSize} photo in section 4's cold builds: about ${Math.round((perPhoto * largest.photos) / 60_000)} min for ${thousands(largest.photos)})`;
  const first = sideOf(largest, 'astro').first;
  const pixels = (1024 * 576) / (figures.photo.width * figures.photo.height);
  const here =
    first.encoded > 0
      ? `; at ${figures.photo.width}x${figures.photo.height} this run's took ${(first.ms / 60_000).toFixed(1)} min, once`
      : `; at ${figures.photo.width}x${figures.photo.height} it takes minutes, once (an earlier run's cache served this one)`;
  return `plain Astro must first fill its cache with one cold build, whose AVIF encodes at sharp's default effort cost roughly in proportion to the pixels (1024x576 has ${pixels.toFixed(1)} times as many)${cost}${here}`;
}

export function scaleSection(figures: ScaleFigures, compare?: CompareFigures): string {
  const summary = summarizeScale(figures);
  const sizes = [...figures.sizesMeasured].sort((a, b) => a.pages - b.pages);
  const { smallest, largest } = summary;
  const pagesGrowth = largest.pages / smallest.pages;
  const header = ['Measure', ...sizes.map((size) => `${thousands(size.pages)} pages`), `growth (${pagesGrowth}× the pages)`, 'target'];
  const warmMs = (side: Side) => sizes.map((size) => sideOf(size, side).warmMedianMs);
  const peaks = (side: Side) => sizes.map((size) => sideOf(size, side).warmPeakRssKb);
  const w = figures.options.warm;
  const r = figures.options.runs;
  const mainRows = [
    ['genimage warm build', ...warmMs('genimage').map(seconds), growth(warmMs('genimage')), ''],
    ['plain Astro warm build', ...warmMs('astro').map(seconds), growth(warmMs('astro')), ''],
    [
      '**genimage / Astro, warm**',
      ...sizes.map((size) => `**${two(warmRatio(size))}**`),
      '',
      sizes.length > 1
        ? `≤ ${SCALE_TARGETS.warmRatio.toFixed(1)}, and ≤ the ${thousands(smallest.pages)}-page ratio`
        : `≤ ${SCALE_TARGETS.warmRatio.toFixed(1)}`,
    ],
    [
      'peak RSS, genimage warm build',
      ...peaks('genimage').map(rss),
      growth(peaks('genimage').map((kb) => kb ?? Number.NaN)),
      "≤ plain Astro's",
    ],
    ['peak RSS, plain Astro warm build', ...peaks('astro').map(rss), growth(peaks('astro').map((kb) => kb ?? Number.NaN)), ''],
    cliRow('`genimage scan` (wall, Node start-up included)', sizes, (size) => size.scan, `< ${SCALE_TARGETS.scanMs / 1000} s`),
    cliRow('`genimage check`, warm', sizes, (size) => size.check, `< ${SCALE_TARGETS.checkMs / 1000} s`),
    [
      '`genimage check`, no verified index (reads, hashes and decodes every image)',
      ...sizes.map((size) => seconds(size.check.first.ms)),
      growth(sizes.map((size) => size.check.first.ms)),
      '',
    ],
    ['peak RSS, `genimage scan` / `check`', ...sizes.map((size) => `${rss(size.scan.peakRssKb)} / ${rss(size.check.peakRssKb)}`), '', ''],
    [
      'verified index (`node_modules/.cache/genimage/verified-entries.json`)',
      ...sizes.map((size) => `${kB(size.index.bytes)}, ${thousands(size.index.entries)} entries`),
      growth(sizes.map((size) => size.index.bytes)),
      '',
    ],
    ['verified index per image', ...sizes.map((size) => `${(size.index.bytes / size.index.entries).toFixed(0)} B`), '', ''],
  ];

  // What one more page costs warm, from the two sizes: the slope, whatever the start-up costs.
  const slope = (side: Side) =>
    (sideOf(largest, side).warmMedianMs - sideOf(smallest, side).warmMedianMs) / (largest.pages - smallest.pages);
  const slopeText =
    sizes.length < 2
      ? ''
      : `\nFrom the two sizes, each page more (2 images) adds about ${slope('genimage').toFixed(1)} ms to a warm build with genimage and ${slope('astro').toFixed(1)} ms with plain Astro.\n`;

  const distRows = sizes.flatMap((size) =>
    size.sides.map((s) => [`${LABEL[s.side]}, ${thousands(size.pages)} pages`, thousands(s.dist.files), MB(s.dist.bytes)]),
  );
  const runRows = sizes.flatMap((size) =>
    size.sides.map((s) => [
      `${LABEL[s.side]}, ${thousands(size.pages)} pages`,
      `${(s.first.ms / 1000).toFixed(1)} (${s.first.encoded > 0 ? `cold, ${thousands(s.first.encoded)} images encoded` : 'warm'})`,
      runsOf(s.warm),
      s.identicalOutputs ? 'same' : '**differs**',
    ]),
  );
  const cliRows = sizes.flatMap((size) => [
    [`\`genimage scan\`, ${thousands(size.pages)} pages`, runsOf([size.scan.first]), runsOf(size.scan.runs)],
    [`\`genimage check\`, ${thousands(size.pages)} pages`, runsOf([size.check.first]), runsOf(size.check.runs)],
  ]);
  const load = (values: readonly number[]) => values.map((v) => v.toFixed(2)).join(', ');

  return `## 7. Scale: ${thousands(largest.pages)} pages (\`bench/scale.ts\`)

The comparison's site (section 4) at ${sizes.map((size) => thousands(size.pages)).join(' and ')} pages, 2 distinct photos a page
(${thousands(largest.photos)} images at ${thousands(largest.pages)} pages), built with genimage and with plain Astro's \`<Picture>\` over the same
originals (Astro ${figures.astro}), **warm builds only**: everything cached on both sides. The photos are
${figures.photo.width}x${figures.photo.height} PNGs (\`bench/photo.ts\`, the same scene drawn smaller; ${kB(largest.originalsBytes / largest.photos)} each on average), **not**
1024x576 ones, because ${whySmall(figures, largest, compare)}. A warm build
decodes no original on either side, so the warm figures measure what grows with pages and images,
not pixels; genimage reads none (it plans its files from the cache metadata), Astro reads each to
probe its size (\`emitESMImage\`), so larger originals would cost Astro more, not genimage.
genimage renders at its defaults (widths ${'`'}[${figures.plannedWidths.join(', ')}]${'`'} for these originals, AVIF + WebP, JPEG
fallback); Astro gets the same \`formats\`, \`widths\` and \`sizes="${figures.sizes}"\`.

Per size, one build of each side fills its caches (cold on the first run; not in the medians). Then
${w} warm rounds, each building both sides at every size once, in an order that turns from round to
round, so that a change in the shared machine's load meets every size and side alike; then, in each
genimage site, one \`genimage check\` with the verified index removed (a fresh checkout's first check:
it reads, hashes and decodes every image) and one \`genimage scan\`, and ${r} rounds of both commands
at every size, turning likewise (the built CLI as a user runs it, a child process, frozen, no API
key). Medians; wall time of the whole process, Node start-up included. Peak RSS: ${figures.rssMethod}.

${table(header, mainRows)}
${slopeText}
Builds (s), in order; whether every warm build of a side wrote the same dist (sha256 over paths and contents):

${table(['Side', 'first build', 'warm', 'dist'], runRows)}

\`genimage scan\` and \`genimage check\` (s); the first check had no verified index:

${table(['Command', 'first', 'timed runs'], cliRows)}

The warm builds' dist:

${table(['Side', 'files', 'bytes'], distRows)}

Measured ${day(figures.machine.date)}, ${figures.machine.cpus} cores, Node ${figures.machine.node}, in ${Math.round(figures.totalSeconds / 60)} min; load average
(1, 5, 15 min) ${load(figures.load.start)} at the start, ${load(figures.load.end)} at the end (the machine is shared).
Reproduce: \`node bench/run.ts scale --pages ${figures.options.pages.join(',')} --warm ${w} --runs ${r}\` (after \`pnpm exec tsc -b\`).

**Conclusions:**
${summary.verdicts.map((v) => `- ${v.target}: ${v.value}, ${verdictWord(v.met)}.`).join('\n')}${growthLine(sizes)}`;
}
