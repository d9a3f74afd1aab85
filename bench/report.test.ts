/** BENCHMARKS.md keeps the sections of the benchmarks that were not run again. */
import { describe, expect, it } from 'vitest';
import { renderReport, sectionOf } from './report.ts';

const previous = `# Benchmarks

Machine: 2026-11-29, 2 cores (AMD EPYC).

## 1. Scanner against grep (\`bench/scan.ts\`)

scan took 163 ms.

## 2. Encoders (\`bench/encode.ts\`)

AVIF is slow.
`;

describe('sectionOf', () => {
  it('is a section from its heading to the next one, or to the end', () => {
    expect(sectionOf(previous, 1)).toBe('## 1. Scanner against grep (`bench/scan.ts`)\n\nscan took 163 ms.');
    expect(sectionOf(previous, 2)).toBe('## 2. Encoders (`bench/encode.ts`)\n\nAVIF is slow.');
    expect(sectionOf(previous, 3)).toBeUndefined();
  });
});

describe('renderReport', () => {
  it('keeps the sections and machine line of benchmarks without figures, and says how to measure the others', () => {
    const report = renderReport({}, 'pnpm bench', previous);
    expect(report).toContain('Machine: 2026-11-29, 2 cores (AMD EPYC).');
    expect(report).toContain('## 1. Scanner against grep (`bench/scan.ts`)\n\nscan took 163 ms.\n\n## 2. Encoders');
    expect(report).toContain(
      '## 7. Cold builds against the encode limit (`bench/cold.ts`)\n\nNot measured yet: `node bench/run.ts cold` runs it.',
    );
  });
});
