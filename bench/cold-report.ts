/**
 * Section 7 of BENCHMARKS.md (cold builds against the encode limit) and its rows in the README's
 * summary, from the figures of bench/cold.ts. Pure: figures in, markdown out; the limit and every
 * met/missed are computed from the figures of the same run.
 */
import type { ColdFigures } from './cold.ts';
import type { Verdict } from './compare-report.ts';

/** Issue 24: a cold build takes at most this many times the encode limit. */
export const COLD_TARGET = 1.1;

export const COLD_COMMAND = 'node bench/run.ts cold';
/** How this section's rows in the README's summary begin. */
export const COLD_ROW = `cold build ≤ ${COLD_TARGET} × the encode limit`;

/** What a cold build at one API latency cannot beat on this machine, and its parts, in ms. */
export interface ColdLimit {
  /** The build when nothing is generated or encoded: Astro's own work and genimage's lookups. */
  warmMs: number;
  /** Every needed variant encoded alone on one thread, summed, spread over the cores. */
  encodingMs: number;
  /** The requests, `concurrency` at a time, each answered after the latency. */
  generationMs: number;
  /** One image's variants spread over the cores: what is left to encode when the last image arrives. */
  lastImageMs: number;
  /** warm + the longer of the first answer's latency then encoding, and generation then the last image's encodes. */
  limitMs: number;
  bound: 'encoding' | 'generation';
}

/**
 * The encode limit at `latencyMs`: the warm build, plus the summed single-threaded encode time of
 * the needed variants divided by the cores (after the latency of the first answers: nothing can be
 * encoded before an image arrives), or, when the API is slower than that, the ideal generation time
 * (images / concurrency, rounded up, × latency) plus the encodes of the last image.
 */
export function coldLimit(figures: ColdFigures, latencyMs: number, encode: { medianMs: number } = figures.encode): ColdLimit {
  const warmMs = figures.warm.medianMs;
  const encodingMs = encode.medianMs / figures.cores;
  const generationMs = Math.ceil(figures.images / figures.concurrency) * latencyMs;
  const lastImageMs = encodingMs / figures.images;
  const bound = generationMs + lastImageMs > latencyMs + encodingMs ? 'generation' : 'encoding';
  const limitMs = warmMs + (bound === 'generation' ? generationMs + lastImageMs : latencyMs + encodingMs);
  return { warmMs, encodingMs, generationMs, lastImageMs, limitMs, bound };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const day = (iso: string) => iso.slice(0, 10);
const verdictWord = (met: boolean | null) => (met === false ? '**missed**' : 'met');
const latencyName = (ms: number) => (ms === 0 ? 'no API latency' : `API latency ${ms / 1000} s`);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

export function coldVerdicts(figures: ColdFigures): Verdict[] {
  return figures.cold.map((cold) => {
    const { limitMs } = coldLimit(figures, cold.latencyMs);
    const ratio = cold.medianMs / limitMs;
    return {
      target: `${COLD_ROW}, ${latencyName(cold.latencyMs)}, ${figures.images} photos`,
      value: `${ratio.toFixed(2)} (${seconds(cold.medianMs)} against ${seconds(limitMs)})`,
      met: ratio <= COLD_TARGET,
    };
  });
}

export function coldSection(figures: ColdFigures): string {
  const { cores, images, variants, concurrency } = figures;
  const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  // The work as the build does it: its encodes (each original decoded once, when measured) and the warm build.
  const workCpuMs = median((figures.encodeShared ?? figures.encode).cpuMs) + median(figures.warm.cpuMs);
  const rows = figures.cold.map((cold) => {
    const limit = coldLimit(figures, cold.latencyMs);
    const busy = cold.medianCpuMs / (cold.medianMs * cores);
    return [
      latencyName(cold.latencyMs),
      seconds(cold.medianMs),
      seconds(limit.warmMs),
      seconds(limit.encodingMs),
      seconds(limit.generationMs),
      `${seconds(limit.limitMs)} (${limit.bound})`,
      `**${(cold.medianMs / limit.limitMs).toFixed(2)}**`,
      `${(busy * 100).toFixed(0)}%`,
      (cold.medianCpuMs / workCpuMs).toFixed(2),
      `≤ ${COLD_TARGET}`,
    ];
  });
  const runRows = [
    ...figures.cold.map((cold) => [
      `cold, ${latencyName(cold.latencyMs)}`,
      cold.runs.map((run) => (run.ms / 1000).toFixed(1)).join(', '),
      cold.runs.map((run) => (run.cpuMs / 1000).toFixed(1)).join(', '),
      cold.runs.map((run) => `${Math.round(run.peakRssKb / 1024)} MB`).join(', '),
    ]),
    [
      'warm',
      figures.warm.runs.map((ms) => (ms / 1000).toFixed(1)).join(', '),
      figures.warm.cpuMs.map((ms) => (ms / 1000).toFixed(1)).join(', '),
      '',
    ],
    [
      'encodes alone, summed',
      figures.encode.runs.map((ms) => (ms / 1000).toFixed(1)).join(', '),
      figures.encode.cpuMs.map((ms) => (ms / 1000).toFixed(1)).join(', '),
      '',
    ],
    ...(figures.encodeShared
      ? [
          [
            'encodes alone, each original decoded once',
            figures.encodeShared.runs.map((ms) => (ms / 1000).toFixed(1)).join(', '),
            figures.encodeShared.cpuMs.map((ms) => (ms / 1000).toFixed(1)).join(', '),
            '',
          ],
        ]
      : []),
  ];
  const shared = figures.encodeShared;
  const sharedRows = shared
    ? figures.cold.map((cold) => {
        const limit = coldLimit(figures, cold.latencyMs, shared);
        return [
          latencyName(cold.latencyMs),
          seconds(cold.medianMs),
          seconds(limit.limitMs),
          `${(cold.medianMs / limit.limitMs).toFixed(2)}`,
        ];
      })
    : [];
  const sharing = shared
    ? `

**Decoding once.** The encoder process decodes each 8-bit sRGB PNG original once for all its variants
(\`packages/core/src/render/decoded-originals.ts\`; the bytes are the same as decoding it for each). The limit
above counts a decode in every variant's encode, as issue 24 defines it: ${seconds(figures.encode.medianMs)} summed. The same
encodes with one decode per original take ${seconds(shared.medianMs)}; held to that stricter limit, which shows what the
build's scheduling and overheads cost beyond the encodes it really runs:

${table(['Cold build', 'median', 'stricter limit', 'cold / stricter limit'], sharedRows)}`
    : '';
  const verdicts = coldVerdicts(figures);
  const slow = figures.cold.find((cold) => cold.latencyMs > 0);
  const sequential = slow && coldLimit(figures, slow.latencyMs);
  return `## 8. Cold builds against the encode limit (\`bench/cold.ts\`)

\`${COLD_COMMAND}\` (or \`node bench/cold.ts\` for the figures alone). A cold \`astro build\` (no original, no
variant, no dist, no Astro or Vite cache) of ${figures.options.pages} pages with 2 photo-like images each
(${images} images, ${figures.photo.width}x${figures.photo.height} PNGs from \`bench/photo.ts\`), which the build generates through the
test server, ${concurrency} requests in flight (\`concurrency: ${concurrency}\`), the server answering each one after
the latency with that photo; genimage's render defaults: ${variants} variants to encode (${variants / images} per image,
the 16 px placeholder included), each once.

**The encode limit** is what a cold build cannot beat on this machine: the **warm build** of the same
site (nothing generated or encoded: Astro's own work and genimage's lookups), plus the longer of
- **encoding**: genimage's own \`encode()\` of every needed variant, one at a time on one libvips
  thread, summed, divided by the ${cores} cores, after the latency (no image can be encoded before one arrives); and
- **generation**: ${images} requests ${concurrency} at a time, each answered after the latency (${Math.ceil(images / concurrency)} × the latency),
  plus one image's encodes spread over the cores (what is left when the last image arrives).

A build that waited for its last image before encoding its first would take warm + generation +
encoding${slow && sequential ? ` (${seconds(sequential.warmMs + sequential.generationMs + sequential.encodingMs)} at ${latencyName(slow.latencyMs)})` : ''}; genimage encodes each image's variants as soon as it is stored.
"Cores busy" is the CPU time of the build and its encoder process (user + system, from /proc) over its wall
time × ${cores} cores; "CPU / work" is that CPU time over the encodes' alone${figures.encodeShared ? ' (each original decoded once, as the build does)' : ''} plus the warm build's: what the cold
build spends beyond the work itself (generation, messages to the encoder, checks).
Each round runs a cold build at each latency (rotating the order), a warm build, then the
single-threaded encodes; ${figures.options.rounds} round(s), medians.

${table(['Cold build', 'median', 'warm build', 'encoding / cores', 'generation', 'encode limit', 'cold / limit', 'cores busy', 'CPU / work', 'target'], rows)}${sharing}

Runs (wall s, CPU s, peak memory of the build and its encoder process, each one's peak summed):

${table(['Run', 'wall', 'CPU', 'peak RSS'], runRows)}

Measured ${day(figures.machine.date)}, ${cores} cores (${figures.machine.cpuModel}), Node ${figures.machine.node}, in ${Math.round(figures.totalSeconds / 60)} min. The machine's
load average (1 min) before each round and at the end: ${figures.load.join(', ')}; above ${cores}, other work on it
took CPU time from the builds, which run ${cores} threads, more than from the single-threaded encodes of the limit.

**Conclusions:**
${verdicts.map((v) => `- ${v.target}: ${v.value}, ${verdictWord(v.met)}.`).join('\n')}`;
}
