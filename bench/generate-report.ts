/**
 * Section 5 (generation: throughput and rate limits) of BENCHMARKS.md, and its rows in the
 * README's summary. Pure: figures in, markdown out; every met/missed is computed from
 * the figures.
 */
import type { Verdict } from './compare-report.ts';
import type { GenerateFigures } from './generate.ts';

/** Issue 12: wall time at most this many times the ideal, with no failure. */
export const THROUGHPUT_TARGET = 1.15;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const day = (iso: string) => iso.slice(0, 10);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

const verdictWord = (met: boolean) => (met ? 'met' : '**missed**');

/** The cases issue 12 sets a target for: concurrency 8, with and without a rate limit. */
export function generateVerdicts(figures: GenerateFigures): Verdict[] {
  return figures.cases
    .filter((c) => c.concurrency === 8)
    .map((c) => {
      const failed = Math.max(...c.failed);
      return {
        target: `generate, ${c.name}: wall ≤ ${THROUGHPUT_TARGET} × ideal, 0 failed`,
        value: `${c.ratio.toFixed(2)} × ideal, ${failed} failed`,
        met: c.ratio <= THROUGHPUT_TARGET && failed === 0,
      };
    });
}

export function generateSection(figures: GenerateFigures): string {
  const rows = figures.cases.map((c) => [
    c.name,
    seconds(c.idealMs),
    seconds(c.medianMs),
    c.ratio.toFixed(2),
    c.failed.join(', '),
    c.rateLimited.join(', '),
    c.peakInFlight.join(', '),
  ]);
  const verdicts = generateVerdicts(figures);
  return `## 5. Generation: throughput and rate limits (\`bench/generate.ts\`)

\`genimage generate\` as a user runs it (the built CLI, a child process) for ${figures.markers} distinct markers
against the test server, which answers each request ${figures.latencyMs} ms after it arrives (1024 px PNGs,
made while it waits). Ideal = ${figures.markers} × ${figures.latencyMs} ms / the requests the API serves at once. The
rate-limited case is a plan that serves 2 requests at once and answers 429 with \`Retry-After: 1\`
beyond. ${figures.rounds} rounds per case, interleaved, fresh cache each time; medians. The CLI's fixed cost
(start-up, config, scan: \`genimage scan\` on the same site) is ${seconds(figures.scanMs)} and is inside every wall time.
Measured ${day(figures.machine.date)}, Node ${figures.machine.node}, ${figures.machine.cpus} cores.

${table(['case', 'ideal', 'median wall', 'wall / ideal', 'failed, per round', '429s, per round', 'most in flight, per round'], rows)}

**Conclusions:**
${verdicts.map((v) => `- ${v.target}: ${v.value}, ${verdictWord(v.met === true)}.`).join('\n')}
- How: each HTTP exchange holds one of \`concurrency\` slots; checking and storing an image happen
  outside it, so the next request is in flight meanwhile. On a 429 the run lowers its limit to the
  requests still being served and retries after \`Retry-After\` with jitter; a rate limit is not a
  failure (packages/core/src/generate/rate-limiter.ts).`;
}
