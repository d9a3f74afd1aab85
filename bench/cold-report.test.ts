/** Section 7: the encode limit and the verdicts come from the figures, never written in. */
import { describe, expect, it } from 'vitest';
import type { ColdFigures } from './cold.ts';
import { coldLimit, coldSection, coldVerdicts } from './cold-report.ts';
import { parseColdArgs } from './cold.ts';

const machine = { date: '2026-12-05T00:00:00Z', cpus: 2, cpuModel: 'x', node: 'v24', os: 'linux', sharp: '0.35', libvips: '8' };

/** 100 images, 8 requests at once, 2 cores; encodes alone sum to 80 s; the warm build takes 3 s. */
function figures(coldMs: { slow: number; fast: number }, encodeMs = 80_000): ColdFigures {
  const run = (ms: number) => ({ ms, cpuMs: ms * 1.8, peakRssKb: 700_000, generated: 100, encoded: 1000, reused: 0 });
  return {
    machine,
    options: { pages: 50, rounds: 1 },
    images: 100,
    variants: 1000,
    cores: 2,
    concurrency: 8,
    photo: { width: 1024, height: 576 },
    cold: [
      { latencyMs: 2000, runs: [run(coldMs.slow)], medianMs: coldMs.slow, medianCpuMs: coldMs.slow * 1.8 },
      { latencyMs: 0, runs: [run(coldMs.fast)], medianMs: coldMs.fast, medianCpuMs: coldMs.fast * 1.8 },
    ],
    warm: { runs: [3000], medianMs: 3000, cpuMs: [4000] },
    encode: { runs: [encodeMs], medianMs: encodeMs, cpuMs: [encodeMs] },
    totalSeconds: 600,
    load: [1.5, 2.5],
  };
}

describe('coldLimit', () => {
  it('is the warm build plus the first answer and the encodes spread over the cores, when generating takes less', () => {
    // 13 rounds of 8 requests × 2 s = 26 s < 2 s + 40 s of encoding.
    expect(coldLimit(figures({ slow: 0, fast: 0 }), 2000)).toEqual({
      warmMs: 3000,
      encodingMs: 40_000,
      generationMs: 26_000,
      lastImageMs: 400,
      limitMs: 45_000,
      bound: 'encoding',
    });
    expect(coldLimit(figures({ slow: 0, fast: 0 }), 0)).toMatchObject({ generationMs: 0, limitMs: 43_000, bound: 'encoding' });
  });

  it('is the warm build plus generation and the last image, when the API is slower than the encodes', () => {
    expect(coldLimit(figures({ slow: 0, fast: 0 }, 40_000), 2000)).toMatchObject({
      encodingMs: 20_000,
      generationMs: 26_000,
      limitMs: 3000 + 26_000 + 200,
      bound: 'generation',
    });
  });
});

describe('coldVerdicts', () => {
  it('hold each latency to 1.1 × its limit', () => {
    // Limits 45 s and 43 s: 49 s is 1.09, 48 s is 1.12.
    expect(coldVerdicts(figures({ slow: 49_000, fast: 48_000 })).map((v) => [v.target, v.value, v.met])).toEqual([
      ['cold build ≤ 1.1 × the encode limit, API latency 2 s, 100 photos', '1.09 (49.0 s against 45.0 s)', true],
      ['cold build ≤ 1.1 × the encode limit, no API latency, 100 photos', '1.12 (48.0 s against 43.0 s)', false],
    ]);
  });

  it('the section shows each ratio and says missed where a target is', () => {
    const section = coldSection(figures({ slow: 49_000, fast: 48_000 }));
    // CPU / work: 49 s × 1.8 of CPU over 80 s of encodes and 4 s of the warm build.
    expect(section).toContain('| API latency 2 s | 49.0 s | 3.0 s | 40.0 s | 26.0 s | 45.0 s (encoding) | **1.09** | 90% | 1.05 | ≤ 1.1 |');
    expect(section).toContain('before each round and at the end: 1.5, 2.5;');
    expect(section).toContain('no API latency, 100 photos: 1.12 (48.0 s against 43.0 s), **missed**.');
    // What waiting for the last image before encoding would cost: warm + generation + encoding.
    expect(section).toContain('(69.0 s at API latency 2 s)');
    expect(section).not.toContain('Decoding once');
  });

  it('with the encodes measured decoding each original once, shows the stricter limit beside, the verdicts unchanged', () => {
    const measured = { ...figures({ slow: 49_000, fast: 48_000 }), encodeShared: { runs: [70_000], medianMs: 70_000, cpuMs: [70_000] } };
    const section = coldSection(measured);
    // 2 s + 3 s + 70 s / 2 = 40 s; 3 s + 35 s = 38 s.
    expect(section).toContain('| API latency 2 s | 49.0 s | 40.0 s | 1.23 |');
    expect(section).toContain('| no API latency | 48.0 s | 38.0 s | 1.26 |');
    expect(section).toContain('| encodes alone, each original decoded once | 70.0 | 70.0 |  |');
    // CPU / work now over the encodes the build runs: 49 s × 1.8 over 70 s + 4 s.
    expect(section).toContain('| **1.09** | 90% | 1.19 | ≤ 1.1 |');
    expect(coldVerdicts(measured).map((v) => v.met)).toEqual([true, false]);
  });
});

describe('parseColdArgs', () => {
  it('reads pages and rounds, refusing what is not a whole number from 1', () => {
    expect(parseColdArgs([])).toEqual({ pages: 50, rounds: 3 });
    expect(parseColdArgs(['--pages', '5', '--rounds', '1'])).toEqual({ pages: 5, rounds: 1 });
    expect(() => parseColdArgs(['--pages', '0'])).toThrow('--pages expects a whole number from 1 up, got "0".');
    expect(() => parseColdArgs(['--warm', '2'])).toThrow();
  });
});
