/** The comparison benchmark's pure parts: log parsing, flags, verdicts and the README block. */
import { assert, describe, it } from 'vitest';
import { type Build, type CompareFigures, parseAstroImageLog, parseCompareArgs, type SideFigures } from './astro-compare.ts';
import { README_END, README_START, ratioAgainst, readmeSummary, replaceSummary, replaceSummaryRows, summarize } from './compare-report.ts';
import type { Side } from './compare-sites.ts';

const dist = (bytes: number) => ({ files: 10, bytes, byExtension: { avif: { files: 10, bytes } }, digest: 'x' });

function build(kind: Build['kind'], ms: number, warmIndex = 0, encoded = 0): Build {
  return { kind, round: 1, ms, peakRssKb: 1000, warmIndex, encoded, reused: 0, total: 6 };
}

function side(name: Side, coldMs: number, warmMs: number, bytes: number, secondWarmEncoded = 0): SideFigures {
  return {
    side: name,
    builds: [build('cold', coldMs), build('warm', warmMs, 1), build('warm', warmMs, 2, secondWarmEncoded)],
    coldMedianMs: coldMs,
    warmMedianMs: warmMs,
    coldPeakRssKb: 1000,
    warmPeakRssKb: 900,
    dist: dist(bytes),
    identicalOutputs: true,
  };
}

function figures(warm100: number, secondWarmEncoded = 0): CompareFigures {
  const size = (pages: number, genimageWarm: number) => ({
    pages,
    photos: pages * 2,
    coldRounds: pages === 50 ? 3 : 1,
    warmRounds: 5,
    originalsBytes: pages * 2 * 1_450_000,
    sides: [side('genimage', 30_000, genimageWarm, 20e6, secondWarmEncoded), side('astro', 180_000, 1000, 280e6)],
  });
  return {
    machine: { date: '2026-11-29T00:00:00Z', cpus: 2, cpuModel: 'cpu', node: 'v24', os: 'linux', sharp: '0.35', libvips: '8.18' },
    options: { pages: [50, 100], coldPages: 50, cold: 3, warm: 5 },
    photo: { width: 1024, height: 576 },
    plannedWidths: [480, 960],
    sizes: '(min-width: 960px) 960px, 100vw',
    astro: '7.3.5',
    rssMethod: 'GNU time',
    sizesMeasured: [size(50, 1000), size(100, warm100)],
    totalSeconds: 60,
  };
}

describe('parseAstroImageLog', () => {
  it('counts images written anew and taken from the cache', () => {
    const log = [
      '15:14:52   ▶ /_astro/photo-6.BBxaibUF_1cVKSb.png (before: 1401kB, after: 1215kB) (+37ms) (41/42)',
      '15:14:52   ▶ /_astro/photo-6.BBxaibUF_Z22cfxO.avif (reused cache entry) (+2ms) (42/42)',
      '15:14:52   ├─ /p/1/index.html (+1.59s)',
    ].join('\n');
    assert.deepEqual(parseAstroImageLog(log), { total: 2, encoded: 1, reused: 1 });
  });
});

describe('parseCompareArgs', () => {
  it('defaults to the issue sizes', () => {
    assert.deepEqual(parseCompareArgs([]), { pages: [50, 100], coldPages: 50, cold: 3, warm: 5 });
  });
  it('adds the cold size to the warm sizes', () => {
    assert.deepEqual(parseCompareArgs(['--pages', '3', '--cold-pages', '2', '--cold', '1', '--warm', '2']), {
      pages: [2, 3],
      coldPages: 2,
      cold: 1,
      warm: 2,
    });
  });
  it('refuses fewer than 2 warm rounds: the second warm build is measured', () => {
    assert.throws(() => parseCompareArgs(['--warm', '1']), /--warm expects a whole number from 2 up/);
  });
});

describe('summarize', () => {
  it('computes every verdict from the figures', () => {
    const summary = summarize(figures(1040));
    assert.deepEqual(
      summary.verdicts.map((v) => [v.value, v.met]),
      [
        ['1.04', true],
        ['1.00 at 50, 1.04 at 100', true],
        ['0.17', true],
        ['0.07', true],
        ['0', true],
      ],
    );
  });
  it('misses the warm target, its growth and the second warm build when they are missed', () => {
    const verdicts = summarize(figures(1100, 3)).verdicts;
    assert.deepEqual(
      verdicts.map((v) => v.met),
      [false, false, true, true, false],
    );
  });
});

describe('ratioAgainst', () => {
  it('shows a third decimal only where two would print the target', () => {
    assert.strictEqual(ratioAgainst(1.0519, 1.05), '1.052');
    assert.strictEqual(ratioAgainst(1.0449, 1.05), '1.04');
    assert.strictEqual(ratioAgainst(0.1436, 0.5), '0.14');
  });
});

describe('replaceSummary', () => {
  const readme = '# x\n\n## Benchmarks\n\nText.\n\n| a |\n\n## Developing\n\nMore.\n';
  it('inserts the block at the end of the Benchmarks section, then replaces it in place', () => {
    const block = readmeSummary(figures(1000));
    const once = replaceSummary(readme, block);
    assert.ok(once.indexOf(README_START) > once.indexOf('| a |') && once.indexOf(README_END) < once.indexOf('## Developing'));
    assert.strictEqual(replaceSummary(once, block), once);
    const changed = replaceSummary(once, `${README_START}\nnew\n${README_END}`);
    assert.strictEqual(changed, readme.replace('| a |\n\n', `| a |\n\n${README_START}\nnew\n${README_END}\n\n`));
  });
});

describe('replaceSummaryRows', () => {
  const block = (rows: string[]) =>
    `# x\n\n${README_START}\nIntro.\n\n| target | measured | verdict |\n| --- | --- | --- |\n${rows.join('\n')}\n${README_END}\n\nAfter.\n`;
  const row = (target: string, value: string, met: boolean) => ({ target, value, met });

  it('replaces the rows of one benchmark and keeps the others in place', () => {
    const text = block(['| warm build | 0.91 | met |', '| scale, old | 1.2 | **missed** |', '| peak RSS | 1032 MB | **missed** |']);
    const updated = replaceSummaryRows(text, 'scale, ', [row('scale, new', '0.8', true), row('scale, other', '3 s', false)]);
    assert.strictEqual(
      updated,
      block([
        '| warm build | 0.91 | met |',
        '| peak RSS | 1032 MB | **missed** |',
        '| scale, new | 0.8 | met |',
        '| scale, other | 3 s | **missed** |',
      ]),
    );
  });

  it('adds the rows at the end of a table that had none, and finds nothing to do without a summary', () => {
    assert.strictEqual(
      replaceSummaryRows(block(['| a | b | met |']), 'scale, ', [row('scale, x', '1', true)]),
      block(['| a | b | met |', '| scale, x | 1 | met |']),
    );
    assert.strictEqual(replaceSummaryRows('# no summary\n', 'scale, ', [row('scale, x', '1', true)]), undefined);
  });
});
