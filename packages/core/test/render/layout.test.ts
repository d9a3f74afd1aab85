import { describe, expect, test } from 'vitest';
import { LAYOUT_BREAKPOINTS } from '../../src/config/config.ts';
import { cropPosition, type LayoutOptions, layoutSizes, layoutStyle, planImage, variantWidths } from '../../src/render/layout.ts';

const defaults: LayoutOptions = { layout: 'none', fit: 'cover', position: 'center', breakpoints: LAYOUT_BREAKPOINTS };
const square = { width: 1024, height: 1024 };
const widthsOf = (options: Partial<LayoutOptions>, original = square) =>
  planImage(original, { ...defaults, ...options }).candidates.map((candidate) => candidate.descriptor);

describe('variantWidths', () => {
  test('drops widths above the original and adds the original width when any was dropped', () => {
    expect(variantWidths(2048, [480, 960, 2560])).toEqual([480, 960, 2048]);
    expect(variantWidths(683, [480, 960, 1440])).toEqual([480, 683]);
  });
  test('the original replaces a kept width within 20% below it, unless exact', () => {
    expect(variantWidths(1024, [480, 960, 1440])).toEqual([480, 1024]);
    expect(variantWidths(1024, [960, 1440])).toEqual([1024]);
    expect(variantWidths(1024, [480, 960, 1440], { exact: true })).toEqual([480, 960, 1024]);
    // 853 × 1.2 = 1023.6: just outside 20%, so both stay.
    expect(variantWidths(1024, [853, 1440])).toEqual([853, 1024]);
  });
  test('never upscales: the original width alone when it is smaller than every requested width', () => {
    expect(variantWidths(300, [480, 960])).toEqual([300]);
    expect(variantWidths(2048, [1024, 2048, 2560])).toEqual([1024, 2048]);
  });
  test('sorts and deduplicates, and adds nothing when every width fits', () => {
    expect(variantWidths(2000, [960, 480, 960])).toEqual([480, 960]);
  });
});

describe('planImage: widths per layout', () => {
  test('none keeps the given widths, the <img> taking the largest file', () => {
    const plan = planImage(square, { ...defaults, widths: [480, 960, 1440] });
    expect(plan.candidates.map((c) => c.descriptor)).toEqual(['480w', '1024w']);
    expect([plan.width, plan.height, plan.sizes, plan.style, plan.crop]).toEqual([1024, 1024, undefined, undefined, undefined]);
  });

  test('constrained: 1x and 2x of the width and the breakpoints between, up to the original', () => {
    expect(widthsOf({ layout: 'constrained', width: 400 })).toEqual(['400w', '640w', '750w', '800w']);
    // 2 × 800 exceeds the original: the original takes its place (astro:assets would stop at 800).
    expect(widthsOf({ layout: 'constrained', width: 800 })).toEqual(['640w', '750w', '800w', '828w', '1024w']);
    // Without a width: the original's, as astro:assets.
    expect(widthsOf({ layout: 'constrained' })).toEqual(['640w', '750w', '828w', '1024w']);
  });

  test('full-width: the breakpoints up to the original, then the original', () => {
    expect(widthsOf({ layout: 'full-width' }, { width: 2048, height: 1152 })).toEqual([
      '640w',
      '750w',
      '828w',
      '1080w',
      '1280w',
      '1668w',
      '2048w',
    ]);
  });

  test('fixed: 1x and 2x of the width, never above the original', () => {
    expect(widthsOf({ layout: 'fixed', width: 64, height: 64 })).toEqual(['64w', '128w']);
    expect(widthsOf({ layout: 'fixed', width: 2000 })).toEqual(['1024w']);
  });

  test('the marker widths win over a layout', () => {
    expect(widthsOf({ layout: 'full-width', widths: [320, 2000] })).toEqual(['320w', '1024w']);
  });
});

describe('planImage: densities', () => {
  test('1x and 2x candidates of the width', () => {
    const plan = planImage(square, { ...defaults, width: 64, densities: [1, 2] });
    expect(plan.candidates).toEqual([
      { width: 64, height: 64, descriptor: '1x' },
      { width: 128, height: 128, descriptor: '2x' },
    ]);
    expect([plan.width, plan.height, plan.sizes]).toEqual([64, 64, undefined]);
  });

  test('a density the original cannot give becomes the original at its true density', () => {
    expect(widthsOf({ width: 800, densities: [1, 2, 3] })).toEqual(['1x', '1.28x']);
  });
});

describe('planImage: width, height and fit', () => {
  const thumbnail = { width: 640, height: 360 };

  test('width alone keeps the aspect ratio; width and height of another ratio crop (cover) at the position', () => {
    expect(planImage(square, { ...defaults, layout: 'fixed', width: 64 })).toMatchObject({ width: 64, height: 64 });
    const plan = planImage(square, { ...defaults, ...thumbnail, layout: 'constrained', position: 'top' });
    expect(plan).toMatchObject({ width: 640, height: 360, crop: 'top' });
    expect(plan.candidates.map((c) => `${c.width}x${c.height}`)).toEqual(['640x360', '750x422', '828x466', '1024x576']);
  });

  test('no crop when the ratio is the original one, whatever the fit', () => {
    expect(planImage(square, { ...defaults, width: 64, height: 64 }).crop).toBeUndefined();
  });

  test('fill stretches to the box without crop', () => {
    const plan = planImage(square, { ...defaults, ...thumbnail, fit: 'fill' });
    expect([plan.crop, plan.candidates.at(-1)]).toEqual([undefined, { width: 640, height: 360, descriptor: '640w' }]);
  });

  test('inside and outside shape the file to the original ratio; contain letterboxes it in the box', () => {
    expect(planImage(square, { ...defaults, ...thumbnail, fit: 'inside' })).toMatchObject({ width: 360, height: 360 });
    expect(planImage(square, { ...defaults, ...thumbnail, fit: 'outside' })).toMatchObject({ width: 640, height: 640 });
    const contain = planImage(square, { ...defaults, ...thumbnail, fit: 'contain' });
    expect(contain).toMatchObject({ width: 640, height: 360, style: 'object-fit:contain' });
    expect(contain.candidates.at(-1)).toEqual({ width: 360, height: 360, descriptor: '360w' });
  });

  test('a crop never needs more pixels than the original has at that ratio', () => {
    // A 16:9 crop of a 1024 square is at most 1024 × 576.
    expect(widthsOf({ width: 1600, height: 900 })).toEqual(['1024w']);
    // A tall crop: at most 512 × 1024.
    expect(widthsOf({ width: 1000, height: 2000 })).toEqual(['512w']);
  });
});

describe('sizes and styles, as astro:assets', () => {
  test('sizes', () => {
    expect(layoutSizes('constrained', 800)).toBe('(min-width: 800px) 800px, 100vw');
    expect(layoutSizes('fixed', 64)).toBe('64px');
    expect(layoutSizes('full-width', 1024)).toBe('100vw');
    expect(layoutSizes('none', 1024)).toBeUndefined();
  });

  test('styles', () => {
    expect(layoutStyle(defaults)).toBeUndefined();
    expect(layoutStyle({ ...defaults, layout: 'constrained' })).toBe('height:auto;max-width:100%;object-fit:cover');
    expect(layoutStyle({ ...defaults, layout: 'full-width', position: 'left top' })).toBe(
      'height:auto;width:100%;object-fit:cover;object-position:left top',
    );
    expect(layoutStyle({ ...defaults, layout: 'fixed', fit: 'inside', position: 'attention' })).toBe('height:auto');
  });

  test('a crop position has one spelling for sharp', () => {
    expect(['center', 'top', 'top left', 'left top', 'center right', 'entropy'].map((p) => cropPosition(p as never))).toEqual([
      'centre',
      'top',
      'left top',
      'left top',
      'right',
      'entropy',
    ]);
  });
});
