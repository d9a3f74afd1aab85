import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Engine } from '../src/engine.ts';
import { Optimizer } from '../src/optimize.ts';
import { ImageRenderer, parseOrigin, variantOptions } from '../src/renderer.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'genimage-renderer-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function renderer(mode: 'build' | 'dev', onReady?: () => void) {
  const engine = await Engine.load({
    root,
    configFile: false,
    env: {},
    options: { provider: 'local', render: { widths: [64, 128], formats: ['webp'] } },
  });
  const optimizer = new Optimizer({ cacheDir: path.join(root, 'variants') });
  return new ImageRenderer({ engine, optimizer, publicPath: '/_astro/', mode, ...(onReady && { onReady }) });
}

const origin = { file: 'src/pages/index.astro', line: 3, column: 1 };
const fox = { prompt: 'a red fox', seed: 1, aspectRatio: '16:9', alt: 'A fox', __genimageOrigin: 'src/pages/index.astro:3:1' };

describe('ImageRenderer', () => {
  test('build: generates a missing image once, renders a <picture>, writes only the files pages use', async () => {
    const images = await renderer('build');
    const [first, second] = await Promise.all([images.render({ attributes: fox, origin }), images.render({ attributes: { ...fox, alt: 'Again' }, origin })]);
    expect(images.engine.cache.writes).toBe(1);
    expect(first).toMatch(/^<picture><source type="image\/webp" srcset="\/_astro\/a-red-fox-[0-9a-f]{8}-64\.webp 64w, \/_astro\/a-red-fox-[0-9a-f]{8}-128\.webp 128w"/);
    expect(first).toMatch(/<img src="\/_astro\/a-red-fox-[0-9a-f]{8}-128\.jpg" [^>]*alt="A fox" width="128" height="72" loading="lazy" decoding="async" style="background-image:url\(&quot;data:image\/webp;base64,/);
    expect(second).toContain('alt="Again"');
    const out = path.join(root, 'dist/_astro');
    const written = await images.writeTo(out);
    expect(written.files).toBe(4);
    expect((await readdir(out)).sort()).toEqual(written.written);
  });

  test('rejects a marker without alt, at its location', async () => {
    const images = await renderer('build');
    await expect(images.render({ attributes: { prompt: 'a red fox' }, origin })).rejects.toMatchObject({
      code: 'InvalidAttribute',
      location: origin,
      message: 'This <GenImage> has no alt text.',
    });
  });

  test('dev: a missing image renders pending at its size, then the picture once generated', async () => {
    let ready!: () => void;
    const generated = new Promise<void>((resolve) => (ready = resolve));
    const images = await renderer('dev', () => ready());
    const pending = await images.render({ attributes: fox, origin });
    expect(pending).toMatch(/^<img src="data:image\/svg\+xml,[^"]+" alt="A fox" width="1024" height="576" title="Generating &quot;a red fox&quot;; reload when it is done\."/);
    await generated;
    expect(await images.render({ attributes: fox, origin })).toMatch(/^<picture>/);
    // Dev encodes on request.
    const name = /\/_astro\/([^ ]+\.webp)/.exec(await images.render({ attributes: fox, origin }))![1]!;
    expect((await images.file(name))?.format).toBe('webp');
    expect(await images.file('unknown-00000000-64.webp')).toBeUndefined();
  });
});

describe('helpers', () => {
  test('parseOrigin reads file:line:column', () => {
    expect(parseOrigin('src/a:b.astro:12:3')).toEqual({ file: 'src/a:b.astro', line: 12, column: 3 });
    expect(parseOrigin('nope')).toBeUndefined();
    expect(parseOrigin(undefined)).toBeUndefined();
  });

  test('variantOptions: a marker overrides widths, formats and quality', () => {
    const defaults = { widths: [480], formats: ['avif', 'webp'] as const, fallbackFormat: 'jpeg' as const, quality: 70, avifEffort: 2 };
    expect(variantOptions({ ...defaults, formats: [...defaults.formats] }, { widths: '320, 640', formats: ['webp'], quality: 50 }, origin)).toEqual({
      widths: [320, 640], formats: ['webp'], fallbackFormat: 'jpeg', quality: 50, avifEffort: 2,
    });
    expect(() => variantOptions({ ...defaults, formats: [...defaults.formats] }, { quality: 500 }, origin)).toThrow('quality=500 must be an integer from 1 to 100.');
  });
});
