import { describe, expect, it } from 'vitest';
import { README_END, README_START } from './compare-report.ts';
import { mergeSummaryRows } from './summary-rows.ts';

const readme = `# Title

${README_START}
Against plain Astro:

| target | measured | verdict |
| --- | --- | --- |
| warm build ≤ 1.05 × plain Astro's | 0.91 | met |
| peak RSS, generate, url: ≤ 350 MB | 299 MB | met |
| peak RSS, astro build, cold: ≤ 700 MB | 1032 MB | **missed** |
| dist bytes | 0.08 | met |
${README_END}

More text.
`;

describe('mergeSummaryRows', () => {
  it("replaces the rows of the benchmarks run again where they were, and keeps the others'", () => {
    const merged = mergeSummaryRows(
      readme,
      [
        { target: 'peak RSS, generate, url: ≤ 350 MB', value: '290 MB', met: true },
        { target: 'peak RSS, astro build, cold: ≤ 700 MB', value: '650 MB', met: true },
      ],
      (target) => target.startsWith('peak RSS'),
    );
    expect(merged).toContain(`| warm build ≤ 1.05 × plain Astro's | 0.91 | met |
| peak RSS, generate, url: ≤ 350 MB | 290 MB | met |
| peak RSS, astro build, cold: ≤ 700 MB | 650 MB | met |
| dist bytes | 0.08 | met |
${README_END}

More text.`);
    expect(merged).not.toContain('1032 MB');
  });

  it('adds rows no earlier run wrote after the last row, and says missed', () => {
    const merged = mergeSummaryRows(readme, [{ target: 'cold build ≤ 1.1 × the encode limit', value: '1.2', met: false }], (target) =>
      target.startsWith('cold build ≤ 1.1'),
    );
    expect(merged).toContain(`| dist bytes | 0.08 | met |
| cold build ≤ 1.1 × the encode limit | 1.2 | **missed** |
${README_END}`);
  });

  it('leaves a README without a summary block as it is', () => {
    expect(mergeSummaryRows('# Title\n', [{ target: 't', value: 'v', met: true }], () => true)).toBe('# Title\n');
  });
});
