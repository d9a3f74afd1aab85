/**
 * The "Against plain Astro" section of BENCHMARKS.md and the README's summary block, from the
 * figures of bench/astro-compare.ts. Pure: figures in, markdown out; every met/missed is computed
 * from the figures of the same run.
 */
import type { Build, CompareFigures, SideFigures, SizeFigures } from './astro-compare.ts';
import type { Side } from './compare-sites.ts';

/**
 * Issue 12's targets, genimage / plain Astro. "Does not grow" allows the warm ratio at the largest
 * site to exceed the smallest site's by `warmRatioGrowth`: two medians of a noisy machine.
 */
export const TARGETS = { warmRatio: 1.05, coldRatio: 0.5, distRatio: 0.2, secondWarmEncodes: 0, warmRatioGrowth: 0.05 };

export const README_START = '<!-- bench:summary:start -->';
export const README_END = '<!-- bench:summary:end -->';

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s`;
const MB = (bytes: number) => `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
const rss = (kb: number | null) => (kb === null ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);
const two = (ratio: number) => ratio.toFixed(2);
/** Two decimals, or three where two would print the target itself (1.052 against ≤ 1.05). */
export const ratioAgainst = (ratio: number, target: number) =>
  ratio.toFixed(2) === target.toFixed(2) ? ratio.toFixed(3) : ratio.toFixed(2);
const day = (iso: string) => iso.slice(0, 10);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

function sideOf(size: SizeFigures, side: Side): SideFigures | undefined {
  return size.sides.find((s) => s.side === side);
}

function need(size: SizeFigures | undefined, side: Side): SideFigures {
  const found = size && sideOf(size, side);
  if (!found) throw new Error(`no ${side} figures${size ? ` at ${size.pages} pages` : ''}`);
  return found;
}

/** genimage's encodes on warm builds that follow another warm build; null when there was none. */
export function secondWarmEncodes(figures: CompareFigures): number | null {
  const later = figures.sizesMeasured.flatMap((size) =>
    need(size, 'genimage').builds.filter((b: Build) => b.kind === 'warm' && b.warmIndex >= 2),
  );
  return later.length === 0 ? null : Math.max(...later.map((b) => b.encoded));
}

export interface Verdict {
  target: string;
  /** The measured value, as written in the tables. */
  value: string;
  met: boolean | null;
}

export interface CompareSummary {
  cold: SizeFigures;
  largest: SizeFigures;
  smallest: SizeFigures;
  /** genimage / plain Astro warm medians, per size, smallest first. */
  warmRatios: { pages: number; ratio: number }[];
  coldRatio: number;
  distRatio: number;
  secondWarm: number | null;
  verdicts: Verdict[];
}

/** The ratios the issue sets targets for, and whether each is met. Pure. */
export function summarize(figures: CompareFigures): CompareSummary {
  const sizes = [...figures.sizesMeasured].sort((a, b) => a.pages - b.pages);
  const cold = sizes.find((size) => size.pages === figures.options.coldPages);
  const smallest = sizes[0];
  const largest = sizes.at(-1);
  if (!cold || !smallest || !largest) throw new Error('no comparison figures');
  const warmRatios = sizes.map((size) => ({
    pages: size.pages,
    ratio: need(size, 'genimage').warmMedianMs / need(size, 'astro').warmMedianMs,
  }));
  const coldRatio = (need(cold, 'genimage').coldMedianMs ?? Number.NaN) / (need(cold, 'astro').coldMedianMs ?? Number.NaN);
  const distRatio = need(cold, 'genimage').dist.bytes / need(cold, 'astro').dist.bytes;
  const largestWarm = warmRatios.at(-1)!.ratio;
  const growth =
    sizes.length < 2
      ? 'warm ratio does not grow with pages (needs two sizes)'
      : `warm ratio does not grow with pages (at most +${TARGETS.warmRatioGrowth} from ${smallest.pages} to ${largest.pages} pages)`;
  const smallestWarm = warmRatios[0]!.ratio;
  const secondWarm = secondWarmEncodes(figures);
  const verdicts: Verdict[] = [
    {
      target: `warm build ≤ ${TARGETS.warmRatio} × plain Astro's, ${largest.pages} pages`,
      value: ratioAgainst(largestWarm, TARGETS.warmRatio),
      met: largestWarm <= TARGETS.warmRatio,
    },
    {
      target: growth,
      value: warmRatios.map((w) => `${ratioAgainst(w.ratio, TARGETS.warmRatio)} at ${w.pages}`).join(', '),
      met: sizes.length < 2 ? null : largestWarm - smallestWarm <= TARGETS.warmRatioGrowth,
    },
    {
      target: `cold build ≤ ${TARGETS.coldRatio} × plain Astro's, ${cold.pages} pages`,
      value: ratioAgainst(coldRatio, TARGETS.coldRatio),
      met: coldRatio <= TARGETS.coldRatio,
    },
    {
      target: `dist bytes ≤ ${TARGETS.distRatio} × plain Astro's, ${cold.pages} pages`,
      value: ratioAgainst(distRatio, TARGETS.distRatio),
      met: distRatio <= TARGETS.distRatio,
    },
    {
      target: 'encodes on the second warm build = 0',
      value: secondWarm === null ? 'not measured' : String(secondWarm),
      met: secondWarm === null ? null : secondWarm === TARGETS.secondWarmEncodes,
    },
  ];
  return { cold, largest, smallest, warmRatios, coldRatio, distRatio, secondWarm, verdicts };
}

const verdictWord = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : '**missed**');

function runsOf(side: SideFigures, kind: Build['kind']): string {
  return side.builds
    .filter((b) => b.kind === kind)
    .map((b) => (b.ms / 1000).toFixed(2))
    .join(', ');
}

const LABEL: Record<Side, string> = { genimage: 'genimage', astro: 'plain Astro', 'astro-equal': 'Astro, equal work' };

export function compareSection(figures: CompareFigures): string {
  const summary = summarize(figures);
  const { cold, largest } = summary;
  const g = need(cold, 'genimage');
  const a = need(cold, 'astro');
  const eq = sideOf(cold, 'astro-equal');
  const warmRows = summary.warmRatios.map(({ pages, ratio }) => {
    const size = figures.sizesMeasured.find((s) => s.pages === pages)!;
    return [
      `warm build, ${pages} pages (median of ${size.warmRounds})`,
      seconds(need(size, 'genimage').warmMedianMs),
      seconds(need(size, 'astro').warmMedianMs),
      `**${ratioAgainst(ratio, TARGETS.warmRatio)}**`,
      pages !== largest.pages
        ? ''
        : summary.warmRatios.length > 1
          ? `≤ ${TARGETS.warmRatio}, and ≤ the ${summary.smallest.pages}-page ratio + ${TARGETS.warmRatioGrowth}`
          : `≤ ${TARGETS.warmRatio}`,
    ];
  });
  const singleCold = figures.sizesMeasured
    .filter((size) => size.pages !== cold.pages)
    .map((size) => {
      const once = (side: Side) => need(size, side).builds.find((b) => b.kind === 'cold')!.ms;
      return [
        `cold build, ${size.pages} pages (1 run, preparing the warm ones)`,
        seconds(once('genimage')),
        seconds(once('astro')),
        two(once('genimage') / once('astro')),
        '',
      ];
    });
  const secondWarmAstro = a.builds.filter((b) => b.kind === 'warm' && b.warmIndex >= 2).map((b) => b.encoded);
  const mainRows = [
    ...warmRows,
    [
      `cold build, ${cold.pages} pages (median of ${cold.coldRounds})`,
      seconds(g.coldMedianMs ?? Number.NaN),
      seconds(a.coldMedianMs ?? Number.NaN),
      `**${ratioAgainst(summary.coldRatio, TARGETS.coldRatio)}**`,
      `≤ ${TARGETS.coldRatio}`,
    ],
    ...singleCold,
    [
      `dist bytes, ${cold.pages} pages`,
      MB(g.dist.bytes),
      MB(a.dist.bytes),
      `**${ratioAgainst(summary.distRatio, TARGETS.distRatio)}**`,
      `≤ ${TARGETS.distRatio}`,
    ],
    [`dist files, ${cold.pages} pages`, String(g.dist.files), String(a.dist.files), two(g.dist.files / a.dist.files), ''],
    [
      'images encoded on the second warm build',
      summary.secondWarm === null ? 'n/a' : `**${summary.secondWarm}**`,
      secondWarmAstro.length ? String(Math.max(...secondWarmAstro)) : 'n/a',
      '',
      '0',
    ],
  ];

  const equalRows = eq
    ? [
        [
          `cold build, ${cold.pages} pages`,
          seconds(g.coldMedianMs ?? Number.NaN),
          seconds(eq.coldMedianMs ?? Number.NaN),
          two((g.coldMedianMs ?? Number.NaN) / (eq.coldMedianMs ?? Number.NaN)),
        ],
        [`warm build, ${cold.pages} pages`, seconds(g.warmMedianMs), seconds(eq.warmMedianMs), two(g.warmMedianMs / eq.warmMedianMs)],
        [`dist bytes, ${cold.pages} pages`, MB(g.dist.bytes), MB(eq.dist.bytes), two(g.dist.bytes / eq.dist.bytes)],
      ]
    : [];

  const sidesAtCold = cold.sides;
  const extensions = [...new Set(sidesAtCold.flatMap((s) => Object.keys(s.dist.byExtension)))].sort(
    (x, y) => (a.dist.byExtension[y]?.bytes ?? 0) - (a.dist.byExtension[x]?.bytes ?? 0),
  );
  const formatRows = [
    ...extensions.map((ext) => [
      ext,
      ...sidesAtCold.map((s) => {
        const e = s.dist.byExtension[ext];
        return e ? `${e.files} · ${MB(e.bytes)}` : '–';
      }),
    ]),
    ['**total**', ...sidesAtCold.map((s) => `${s.dist.files} · **${MB(s.dist.bytes)}**`)],
  ];

  const rssRows = figures.sizesMeasured.flatMap((size) =>
    size.sides.map((s) => [`${LABEL[s.side]}, ${size.pages} pages`, rss(s.coldPeakRssKb), rss(s.warmPeakRssKb)]),
  );
  const runRows = figures.sizesMeasured.flatMap((size) =>
    size.sides.map((s) => [
      `${LABEL[s.side]}, ${size.pages} pages`,
      runsOf(s, 'cold'),
      runsOf(s, 'warm'),
      s.identicalOutputs ? 'same' : '**differs**',
    ]),
  );
  const work = (s: SideFigures) => s.builds.find((b) => b.kind === 'cold')!;

  const others = figures.sizesMeasured.filter((s) => s.pages !== cold.pages).map((s) => s.pages);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const schedule =
    `At ${cold.pages} pages each round builds every side cold (${plural(cold.coldRounds, 'round')}) and then every side warm ` +
    `(${plural(cold.warmRounds, 'round')}), each round starting from another side.` +
    (others.length === 0
      ? ''
      : ` At ${others.join(' and ')} pages one cold build prepares each side, then ${plural(largest.warmRounds, 'warm round')} follow` +
        (cold.pages < largest.pages
          ? ` (a cold plain-Astro build of ${largest.pages} pages takes minutes here, so the timed cold rounds run at ${cold.pages} pages).`
          : '.'));
  const perPhoto = cold.originalsBytes / cold.photos;

  return `## 4. Against plain Astro (\`bench/astro-compare.ts\`)

The same generated site built twice with \`astro build\` (Astro ${figures.astro}): with genimage, and with plain
Astro's \`<Picture>\`. Each page has some text and 2 distinct photo-like originals
(${figures.photo.width}x${figures.photo.height} PNGs synthesized by \`bench/photo.ts\`, ${MB(perPhoto)} each on average, not the flat \`local\`
placeholders). genimage reads them from \`.genimage/\` as committed cache entries (frozen: nothing is
requested) and renders at its defaults (AVIF effort 2 + WebP, JPEG fallback, quality 70, widths
${'`'}[${figures.plannedWidths.join(', ')}]${'`'} for these originals). Plain Astro imports the same PNGs from \`src/assets\` and gets
\`formats={['avif', 'webp']}\`, the same \`widths\` and \`sizes="${figures.sizes}"\`, and Astro's defaults
otherwise: sharp's default quality and AVIF effort, and a PNG fallback (an \`<img>\` in the original's
format, also at its full ${figures.photo.width} px). "Astro, equal work" adds \`fallbackFormat="jpg"\` and \`quality={70}\`,
and is built at ${cold.pages} pages only.

Cold: \`dist/\`, \`.astro/\`, \`node_modules/.astro\` (Astro's image cache), \`node_modules/.vite\` and, for
genimage, \`node_modules/.cache/genimage\` (its variants) removed; the originals present on both sides.
Warm: everything kept. ${schedule}
Medians; wall time of the whole \`node <astro bin> build\` process. Peak RSS: ${figures.rssMethod}.

${table(['Measure', 'genimage', 'plain Astro', 'genimage / Astro', 'target'], mainRows)}

At equal work (both JPEG fallback at quality 70; Astro's AVIF still at sharp's default effort):

${table(['Measure', 'genimage', 'Astro, equal work', 'genimage / Astro'], equalRows)}

The cold builds' dist at ${cold.pages} pages (files · bytes; per cold build, genimage encoded ${work(g).encoded} variants including a 16 px
blur preview per photo, inlined in the HTML; Astro wrote ${work(a).encoded} images):

${table(['Format', ...sidesAtCold.map((s) => LABEL[s.side])], formatRows)}

Peak RSS (the highest of a side's builds):

${table(['Side', 'cold', 'warm'], rssRows)}

Runs (s), in order; whether every build of a side wrote the same dist (sha256 over paths and contents):

${table(['Side', 'cold', 'warm', 'dist'], runRows)}

Measured ${day(figures.machine.date)}, ${figures.machine.cpus} cores, Node ${figures.machine.node}, in ${Math.round(figures.totalSeconds / 60)} min.

**Conclusions:**
${summary.verdicts.map((v) => `- ${v.target}: ${v.value}, ${verdictWord(v.met)}.`).join('\n')}`;
}

/** One row of the README's summary table. Pure. */
export function summaryRow(verdict: Verdict): string {
  return `| ${[verdict.target, verdict.value, verdictWord(verdict.met)].join(' | ')} |`;
}

/** The README's summary of the comparison, between README_START and README_END. Pure. */
export function readmeSummary(figures: CompareFigures, more: readonly Verdict[] = []): string {
  const summary = summarize(figures);
  return `${README_START}
Against plain Astro \`<Picture>\` on the same site of photo-like originals (${figures.photo.width}x${figures.photo.height} PNGs, 2 per page;
${day(figures.machine.date)}, ${figures.machine.cpus} cores; genimage / Astro, medians, details in [BENCHMARKS.md](BENCHMARKS.md#4-against-plain-astro-benchastro-comparets)):

| target | measured | verdict |
| --- | --- | --- |
${[...summary.verdicts, ...more].map(summaryRow).join('\n')}
${README_END}`;
}

/**
 * `text` with the block between the markers replaced by `block` (which carries the markers);
 * without markers, the block goes right after the line that starts `after`, or at the end. Pure.
 */
export function replaceSummary(text: string, block: string, after = '## Benchmarks'): string {
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start !== -1 && end > start) return text.slice(0, start) + block + text.slice(end + README_END.length);
  const heading = text.indexOf(`\n${after}`);
  if (heading === -1) return `${text.replace(/\n*$/, '\n\n')}${block}\n`;
  // After the section's first block of text and table: before the next heading.
  const next = text.indexOf('\n## ', heading + 1);
  const at = next === -1 ? text.length : next;
  return `${text.slice(0, at).replace(/\n*$/, '\n\n')}${block}\n${text.slice(at)}`;
}
