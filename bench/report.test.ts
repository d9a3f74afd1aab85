/** BENCHMARKS.md's assembly: a benchmark not run here keeps its section as the file had it. */
import { assert, describe, it } from 'vitest';
import { renderReport, sectionsOf } from './report.ts';

const previous = `# Benchmarks

Intro.

Machine: 2026-11-29, 2 cores (AMD EPYC), Node v24.22.3.

## 1. Scanner against grep (\`bench/scan.ts\`)

Scan figures.

## 4. Against plain Astro (\`bench/astro-compare.ts\`)

| a | b |
| --- | ---: |
| x | 1 |

## 6. Memory (\`bench/memory.ts\`)

Memory figures.
`;

describe('sectionsOf', () => {
  it('splits a BENCHMARKS.md at its numbered headings', () => {
    const sections = sectionsOf(previous);
    assert.deepEqual([...sections.keys()], [1, 4, 6]);
    assert.strictEqual(sections.get(4), '## 4. Against plain Astro (`bench/astro-compare.ts`)\n\n| a | b |\n| --- | ---: |\n| x | 1 |');
  });
});

describe('renderReport', () => {
  it('keeps the sections and the machine line of the benchmarks without figures, and says how to measure the others', () => {
    const report = renderReport({}, { previous });
    const sections = sectionsOf(report);
    assert.strictEqual(sections.get(1), sectionsOf(previous).get(1));
    assert.strictEqual(sections.get(4), sectionsOf(previous).get(4));
    assert.strictEqual(sections.get(6), sectionsOf(previous).get(6));
    assert.strictEqual(
      sections.get(7),
      '## 7. Scale: 1,000 pages (`bench/scale.ts`)\n\nNot measured yet: `node bench/run.ts scale` runs it.',
    );
    assert.strictEqual(
      sections.get(8),
      '## 8. Cold builds against the encode limit (`bench/cold.ts`)\n\nNot measured yet: `node bench/run.ts cold` runs it.',
    );
    assert.include(report, 'Machine: 2026-11-29, 2 cores (AMD EPYC), Node v24.22.3.');
  });

  it('is stable: a file rendered from itself is the same file', () => {
    const once = renderReport({}, { previous });
    assert.strictEqual(renderReport({}, { previous: once }), once);
  });
});
