import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { sha256Hex } from '../../src/hash.ts';
import {
  Optimizer,
  blurDataUrl,
  optimize,
  placeholderVariant,
  planVariants,
  slugify,
  type Variant,
  variantFileName,
  variantKey,
} from '../../src/render/optimize.ts';

const render = {
  widths: [480, 960, 1440],
  formats: ['avif', 'webp'] as const,
  fallbackFormat: 'jpeg' as const,
  quality: 70,
  avifEffort: 2,
  layout: 'none' as const,
  fit: 'cover' as const,
  position: 'center' as const,
  breakpoints: [640, 1280],
};

async function png(width: number, height: number): Promise<Uint8Array> {
  const buffer = await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .png()
    .toBuffer();
  return new Uint8Array(buffer);
}

describe('planVariants', () => {
  test('makes every modern format at every width, then the fallback format', () => {
    const variants = planVariants({ width: 2048, height: 1152, format: 'png' }, { ...render, formats: [...render.formats] });
    expect(variants.map((v) => `${v.format}@${v.width}x${v.height}`)).toEqual([
      'avif@480x270',
      'avif@960x540',
      'avif@1440x810',
      'webp@480x270',
      'webp@960x540',
      'webp@1440x810',
      'jpeg@480x270',
      'jpeg@960x540',
      'jpeg@1440x810',
    ]);
    expect(variants[0]).toEqual({ format: 'avif', width: 480, height: 270, quality: 70, effort: 2 });
    expect(variants[3]).toEqual({ format: 'webp', width: 480, height: 270, quality: 70 });
  });
  test('lists a fallback format that is also a modern format once', () => {
    const variants = planVariants(
      { width: 800, height: 800, format: 'png' },
      { ...render, formats: ['webp'], fallbackFormat: 'webp', widths: [400] },
    );
    expect(variants.map((v) => `${v.format}@${v.width}`)).toEqual(['webp@400']);
  });
});

describe('variant names', () => {
  const variant: Variant = { format: 'webp', width: 480, height: 270, quality: 70 };
  test('variantKey is pinned (golden): changing it is a decision, bump VARIANT_VERSION', () => {
    expect(variantKey('0'.repeat(64), variant)).toBe('2f31b6329f1e6eac2eb52a512ad4e909b3bd6e3e1b730313b66b9fc31709de91');
    expect(variantKey('0'.repeat(64), { ...variant, format: 'avif', effort: 2 })).not.toBe(variantKey('0'.repeat(64), variant));
  });
  test('every encoding parameter changes the key', () => {
    const base = variantKey('a'.repeat(64), variant);
    for (const other of [
      { ...variant, width: 481 },
      { ...variant, quality: 71 },
      { ...variant, format: 'avif' as const },
      { ...variant, effort: 3 },
      { ...variant, crop: 'centre' },
    ]) {
      expect(variantKey('a'.repeat(64), other)).not.toBe(base);
    }
    expect(variantKey('b'.repeat(64), variant)).not.toBe(base);
  });
  test('a crop is part of the key, one key per crop position; a variant without crop keeps its key', () => {
    const top = variantKey('a'.repeat(64), { ...variant, crop: 'top' });
    expect(top).not.toBe(variantKey('a'.repeat(64), { ...variant, crop: 'centre' }));
    expect(top).not.toBe(variantKey('a'.repeat(64), variant));
    // Planned from either spelling of the same position: the same files.
    const plan = (position: 'top left' | 'left top') =>
      planVariants(
        { width: 1024, height: 1024, format: 'png' },
        { ...render, formats: [], widths: [640], width: 640, height: 360, position },
      );
    expect(plan('top left')).toEqual(plan('left top'));
    expect(plan('top left').map((v) => `${v.format}@${v.width}x${v.height}:${v.crop}`)).toEqual(['jpeg@640x360:left top']);
  });
  test('file names are <slug>-<hash8>-<width>.<ext>', () => {
    expect(variantFileName('red-fox', 'a'.repeat(64), { ...variant, format: 'jpeg' })).toMatch(/^red-fox-[0-9a-f]{8}-480\.jpg$/);
  });
  test('slugify keeps a short readable prefix of the prompt', () => {
    expect(slugify('A red fox, asleep in fresh snow!')).toBe('a-red-fox-asleep-in-fresh-snow');
    expect(slugify('Crème brûlée on a very long table with many guests around it')).toBe('creme-brulee-on-a-very-long');
    expect(slugify('!!!')).toBe('image');
  });
});

describe('Optimizer', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'genimage-optimize-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('encodes each variant at its size and format', async () => {
    const bytes = await png(200, 100);
    const variants = planVariants({ width: 200, height: 100, format: 'png' }, { ...render, formats: ['webp'], widths: [64, 128] });
    const files = await optimize(bytes, variants, { cacheDir: dir, slug: 'box' });
    const seen = await Promise.all(
      files.map(async (file) => {
        const meta = await sharp(file.cachePath).metadata();
        return `${meta.format}@${meta.width}x${meta.height}`;
      }),
    );
    expect(seen).toEqual(['webp@64x32', 'webp@128x64', 'jpeg@64x32', 'jpeg@128x64']);
    expect(files.map((file) => file.fileName)).toEqual([
      expect.stringMatching(/^box-[0-9a-f]{8}-64\.webp$/),
      expect.stringMatching(/^box-[0-9a-f]{8}-128\.webp$/),
      expect.stringMatching(/^box-[0-9a-f]{8}-64\.jpg$/),
      expect.stringMatching(/^box-[0-9a-f]{8}-128\.jpg$/),
    ]);
  });

  test('a crop cuts the box from the original at its position, without a second original', async () => {
    // Top half red, bottom half blue: a 2:1 crop at the top is all red.
    const top = await sharp({ create: { width: 100, height: 50, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const bytes = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#0000ff' } })
      .composite([{ input: top, top: 0, left: 0 }])
      .png()
      .toBuffer();
    const options = { ...render, formats: [], fallbackFormat: 'png' as const, width: 100, height: 50, position: 'top' as const };
    const [file] = await optimize(bytes, planVariants({ width: 100, height: 100, format: 'png' }, options), { cacheDir: dir });
    const { channels } = await sharp(file!.cachePath).stats();
    expect([channels[0]!.mean, channels[2]!.mean, file!.variant.height]).toEqual([255, 0, 50]);
  });

  test('a second optimizer on the same cache directory re-encodes nothing', async () => {
    const bytes = await png(100, 100);
    const source = { sha256: sha256Hex(bytes), bytes, slug: 'sq' };
    const variants = planVariants({ width: 100, height: 100, format: 'png' }, { ...render, formats: ['webp'], widths: [32, 64] });
    const first = new Optimizer({ cacheDir: dir });
    await first.optimize(source, variants);
    expect([first.encoded, first.reused]).toEqual([4, 0]);
    let reads = 0;
    const second = new Optimizer({ cacheDir: dir });
    await second.optimize(
      {
        ...source,
        bytes: async () => {
          reads++;
          return bytes;
        },
      },
      variants,
    );
    expect([second.encoded, second.reused]).toEqual([0, 4]);
    expect(reads).toBe(0);
    expect(second.summary()).toBe('4 variant(s): 0 encoded, 4 reused');
    expect(await readdir(dir)).toHaveLength(4);
  });

  test('identical variants in flight are encoded once', async () => {
    const bytes = await png(100, 100);
    const source = { sha256: sha256Hex(bytes), bytes };
    const variant: Variant = { format: 'webp', width: 50, height: 50, quality: 70 };
    const optimizer = new Optimizer({ cacheDir: dir });
    await Promise.all([optimizer.variant(source, variant), optimizer.variant(source, variant)]);
    expect(optimizer.encoded).toBe(1);
  });

  test('the jpeg fallback of a transparent image is flattened onto white', async () => {
    const bytes = new Uint8Array(
      await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
        .png()
        .toBuffer(),
    );
    const [file] = await optimize(bytes, [{ format: 'jpeg', width: 8, height: 8, quality: 90 }], { cacheDir: dir });
    const { dominant } = await sharp(file!.cachePath).stats();
    expect(dominant.r).toBeGreaterThan(240);
  });

  test('a variant deleted from the disk cache during the run is encoded again', async () => {
    const bytes = await png(100, 100);
    const source = { sha256: sha256Hex(bytes), bytes };
    const variant: Variant = { format: 'webp', width: 50, height: 50, quality: 70 };
    const optimizer = new Optimizer({ cacheDir: dir });
    const first = await optimizer.variant(source, variant);
    expect(await optimizer.isCached(source.sha256, variant)).toBe(true);
    await unlink(first.cachePath);
    expect(await optimizer.isCached(source.sha256, variant)).toBe(false);
    const again = await optimizer.variant(source, variant);
    expect(again).toMatchObject({ cachePath: first.cachePath, encoded: true });
    expect((await sharp(again.cachePath).metadata()).width).toBe(50);
    expect(optimizer.encoded).toBe(2);
    // Present: reused from memory, not counted again.
    expect(await optimizer.variant(source, variant)).toMatchObject({ encoded: false });
    expect(optimizer.encoded).toBe(2);
  });

  test('the blur placeholder is an SVG that blurs the tiny WebP; colour is the dominant one', async () => {
    const bytes = await png(160, 90);
    const optimizer = new Optimizer({ cacheDir: dir });
    const source = { sha256: sha256Hex(bytes), bytes };
    const info = { width: 160, height: 90, format: 'png' };
    const blur = await optimizer.placeholder(source, 'blur', info);
    if (blur.kind !== 'blur') throw new Error(`expected a blur placeholder, got ${blur.kind}`);
    expect(blur.opaque).toBe(true);
    expect(blur.dataUrl).toMatch(
      /^data:image\/svg\+xml,%3Csvg xmlns='http:\/\/www\.w3\.org\/2000\/svg' viewBox='0 0 16 9' preserveAspectRatio='none'%3E/,
    );
    // Safe inside CSS url("...") in an HTML attribute, and no fragment.
    expect(blur.dataUrl).not.toMatch(/["#<>\n]/);
    const svg = decodeURIComponent(blur.dataUrl.slice('data:image/svg+xml,'.length));
    expect(svg).toContain("<feGaussianBlur stdDeviation='1'/>");
    // Opaque: the blurred edges are made opaque again rather than fading out.
    expect(svg).toContain("<feFuncA type='discrete' tableValues='1 1'/>");
    const webp = /href='data:image\/webp;base64,([^']+)'/.exec(svg)?.[1];
    expect(await sharp(Buffer.from(webp!, 'base64')).metadata()).toMatchObject({ format: 'webp', width: 16, height: 9 });
    expect(blur.dataUrl.length).toBeLessThan(1000);
    const color = await optimizer.placeholder(source, 'color', info);
    expect(color).toEqual({ kind: 'color', color: expect.stringMatching(/^rgb\(\d+ \d+ \d+\)$/), opaque: true });
    expect(await optimizer.placeholder(source, 'none', info)).toEqual({ kind: 'none' });
  });

  test('the placeholder of an image with transparent pixels says so, and keeps the blurred edges soft', async () => {
    const bytes = new Uint8Array(
      await sharp({ create: { width: 32, height: 32, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
        .png()
        .toBuffer(),
    );
    const optimizer = new Optimizer({ cacheDir: dir });
    const blur = await optimizer.placeholder({ sha256: sha256Hex(bytes), bytes }, 'blur', { width: 32, height: 32, format: 'png' });
    expect(blur).toMatchObject({ kind: 'blur', opaque: false });
    expect(blur.kind === 'blur' && decodeURIComponent(blur.dataUrl)).not.toContain('feFuncA');
  });

  test("the placeholder's stats are kept beside its tiny WebP: the next run reads them instead of measuring again", async () => {
    const bytes = await png(160, 90);
    const source = { sha256: sha256Hex(bytes), bytes };
    const info = { width: 160, height: 90, format: 'png' };
    const first = await new Optimizer({ cacheDir: dir }).placeholder(source, 'color', info);
    const statsFile = `${new Optimizer({ cacheDir: dir }).cachePathOf(source.sha256, placeholderVariant(info))}.stats.json`;
    const kept = JSON.parse(await readFile(statsFile, 'utf8')) as { dominant: { r: number; g: number; b: number }; isOpaque: boolean };
    expect(first).toEqual({ kind: 'color', color: `rgb(${kept.dominant.r} ${kept.dominant.g} ${kept.dominant.b})`, opaque: kept.isOpaque });
    // What the file says is what the next run shows: it is not measured again.
    await writeFile(statsFile, JSON.stringify({ dominant: { r: 1, g: 2, b: 3 }, isOpaque: false }));
    expect(await new Optimizer({ cacheDir: dir }).placeholder(source, 'color', info)).toEqual({
      kind: 'color',
      color: 'rgb(1 2 3)',
      opaque: false,
    });
    // A file that does not read as stats is measured again, and replaced.
    await writeFile(statsFile, JSON.stringify({ dominant: { r: 300, g: 2, b: 3 }, isOpaque: 'yes' }));
    expect(await new Optimizer({ cacheDir: dir }).placeholder(source, 'color', info)).toEqual(first);
    expect(JSON.parse(await readFile(statsFile, 'utf8'))).toEqual(kept);
  });

  test('placeholderVariant and blurDataUrl are pure', () => {
    expect(placeholderVariant({ width: 1024, height: 576, format: 'png' })).toEqual({ format: 'webp', width: 16, height: 9, quality: 40 });
    expect(blurDataUrl(new Uint8Array([1, 2, 3]), { width: 16, height: 9 }, false)).toBe(
      "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 9' preserveAspectRatio='none'%3E" +
        "%3Cfilter id='b' color-interpolation-filters='sRGB'%3E%3CfeGaussianBlur stdDeviation='1'/%3E%3C/filter%3E" +
        "%3Cimage width='100%25' height='100%25' preserveAspectRatio='none' filter='url(%23b)' href='data:image/webp;base64,AQID'/%3E%3C/svg%3E",
    );
  });

  test('rejects a concurrency below 1', () => {
    expect(() => new Optimizer({ cacheDir: dir, concurrency: 0 })).toThrow('Expected `concurrency` to be an integer from 1 and up, got 0');
  });
});
