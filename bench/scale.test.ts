/** The scale benchmark's pure parts: flags, the CLI's lines, verdicts and the section. */
import { assert, describe, it } from 'vitest';
import type { Side } from './compare-sites.ts';
import { scaleSection, scaleVerdicts, summarizeScale } from './scale-report.ts';
import { type ScaleFigures, type ScaleSide, type ScaleSize, parseCheckLine, parseScaleArgs, parseScanLine } from './scale.ts';

const dist = { files: 10, bytes: 1e6, byExtension: {}, digest: 'x' };

function side(name: Side, warmMs: number, peakRssKb: number): ScaleSide {
  const build = (round: number) => ({ round, ms: warmMs, peakRssKb, encoded: 0, reused: 6, total: 6 });
  return {
    side: name,
    first: { ...build(0), encoded: 6 },
    warm: [build(1), build(2), build(3)],
    warmMedianMs: warmMs,
    warmPeakRssKb: peakRssKb,
    dist,
    identicalOutputs: true,
  };
}

interface SizeSpec {
  genimageMs: number;
  astroMs: number;
  genimageRssKb?: number;
  astroRssKb?: number;
  scanMs?: number;
  checkMs?: number;
}

function size(pages: number, spec: SizeSpec): ScaleSize {
  const cli = (ms: number) => ({ first: { ms: ms * 3, peakRssKb: 1000 }, runs: [{ ms, peakRssKb: 1000 }], medianMs: ms, peakRssKb: 1000 });
  return {
    pages,
    photos: pages * 2,
    originalsBytes: pages * 2 * 200_000,
    sides: [side('genimage', spec.genimageMs, spec.genimageRssKb ?? 500_000), side('astro', spec.astroMs, spec.astroRssKb ?? 900_000)],
    scan: { ...cli(spec.scanMs ?? 500), files: pages + 1, markers: pages * 2, images: pages * 2 },
    check: { ...cli(spec.checkMs ?? 900), images: pages * 2 },
    index: { bytes: pages * 2 * 100, entries: pages * 2 },
  };
}

function figures(...sizes: ScaleSize[]): ScaleFigures {
  return {
    machine: { date: '2026-11-30T00:00:00Z', cpus: 2, cpuModel: 'cpu', node: 'v24', os: 'linux', sharp: '0.35', libvips: '8.18' },
    options: { pages: sizes.map((s) => s.pages), warm: 3, runs: 1 },
    photo: { width: 384, height: 216 },
    plannedWidths: [384],
    sizes: '(min-width: 384px) 384px, 100vw',
    astro: '7.3.5',
    rssMethod: 'GNU time',
    load: { start: [1, 1, 1], end: [2, 2, 2] },
    sizesMeasured: sizes,
    totalSeconds: 600,
  };
}

const metOf = (f: ScaleFigures) => Object.fromEntries(summarizeScale(f).verdicts.map((v) => [v.target, v.met]));

describe('parseScaleArgs', () => {
  it('defaults to 100 and 1,000 pages', () => {
    assert.deepEqual(parseScaleArgs([]), { pages: [100, 1000], warm: 5, runs: 5 });
  });

  it('takes sizes, rounds and runs, sorted and deduplicated', () => {
    assert.deepEqual(parseScaleArgs(['--pages', '50,10,50', '--warm', '2', '--runs', '3']), { pages: [10, 50], warm: 2, runs: 3 });
  });

  it('refuses a size that is not a whole number, naming the flag', () => {
    assert.throws(() => parseScaleArgs(['--pages', '10,x']), /--pages expects a whole number from 1 up, got "x"/);
    assert.throws(() => parseScaleArgs(['--warm', '0']), /--warm expects a whole number from 1 up, got "0"/);
    assert.throws(() => parseScaleArgs(['--cold', '1']), /cold/);
  });
});

describe('the CLI lines', () => {
  it("reads genimage scan's summary line", () => {
    const output =
      'p/1.astro:19:5  1a2b3c4d  cached  "a valley"\n2000 marker(s) in 1001 file(s), 2000 distinct image request(s): 1999 cached, 1 missing, 0 corrupt\n';
    assert.deepEqual(parseScanLine(output), { markers: 2000, files: 1001, images: 2000, cached: 1999 });
  });

  it("reads genimage check's passing line, and refuses a failing check", () => {
    assert.deepEqual(parseCheckLine('All 2000 image(s) for 2000 marker(s) are cached and verified in .genimage/.\n'), { images: 2000 });
    assert.throws(() => parseCheckLine('1 of 2000 image(s) missing or corrupt in .genimage/.\n'), /did not pass/);
  });
});

describe('summarizeScale', () => {
  const passing = () => figures(size(100, { genimageMs: 4000, astroMs: 4400 }), size(1000, { genimageMs: 20_000, astroMs: 30_000 }));

  it('meets every target when genimage is faster, leaner, and its commands quick', () => {
    const verdicts = summarizeScale(passing()).verdicts;
    assert.deepEqual(
      verdicts.map((v) => v.met),
      [true, true, true, true, true],
    );
    assert.equal(verdicts[0]!.target, "1,000 pages: warm build ≤ 1.0 × plain Astro's");
    assert.equal(verdicts[0]!.value, '0.67');
    assert.equal(verdicts[1]!.value, '0.91 at 100, 0.67 at 1,000');
  });

  it('misses the ratio above 1.0 and a ratio that grew with the pages', () => {
    const met = metOf(figures(size(100, { genimageMs: 4000, astroMs: 4400 }), size(1000, { genimageMs: 31_000, astroMs: 30_000 })));
    assert.equal(met["1,000 pages: warm build ≤ 1.0 × plain Astro's"], false);
    assert.equal(met['1,000 pages: warm ratio no higher than at 100 pages'], false);
  });

  it('misses a ratio under 1.0 that is still higher than at the smaller size', () => {
    const met = metOf(figures(size(100, { genimageMs: 3000, astroMs: 4000 }), size(1000, { genimageMs: 24_000, astroMs: 30_000 })));
    assert.equal(met["1,000 pages: warm build ≤ 1.0 × plain Astro's"], true);
    assert.equal(met['1,000 pages: warm ratio no higher than at 100 pages'], false);
  });

  it('compares peak RSS at the largest size, and says when it was not measured', () => {
    const heavier = figures(size(100, { genimageMs: 1, astroMs: 2 }), size(1000, { genimageMs: 1, astroMs: 2, genimageRssKb: 901_000 }));
    assert.equal(metOf(heavier)["1,000 pages: peak RSS of a warm build ≤ plain Astro's"], false);
    const unmeasured = passing();
    unmeasured.sizesMeasured[1]!.sides[0]!.warmPeakRssKb = null;
    const verdict = summarizeScale(unmeasured).verdicts[2]!;
    assert.equal(verdict.met, null);
    assert.equal(verdict.value, 'n/a against 879 MB');
  });

  it('holds check and scan to their wall times, strictly', () => {
    const slow = figures(size(100, { genimageMs: 1, astroMs: 2 }), size(1000, { genimageMs: 1, astroMs: 2, checkMs: 2000, scanMs: 999 }));
    const met = metOf(slow);
    assert.equal(met['1,000 pages: `genimage check` of 2,000 cached images, warm, < 2 s'], false);
    assert.equal(met['1,000 pages: `genimage scan` of the site < 1 s'], true);
  });

  it('cannot judge growth from one size', () => {
    const verdict = summarizeScale(figures(size(1000, { genimageMs: 1, astroMs: 2 }))).verdicts[1]!;
    assert.equal(verdict.met, null);
    assert.match(verdict.target, /needs two sizes/);
  });
});

describe('scaleSection and scaleVerdicts', () => {
  it('writes the verdicts computed from the figures, and the command that reproduces them', () => {
    const f = figures(size(100, { genimageMs: 4000, astroMs: 4400 }), size(1000, { genimageMs: 31_000, astroMs: 30_000 }));
    const section = scaleSection(f);
    assert.match(section, /^## 7\. Scale: 1,000 pages/);
    assert.include(section, "- 1,000 pages: warm build ≤ 1.0 × plain Astro's: 1.03, **missed**.");
    assert.include(section, '`node bench/run.ts scale --pages 100,1000 --warm 3 --runs 1`');
    // 27 s more for 900 more pages on genimage's side: 30 ms a page.
    assert.include(section, 'each page more (2 images) adds about 30.0 ms to a warm build with genimage and 28.4 ms with plain Astro');
    assert.include(
      section,
      "- From 100 to 1,000 pages (10× the pages and images): genimage's warm build took 7.8× the time, plain Astro's 6.8×; `genimage scan` 1.0×, `genimage check` 1.0×; the verified index grew 10.0×, 100 bytes an image.",
    );
  });

  it('names the scale benchmark in the README rows', () => {
    const rows = scaleVerdicts(
      figures(size(100, { genimageMs: 4000, astroMs: 4400 }), size(1000, { genimageMs: 20_000, astroMs: 30_000 })),
    );
    assert.equal(rows.length, 5);
    for (const row of rows) assert.match(row.target, /^scale, 1,000 pages: /);
  });
});
