import { access, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '@genimage/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { Engine, PLACEHOLDERS_DIR } from '../../src/engine.ts';
import type { GenImageConfig } from '../../src/config/config.ts';
import { FileSystemStore } from '../../src/cache/fs-store.ts';
import { Optimizer } from '../../src/render/optimize.ts';
import { ImageRenderer, parseOrigin, type RendererOptions, variantOptions } from '../../src/render/renderer.ts';
import type { ImageUse } from '../../src/engine.ts';
import { DEFAULT_MAX_PIXELS } from '../../src/sharp.ts';
import { sha256Hex } from '../../src/hash.ts';
import { hugePng } from './fixtures/huge-png.ts';

let root: string;
let api: TestServer;
beforeAll(async () => {
  api = await startTestServer({ longEdge: { '1K': 64 } });
});
afterAll(() => api.close());
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'genimage-renderer-'));
  api.reset();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

type Extra = Partial<Omit<RendererOptions, 'engine' | 'optimizer' | 'publicPath' | 'mode'>>;

async function renderer(mode: 'build' | 'dev', extra: Extra = {}, config: GenImageConfig = {}, env: Record<string, string> = {}) {
  const engine = await Engine.load({
    root,
    configFile: false,
    env,
    options: { provider: 'local', render: { widths: [64, 128], formats: ['webp'] }, ...config },
  });
  const optimizer = new Optimizer({ cacheDir: path.join(root, 'variants') });
  return new ImageRenderer({ engine, optimizer, publicPath: '/_astro/', mode, ...extra });
}

/** A dev renderer on the fake API, with one attempt per request (no backoff), and its settled generations. */
async function devOnApi(extra: Extra = {}) {
  let settle!: () => void;
  let settled = new Promise<void>((resolve) => (settle = resolve));
  const images = await renderer(
    'dev',
    { onReady: () => settle(), onFailed: () => settle(), ...extra },
    { provider: 'shark', retries: { maxAttempts: 1, maxBilledRetries: 0 } },
    { SHARK_API_KEY: api.apiKey, SHARK_BASE_URL: api.baseUrl },
  );
  /** Waits for the generation under way to end, at most 5 s. */
  const done = async () => {
    await Promise.race([settled, new Promise((_, reject) => setTimeout(() => reject(new Error('no generation ended within 5 s')), 5000))]);
    settled = new Promise<void>((resolve) => (settle = resolve));
  };
  return { images, done };
}

const origin = { file: 'src/pages/index.astro', line: 3, column: 1 };
const fox = { prompt: 'a red fox', seed: 1, aspectRatio: '16:9', alt: 'A fox', __genimageOrigin: 'src/pages/index.astro:3:1' };
const owl = { prompt: 'an owl', seed: 2, alt: 'An owl' };
const owlOrigin = { file: 'src/pages/index.astro', line: 9, column: 1 };
/** A final `<picture>`: a pending image has one too, around its `<img data-genimage-pending>`. */
const FINAL = /^<picture>(?![\s\S]*data-genimage-pending)/;

describe('ImageRenderer', () => {
  test('build: generates a missing image once, renders a <picture>, writes only the files pages use', async () => {
    const images = await renderer('build');
    const [first, second] = await Promise.all([
      images.render({ attributes: fox, origin }),
      images.render({ attributes: { ...fox, alt: 'Again' }, origin }),
    ]);
    expect(images.engine.cache.writes).toBe(1);
    expect(first).toMatch(
      /^<picture><source type="image\/webp" srcset="\/_astro\/a-red-fox-[0-9a-f]{8}-64\.webp 64w, \/_astro\/a-red-fox-[0-9a-f]{8}-128\.webp 128w"/,
    );
    expect(first).toMatch(
      /<img src="\/_astro\/a-red-fox-[0-9a-f]{8}-128\.jpg" [^>]*alt="A fox" width="128" height="72" loading="lazy" decoding="async" style="background-image:url\(&quot;data:image\/svg\+xml,/,
    );
    expect(second).toContain('alt="Again"');
    const out = path.join(root, 'dist/_astro');
    const written = await images.writeTo(out);
    expect(written.files).toBe(4);
    expect((await readdir(out)).sort()).toEqual(written.written);
    // Encoded, so no original is held any more.
    expect(images.originalsInMemory).toBe(0);
  });

  test('build: limited to the scanned uses, a marker the scan did not list is refused at its place, and nothing is generated for it', async () => {
    const images = await renderer('build', {}, { include: ['src/pages/**/*.astro'] });
    images.limitTo([await images.resolve({ attributes: owl, origin: owlOrigin })]);
    expect(await images.render({ attributes: owl, origin: owlOrigin })).toMatch(FINAL);
    const elsewhere = { file: 'src/components/Hero.astro', line: 2, column: 3 };
    await expect(images.render({ attributes: fox, origin: elsewhere })).rejects.toMatchObject({
      code: 'UnscannedMarker',
      location: elsewhere,
      message: expect.stringContaining(
        'src/components/Hero.astro is not among the files the build\'s scan reads (include: ["src/pages/**/*.astro"])',
      ),
      hint: expect.stringContaining('Add "src/components/**/*.astro" to `include` in the genimage config'),
    });
    expect(images.engine.cache.writes).toBe(1);
    await images.writeTo(path.join(root, 'dist')); // the encodes under way
  });

  test("build: the <img>'s own attributes of the marker land on the <img>, booleans as React writes them", async () => {
    const images = await renderer('build');
    const extra = { id: 'fox', title: 'A fox', 'data-zoom': true, 'aria-hidden': false, draggable: false, hidden: true, tabIndex: 0 };
    const html = await images.render({ attributes: { ...fox, ...extra }, origin });
    await images.writeTo(path.join(root, 'dist'));
    expect(html).toMatch(/ id="fox" title="A fox" data-zoom="true" aria-hidden="false" draggable="false" hidden tabindex="0"><\/picture>$/);
  });

  test('build: a warm render, every variant cached, reads no original image', async () => {
    const cold = await renderer('build');
    const html = await cold.render({ attributes: fox, origin });
    await cold.writeTo(path.join(root, 'dist'));

    const readImage = vi.spyOn(FileSystemStore.prototype, 'readImage');
    const warm = await renderer('build');
    warm.warm([await warm.resolve({ attributes: fox, origin })]);
    expect(await warm.render({ attributes: fox, origin })).toBe(html);
    const written = await warm.writeTo(path.join(root, 'dist2'));
    expect(written.files).toBe(4);
    expect(readImage).not.toHaveBeenCalled();
    expect([warm.optimizer.encoded, warm.engine.cache.hits + warm.engine.cache.misses]).toEqual([0, 0]);
  });

  test('build: a use prepareBuild made available renders without looking for its variants in the cache again', async () => {
    const cold = await renderer('build');
    const html = await cold.render({ attributes: fox, origin });
    await cold.writeTo(path.join(root, 'dist'));

    const isCached = vi.spyOn(Optimizer.prototype, 'isCached');
    const warm = await renderer('build');
    const use = await warm.resolve({ attributes: fox, origin });
    warm.verified([use]);
    warm.warm([use]);
    expect(await warm.render({ attributes: fox, origin })).toBe(html);
    expect(isCached).not.toHaveBeenCalled();
  });

  test('build: writeTo copies each file once its encode is done, again if the variant cache lost it, and counts the bytes written', async () => {
    const images = await renderer('build');
    await images.render({ attributes: fox, origin });
    const first = await images.writeTo(path.join(root, 'dist'));
    const sizes = async (dir: string) => {
      let total = 0;
      for (const name of await readdir(dir)) total += (await readFile(path.join(dir, name))).byteLength;
      return total;
    };
    expect(first.bytes).toBe(await sizes(path.join(root, 'dist')));
    // The variant cache emptied under a build (node_modules/.cache removed): encoded again, not a failure.
    await rm(path.join(root, 'variants'), { recursive: true });
    const second = await images.writeTo(path.join(root, 'dist2'));
    expect(second).toEqual(first);
    expect(await readdir(path.join(root, 'dist2'))).toEqual(first.written);
  });

  test('build: every page showing an image takes what warm() prepared, reading its metadata once and no variant', async () => {
    const cold = await renderer('build');
    const html = await cold.render({ attributes: fox, origin });
    await cold.writeTo(path.join(root, 'dist'));

    const readMeta = vi.spyOn(FileSystemStore.prototype, 'readMeta');
    const warm = await renderer('build');
    warm.warm([await warm.resolve({ attributes: fox, origin })]);
    const pages = Array.from({ length: 12 }, (_, line) => warm.render({ attributes: fox, origin: { ...origin, line: line + 1 } }));
    expect(new Set(await Promise.all(pages))).toEqual(new Set([html]));
    expect(readMeta).toHaveBeenCalledTimes(1);
    expect(warm.optimizer.encoded).toBe(0);
  });

  test('warm() reads the cache metadata a few files at a time', async () => {
    const images = await renderer('build');
    const uses = await Promise.all(Array.from({ length: 20 }, (_, seed) => images.resolve({ attributes: { ...fox, seed }, origin })));
    const readMeta = FileSystemStore.prototype.readMeta;
    let active = 0;
    let most = 0;
    const spy = vi.spyOn(FileSystemStore.prototype, 'readMeta').mockImplementation(async function (this: FileSystemStore, key: string) {
      most = Math.max(most, ++active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      try {
        return await readMeta.call(this, key);
      } finally {
        active--;
      }
    });
    images.warm(uses);
    await vi.waitFor(() => expect(spy).toHaveBeenCalledTimes(20));
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(8);
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
    const images = await renderer('dev', { onReady: () => ready() });
    const pending = await images.render({ attributes: fox, origin });
    expect(pending).toMatch(
      /^<picture><img src="data:image\/svg\+xml,[^"]+" alt="A fox" width="128" height="72" title="Generating &quot;a red fox&quot;; it replaces this placeholder when it is done\." decoding="async" data-genimage-place="src\/pages\/index.astro:3:1" data-genimage-pending><\/picture>$/,
    );
    await images.writeTo(path.join(root, 'dist'));
    await generated;
    // The box the picture takes: its largest width, 128 of the config's [64, 128].
    expect(await images.render({ attributes: fox, origin })).toMatch(/^<picture>.* width="128" height="72"/);
    // Dev encodes on request.
    const name = /\/_astro\/([^ ]+\.webp)/.exec(await images.render({ attributes: fox, origin }))![1]!;
    expect((await images.file(name))?.format).toBe('webp');
    expect(await images.file('unknown-00000000-64.webp')).toBeUndefined();
  });

  test("dev: the <img> names its declaration and cache key for the review panel (data-genimage-id, data-genimage-key); a build's does not", async () => {
    const dev = await renderer('dev');
    const use = await dev.resolve({ attributes: fox, origin });
    await dev.engine.generate([use.request]);
    const shown = await dev.render({ attributes: { ...fox, 'data-zoom': true }, origin });
    expect(shown).toMatch(FINAL);
    expect(shown).toMatch(/ data-zoom="true" data-genimage-id="src\/pages\/index.astro:3:1" data-genimage-key="[0-9a-f]+"><\/picture>$/);
    expect(shown).toContain(`data-genimage-key="${use.key}"`);

    const build = await renderer('build');
    const built = await build.render({ attributes: { ...fox, 'data-zoom': true }, origin });
    await build.writeTo(path.join(root, 'dist'));
    expect(built).toMatch(/ data-zoom="true"><\/picture>$/);
    expect(built).not.toContain('data-genimage-');
    // The same markup but for the two attributes.
    expect(shown.replace(/ data-genimage-(id|key)="[^"]*"/g, '')).toBe(built);
  });

  test('file(): a variant deleted while the server runs (cache folder wiped) is encoded again', async () => {
    const images = await renderer('build');
    const name = /\/_astro\/([^ ]+\.webp)/.exec(await images.render({ attributes: fox, origin }))![1]!;
    const first = await images.file(name);
    // Every eager encode done first: none may still be writing into the folder removed below.
    await images.writeTo(path.join(root, 'dist'));
    await rm(path.join(root, 'variants'), { recursive: true });
    const again = await images.file(name);
    expect(again?.path).toBe(first?.path);
    await expect(access(again!.path)).resolves.toBeUndefined();
  });

  describe('dev: a failed generation', () => {
    test('shows why, and a reload does not send it again', async () => {
      const { images, done } = await devOnApi();
      api.always({ kind: 'error', status: 400, type: 'content_moderation', message: 'blocked' });
      expect(await images.render({ attributes: fox, origin })).toContain('title="Generating');
      await done();
      for (const reload of [1, 2]) {
        const html = await images.render({ attributes: fox, origin });
        expect(html, `reload ${reload}`).toMatch(
          /^<picture><img src="data:image\/svg\+xml,[^"]+" alt="A fox" width="128" height="72" title="Generation failed\. The image API&#39;s safety system blocked this prompt: HTTP 400 content_moderation: blocked\. Rephrase the prompt\.[^"]* Change the marker, or restart the dev server, to try again\." decoding="async" data-genimage-place="src\/pages\/index.astro:3:1" data-genimage-pending data-genimage-failed><\/picture>$/,
        );
        expect(decodeURIComponent(/src="data:image\/svg\+xml,([^"]+)"/.exec(html)![1]!)).toContain('generation failed');
      }
      expect(api.requests).toHaveLength(1);
    });

    test('is tried again once the marker changes', async () => {
      const { images, done } = await devOnApi();
      api.enqueue({ kind: 'error', status: 400, type: 'content_moderation' });
      await images.render({ attributes: fox, origin });
      await done();
      expect(await images.render({ attributes: fox, origin })).toContain('data-genimage-failed');
      // Edited: a new key, generated.
      expect(await images.render({ attributes: { ...fox, seed: 2 }, origin })).toContain('title="Generating');
      await done();
      // Edited back: the old failure was forgotten with the edit.
      expect(await images.render({ attributes: fox, origin })).toContain('title="Generating');
      await done();
      expect(await images.render({ attributes: fox, origin })).toMatch(FINAL);
      expect(api.requests).toHaveLength(3);
    });

    test('that may pass is sent again on a later reload, not on every one', async () => {
      const { images, done } = await devOnApi();
      api.enqueue({ kind: 'error', status: 502 });
      await images.render({ attributes: fox, origin });
      await done();
      expect(await images.render({ attributes: fox, origin })).toMatch(/data-genimage-failed/);
      expect(api.requests).toHaveLength(1);

      const soon = await devOnApi({ retryAfterMs: 0 });
      api.enqueue({ kind: 'error', status: 502 });
      await soon.images.render({ attributes: fox, origin });
      await soon.done();
      expect(await soon.images.render({ attributes: fox, origin })).toContain('title="Generating');
      await soon.done();
      expect(await soon.images.render({ attributes: fox, origin })).toMatch(FINAL);
      expect(api.requests).toHaveLength(3);
    });

    test('that may have been billed is not sent again by itself', async () => {
      const { images, done } = await devOnApi({ retryAfterMs: 0 });
      api.enqueue({ kind: 'error', status: 504 });
      await images.render({ attributes: fox, origin });
      await done();
      for (const reload of [1, 2]) {
        expect(await images.render({ attributes: fox, origin }), `reload ${reload}`).toMatch(
          /title="Generation failed\. The image generation timed out: [^"]* It may have been billed, so it is not sent again by itself\. Change the marker, or restart the dev server, to try again\."/,
        );
      }
      expect(api.requests).toHaveLength(1);
    });

    test('after a 401 every missing image says why, and nothing more is sent', async () => {
      const { images, done } = await devOnApi();
      api.always({ kind: 'error', status: 401 });
      await images.render({ attributes: fox, origin });
      await done();
      const other = await images.render({ attributes: owl, origin: owlOrigin });
      expect(other).toMatch(
        /title="Generation failed\. The image API refused the API key: [^"]*Nothing more is sent until the dev server restarts\."[^>]* data-genimage-failed><\/picture>$/,
      );
      expect(api.requests).toHaveLength(1);
    });

    test('without an API key, says so at once', async () => {
      const images = await renderer('dev', {}, { provider: 'shark' });
      const html = await images.render({ attributes: fox, origin });
      expect(html).toMatch(
        /title="Generation failed\. No API key is set: [^"]*" decoding="async" data-genimage-place="src\/pages\/index.astro:3:1" data-genimage-pending data-genimage-failed><\/picture>$/,
      );
    });
  });
});

describe('ImageRenderer: an original the build cannot use', () => {
  /** Generates the use's image, then puts `bytes` in its place with metadata that truly describes them. */
  async function cachedAs(images: ImageRenderer, use: ImageUse, bytes: Uint8Array, size: { width: number; height: number }) {
    await images.engine.generate([use.request]);
    const entry = path.join(root, PLACEHOLDERS_DIR, use.key);
    const meta = JSON.parse(await readFile(path.join(entry, 'meta.json'), 'utf8')) as { images: Record<string, unknown>[] };
    meta.images[0] = { ...meta.images[0], sha256: sha256Hex(bytes), bytes: bytes.byteLength, ...size, format: 'png' };
    await writeFile(path.join(entry, '0.png'), bytes);
    await writeFile(path.join(entry, 'meta.json'), JSON.stringify(meta, null, 2));
  }

  const huge = { width: 8193, height: 4096 };

  test('the fixture is a valid PNG just above the pixel limit', () => {
    expect(huge.width * huge.height).toBeGreaterThan(DEFAULT_MAX_PIXELS);
    expect(hugePng().byteLength).toBeLessThan(10_000);
  });

  test('build: an image beyond the pixel limit, with matching metadata, fails at its marker, saying why', async () => {
    const images = await renderer('build');
    await cachedAs(images, await images.resolve({ attributes: fox, origin }), hugePng(), huge);
    const fresh = await renderer('build');
    const error: unknown = await fresh.render({ attributes: fox, origin }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'RenderFailed',
      location: origin,
      message: expect.stringMatching(/^Rendering "a red fox" \(cache entry [0-9a-f]{64}, image 0\) failed: .*pixel limit/),
    });
  });

  test('build: a variant that fails to encode names every marker showing it, when the files are written', async () => {
    const images = await renderer('build');
    const attributes = { ...fox, placeholder: 'none' };
    await cachedAs(images, await images.resolve({ attributes, origin }), hugePng(), huge);
    const fresh = await renderer('build');
    await fresh.render({ attributes, origin });
    await fresh.render({ attributes: { ...attributes, alt: 'Again' }, origin: owlOrigin });
    const error: unknown = await fresh.writeTo(path.join(root, 'dist')).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'RenderFailed',
      location: origin,
      message: expect.stringMatching(
        /^Encoding the \d+px \w+ variant of cached image [0-9a-f]{64}\/0\.png failed: .*pixel limit.* \(also shown at src\/pages\/index\.astro:9:1\)$/,
      ),
    });
  });

  test('frozen build: a linked original with matching metadata is not served; the build fails at the marker', async () => {
    const images = await renderer('build');
    const use = await images.resolve({ attributes: fox, origin });
    await images.engine.generate([use.request]);
    const outside = await mkdtemp(path.join(tmpdir(), 'genimage-outside-'));
    try {
      const original = path.join(root, PLACEHOLDERS_DIR, use.key, '0.png');
      await writeFile(path.join(outside, '0.png'), await readFile(original));
      await rm(original);
      await symlink(path.join(outside, '0.png'), original);
      // A fresh CI machine: no variant cache, generation frozen.
      const engine = await Engine.load({
        root,
        configFile: false,
        env: { CI: '1' },
        options: { provider: 'local', render: { widths: [64], formats: ['webp'] } },
      });
      const fresh = new ImageRenderer({
        engine,
        optimizer: new Optimizer({ cacheDir: path.join(root, 'ci-variants') }),
        publicPath: '/_astro/',
        mode: 'build',
      });
      const error: unknown = await fresh.render({ attributes: fox, origin }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'FrozenMissing', location: origin, message: expect.stringContaining('corrupt') });
      expect(fresh.optimizer.encoded).toBe(0);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('helpers', () => {
  test('parseOrigin reads file:line:column', () => {
    expect(parseOrigin('src/a:b.astro:12:3')).toEqual({ file: 'src/a:b.astro', line: 12, column: 3 });
    expect(parseOrigin('nope')).toBeUndefined();
    expect(parseOrigin(undefined)).toBeUndefined();
  });

  test('variantOptions: a marker overrides widths, formats and quality', () => {
    const defaults = {
      ...{ widths: [480], formats: ['avif', 'webp'] as const, fallbackFormat: 'jpeg' as const, quality: 70, avifEffort: 2 },
      ...{ layout: 'none' as const, fit: 'cover' as const, position: 'center' as const, breakpoints: [640] },
    };
    expect(
      variantOptions({ ...defaults, formats: [...defaults.formats] }, { widths: '320, 640', formats: ['webp'], quality: 50 }, origin),
    ).toEqual({
      widths: [320, 640],
      formats: ['webp'],
      fallbackFormat: 'jpeg',
      quality: 50,
      avifEffort: 2,
      layout: 'none',
      fit: 'cover',
      position: 'center',
      breakpoints: [640],
    });
    expect(() => variantOptions({ ...defaults, formats: [...defaults.formats] }, { quality: 500 }, origin)).toThrow(
      'quality=500 must be an integer from 1 to 100.',
    );
  });
});
