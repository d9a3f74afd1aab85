/** Section 5: verdicts come from the figures, never written in. */
import { describe, expect, it } from 'vitest';
import { parseSummary, type GenerateFigures } from './generate.ts';
import { generateSection, generateVerdicts } from './generate-report.ts';

const machine = { date: '2026-11-29T00:00:00Z', cpus: 2, cpuModel: 'x', node: 'v24', os: 'linux', sharp: '0.35', libvips: '8' };

function generate(ratio8: number, failed8: number): GenerateFigures {
  const one = (name: string, concurrency: number, ratio: number, failed: number, apiLimit?: number) => ({
    name,
    concurrency,
    ...(apiLimit && { apiLimit }),
    idealMs: 4000,
    wallMs: [ratio * 4000],
    medianMs: ratio * 4000,
    ratio,
    failed: [failed],
    rateLimited: [0],
    peakInFlight: [concurrency],
  });
  return {
    machine,
    markers: 64,
    latencyMs: 500,
    rounds: 1,
    scanMs: 300,
    cases: [one('concurrency 1', 1, 1.5, 0), one('concurrency 8', 8, ratio8, 0), one('concurrency 8, limited', 8, 1.05, failed8, 2)],
  };
}

describe('generate verdicts', () => {
  it('judge only the concurrency-8 cases, on both the ratio and the failures', () => {
    expect(generateVerdicts(generate(1.1, 0)).map((v) => v.met)).toEqual([true, true]);
    expect(generateVerdicts(generate(1.2, 0)).map((v) => v.met)).toEqual([false, true]);
    expect(generateVerdicts(generate(1.1, 3)).map((v) => [v.met, v.value])).toEqual([
      [true, '1.10 × ideal, 0 failed'],
      [false, '1.05 × ideal, 3 failed'],
    ]);
  });

  it('the section says missed where a target is', () => {
    expect(generateSection(generate(1.2, 0))).toContain(
      'concurrency 8: wall ≤ 1.15 × ideal, 0 failed: 1.20 × ideal, 0 failed, **missed**.',
    );
  });
});

describe('parseSummary', () => {
  it('reads the summary of generate --json after any text, and nothing from text without one', () => {
    expect(parseSummary('progress…\n{"command":"generate","summary":{"generated":3,"failed":1}}\n')).toEqual({ generated: 3, failed: 1 });
    expect(parseSummary('error: no document')).toBeUndefined();
  });
});
