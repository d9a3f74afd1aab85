import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '@genimage/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine.ts';
import { FileSystemStore } from '../../src/cache/fs-store.ts';
import type { CacheEntryMeta } from '../../src/cache/store.ts';
import { type EncodeEvent, Optimizer } from '../../src/render/optimize.ts';
import { prepareBuild } from '../../src/render/prepare-build.ts';
import { ImageRenderer } from '../../src/render/renderer.ts';
import { silentLogger } from '../../src/logger.ts';

let root: string;
let api: TestServer;
beforeAll(async () => {
  api = await startTestServer({ longEdge: { '1K': 64 } });
});
afterAll(() => api.close());
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'genimage-prepare-build-'));
  api.reset();
});
afterEach(() => rm(root, { recursive: true, force: true }));

const FIRST = 'a red fox in the snow';
const SECOND = 'an owl on a branch';

/** A build over a page with the two markers, on the test API; every store write and encode, in order. */
async function coldBuild(pageMarkers: string[]) {
  await mkdir(path.join(root, 'src/pages'), { recursive: true });
  const frontmatter = `---\nimport { GenImage } from '@genimage/astro/components';\n---\n`;
  await writeFile(path.join(root, 'src/pages/index.astro'), `${frontmatter}${pageMarkers.join('\n')}\n`);
  const order: string[] = [];
  const encodes: EncodeEvent[] = [];
  const store = new FileSystemStore(path.join(root, '.genimage'));
  const write = store.write.bind(store);
  store.write = async (meta: CacheEntryMeta, images: Uint8Array[]) => {
    await write(meta, images);
    order.push(`stored ${meta.prompt}`);
  };
  const engine = await Engine.load({
    root,
    configFile: false,
    store,
    logger: silentLogger,
    env: { SHARK_API_KEY: api.apiKey, SHARK_BASE_URL: api.baseUrl, GENIMAGE_FROZEN: '0' },
    options: { provider: 'shark', concurrency: 2, render: { widths: [32, 64], formats: ['webp'], fallbackFormat: 'jpeg' } },
  });
  const optimizer = new Optimizer({
    cacheDir: path.join(root, 'variants'),
    onEncode: (event) => {
      encodes.push(event);
      if (event.type === 'start') order.push(`encoding ${event.fileName}`);
    },
  });
  const images = new ImageRenderer({ engine, optimizer, publicPath: '/_astro/', mode: 'build' });
  return { images, optimizer, order, encodes };
}

/** A marker's place on the page: the markers start on line 4, below the frontmatter. */
const at = (line: number) => ({ file: 'src/pages/index.astro', line, column: 1 });

describe('prepareBuild', () => {
  test("a cold build encodes an image's variants while a later image is still being generated", async () => {
    // The second image's answer comes late; nothing else orders the two.
    api.enqueueFor(SECOND, { kind: 'delay', ms: 3000 });
    const { images, order } = await coldBuild([
      `<GenImage prompt="${FIRST}" seed={1} alt="A fox" />`,
      `<GenImage prompt="${SECOND}" seed={2} alt="An owl" />`,
    ]);
    await prepareBuild(images);
    // The page renders, and its files are written (so nothing is left encoding when the test ends).
    await images.render({ attributes: { prompt: FIRST, seed: 1, alt: 'A fox' }, origin: at(4) });
    await images.render({ attributes: { prompt: SECOND, seed: 2, alt: 'An owl' }, origin: at(5) });
    await images.writeTo(path.join(root, 'dist'));

    const firstEncode = order.findIndex((line) => line.startsWith('encoding a-red-fox'));
    expect(firstEncode).toBeGreaterThan(order.indexOf(`stored ${FIRST}`));
    expect(firstEncode).toBeLessThan(order.indexOf(`stored ${SECOND}`));
  });

  test('each variant is encoded once, however many markers and pages show it', async () => {
    const { images, optimizer, encodes } = await coldBuild([
      `<GenImage prompt="${FIRST}" seed={1} alt="A fox" />`,
      `<GenImage prompt="${FIRST}" seed={1} alt="The same fox" />`,
      `<GenImage prompt="${SECOND}" seed={2} alt="An owl" />`,
    ]);
    await prepareBuild(images);
    // The page renders the same markers after the warm-up, as a build does.
    await images.render({ attributes: { prompt: FIRST, seed: 1, alt: 'A fox' }, origin: at(4) });
    await images.render({ attributes: { prompt: FIRST, seed: 1, alt: 'The same fox' }, origin: at(5) });
    await images.render({ attributes: { prompt: SECOND, seed: 2, alt: 'An owl' }, origin: at(6) });
    const written = await images.writeTo(path.join(root, 'dist'), { all: true });

    const started = encodes.filter((event) => event.type === 'start').map((event) => event.fileName);
    expect(new Set(started).size).toBe(started.length);
    // 2 images × 2 formats (WebP, the JPEG fallback) × 2 widths, and each one's 16 px placeholder.
    expect(written.files).toBe(8);
    expect(started).toHaveLength(10);
    expect(optimizer.encoded).toBe(10);
    expect(api.requests).toHaveLength(2);
  });
});
