/** Section 6: verdicts, and the leanest option, come from the figures, never written in. */
import { describe, expect, it } from 'vitest';
import type { BuildMemory, MemoryFigures } from './memory.ts';
import type { OptionFigures } from './memory-options.ts';
import { leanestOption, memorySection, memoryVerdicts } from './memory-report.ts';

const machine = { date: '2026-12-05T00:00:00Z', cpus: 2, cpuModel: 'x', node: 'v24', os: 'linux', sharp: '0.35', libvips: '8' };

function buildOf(id: BuildMemory['id'], peakMB: number[], medianSeconds: number): BuildMemory {
  return {
    id,
    name: id,
    peakMB,
    sampledPeakMB: peakMB,
    seconds: peakMB.map(() => medianSeconds),
    cpuSeconds: peakMB.map(() => medianSeconds * 1.8),
    medianSeconds,
    processes: [{ command: 'node astro.mjs', peakMB: 460 }],
  };
}

function option(id: string, peakMB: number, medianSeconds: number): OptionFigures {
  return { id, label: id, peakMB: [peakMB], seconds: [medianSeconds], cpuSeconds: [1], medianSeconds, medianCpuSeconds: 1 };
}

function figures(adopted: { peaks: number[]; seconds: number }): MemoryFigures {
  return {
    machine,
    markers: 32,
    concurrency: 4,
    buildVariants: '320 variant(s): 320 encoded, 0 reused',
    runs: [
      { name: 'generate, b64_json', peakMB: 340, seconds: 1 },
      { name: 'generate, url', peakMB: 360, seconds: 1 },
    ],
    builds: [
      buildOf('process', adopted.peaks, adopted.seconds),
      buildOf('inline', [1030, 1010], 25),
      buildOf('inline-arena-2', [760], 26),
      buildOf('warm', [460], 2),
    ],
    options: [option('inline', 600, 20), option('child-plain', 500, 21), option('child', 250, 21.5), option('one-at-a-time', 200, 30)],
  };
}

describe('memory verdicts', () => {
  it('hold generate to 350 MB, the default build (its highest round, processes summed) to 700 MB and 1.1 × the in-process time', () => {
    expect(memoryVerdicts(figures({ peaks: [690, 698], seconds: 27 })).map((v) => [v.target, v.value, v.met])).toEqual([
      ['peak RSS, generate, b64_json, 32 × 4K: ≤ 350 MB', '340 MB', true],
      ['peak RSS, generate, url, 32 × 4K: ≤ 350 MB', '360 MB', false],
      ['peak RSS, astro build, cold, 32 × 4K: ≤ 700 MB', '698 MB (the build and its encoder process)', true],
      ["cold build over 32 × 4K: ≤ 1.1 × the time encoding in the build's own process", '1.08 (27.0 s against 25.0 s)', true],
    ]);
    const over = memoryVerdicts(figures({ peaks: [690, 705], seconds: 28 }));
    expect(over.slice(2).map((v) => v.met)).toEqual([false, false]);
  });

  it('the leanest option is the lowest peak among those within 1.1 × the first option’s time', () => {
    expect(leanestOption(figures({ peaks: [690], seconds: 25 }).options)?.id).toBe('child');
    expect(leanestOption([])).toBeUndefined();
  });

  it('the section says what the encodes cost beyond the warm build, and missed where a target is', () => {
    const section = memorySection(figures({ peaks: [705], seconds: 24 }));
    expect(section).toContain('peak RSS, astro build, cold, 32 × 4K: ≤ 700 MB: 705 MB (the build and its encoder process), **missed**.');
    expect(section).toContain(
      "what is left for the\n  encodes is 240 MB. In the build's process they took 570 MB more; with the encoder process, 245 MB more,\n  in no more time.",
    );
    expect(section).toContain('"child" (250 MB)');
  });
});
