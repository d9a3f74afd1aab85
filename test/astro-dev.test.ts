/**
 * `astro dev` with the integration: pages render while images are generated in the background
 * (a pending <img> of the right size), variants are served by the plugin's middleware, and a
 * marker added while the server runs is generated on demand, once.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startTestServer, type TestServer } from '@genimage/test-server';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { astroDev, copySite, type DevServer, overlayErrors, removeTemps } from './fixtures/astro-harness/harness.ts';

let api: TestServer;
let dev: DevServer;
let root: string;

beforeAll(async () => {
  api = await startTestServer({ longEdge: { '1K': 64 } });
  root = await copySite('fixtures/astro-basic');
  // Long enough for the quick saves below to count as one declaration, short enough for the rest; a loaded machine may take a second to recompile the page.
  const config = path.join(root, 'astro.config.mjs');
  await writeFile(config, (await readFile(config, 'utf8')).replace('genimage({ render:', 'genimage({ dev: { settleMs: 2000 }, render:'));
  dev = await astroDev(root, { SHARK_API_KEY: api.apiKey, SHARK_BASE_URL: api.baseUrl });
});
afterAll(async () => {
  await dev?.stop();
  await api?.close();
  await removeTemps();
});

async function page(pathname: string, server: DevServer = dev): Promise<string> {
  const response = await fetch(server.url + pathname);
  return `${response.status} ${await response.text()}`;
}

/** Polls until `check` holds for the page's HTML. */
async function until(pathname: string, check: (html: string) => boolean, server: DevServer = dev, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const html = await page(pathname, server);
    if (html.startsWith('200 ') && check(html)) return html;
    if (Date.now() > deadline) throw new Error(`timed out waiting on ${pathname}:\n${html}\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('serves pictures and their variants once the images exist', async () => {
  const html = await until('/', (text) => !text.includes('data-genimage-pending') && text.includes('<picture>'));
  const url = /srcset="(\/_astro\/a-red-fox-asleep-in-fresh-snow-[0-9a-f]{8}-32\.webp) 32w/.exec(html)?.[1];
  expect(url).toBeDefined();
  const variant = await fetch(dev.url + url);
  expect(variant.status).toBe(200);
  expect(variant.headers.get('content-type')).toBe('image/webp');
  expect((await variant.arrayBuffer()).byteLength).toBeGreaterThan(0);
  expect((await fetch(`${dev.url}/_astro/unknown-00000000-32.webp`)).status).toBe(404);
  // On demand: /other/ was never served, so its marker was not paid for.
  expect(api.requests.map((request) => (request.body as { prompt: string }).prompt)).not.toContain('a paper boat on a puddle');
});

test('a marker added while the server runs: pending at the right size, then generated once', async () => {
  api.reset();
  // A slow API, so the page is seen while the image is pending.
  api.always({ kind: 'delay', ms: 1500 });
  const file = path.join(root, 'src/pages/other.astro');
  await writeFile(
    file,
    (await readFile(file, 'utf8')).replace(
      '</body>',
      '  <GenImage prompt="a kingfisher on a branch" aspectRatio="3:2" alt="A kingfisher" />\n  </body>',
    ),
  );
  const pending = await until('/other/', (text) => text.includes('alt="A kingfisher"'));
  expect(pending).toMatch(
    /<img src="data:image\/svg\+xml,[^"]+" alt="A kingfisher" width="64" height="43" title="Generating[^"]*" decoding="async" data-genimage-place="src\/pages\/other.astro:\d+:\d+" data-genimage-pending>/,
  );
  // The page loads the client that swaps pending images in place as they arrive.
  const scripts = await fetch(`${dev.url}/@id/astro:scripts/page.js`);
  expect(await scripts.text()).toContain('genimage/client');
  api.always(undefined);
  const done = await until('/other/', (text) => text.includes('/_astro/a-kingfisher-on-a-branch-'));
  expect(done).toMatch(/<img src="\/_astro\/a-kingfisher-on-a-branch-[0-9a-f]{8}-64\.jpg"[^>]*alt="A kingfisher" width="64" height="43"/);
  // The page's own marker too: nothing was generated for /other/ before it was first served.
  expect(api.requests.map((request) => (request.body as { prompt: string }).prompt).sort()).toEqual([
    'a kingfisher on a branch',
    'a paper boat on a puddle',
  ]);
});

test('five quick saves of one prompt, 200 ms apart: one request, for the last', async () => {
  await until('/other/', (text) => !text.includes('data-genimage-pending'));
  api.reset();
  const file = path.join(root, 'src/pages/other.astro');
  const before = await readFile(file, 'utf8');
  const typed = ['a bird', 'a bird on', 'a bird on a', 'a bird on a wire', 'a bird on a wire at dawn'];
  try {
    for (const prompt of typed) {
      await writeFile(file, before.replace('</body>', `  <GenImage prompt="${prompt}" aspectRatio="3:2" alt="A bird" />\n  </body>`));
      await until('/other/', (text) => text.includes(`prompt="${prompt}"`) || text.includes('alt="A bird"'));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await until('/other/', (text) => text.includes('/_astro/a-bird-on-a-wire-at-dawn-'));
    expect(api.requests.map((request) => (request.body as { prompt: string }).prompt)).toEqual(['a bird on a wire at dawn']);
  } finally {
    await writeFile(file, before);
  }
});

test('a cached variant file that vanished while the server runs: the request fails, the server lives on', async () => {
  const html = await until('/', (text) => !text.includes('data-genimage-pending') && text.includes('<picture>'));
  const url = /(\/_astro\/a-red-fox-asleep-in-fresh-snow-[0-9a-f]{8}-64\.webp) 64w/.exec(html)?.[1];
  expect((await fetch(dev.url + url)).status).toBe(200);
  await rm(path.join(root, 'node_modules/.cache'), { recursive: true, force: true });
  const again = await fetch(dev.url + url);
  // 200 once the renderer re-encodes a vanished variant; until then an error response, never a crash.
  expect([200, 500]).toContain(again.status);
  await again.arrayBuffer();
  expect(await page('/')).toMatch(/^200 /);
});

test('with base and build.assets: variants are served under the base', async () => {
  const site = await copySite('fixtures/astro-basic');
  const config = path.join(site, 'astro.config.mjs');
  await writeFile(
    config,
    (await readFile(config, 'utf8')).replace(
      'export default defineConfig({',
      "export default defineConfig({\n  base: '/docs',\n  build: { assets: 'static' },",
    ),
  );
  const based = await astroDev(site, { SHARK_API_KEY: api.apiKey, SHARK_BASE_URL: api.baseUrl });
  try {
    const html = await until('/docs/', (text) => !text.includes('data-genimage-pending') && text.includes('<picture>'), based);
    const url = /srcset="(\/docs\/static\/a-red-fox-asleep-in-fresh-snow-[0-9a-f]{8}-32\.webp) 32w/.exec(html)?.[1];
    expect(url, html).toBeDefined();
    const variant = await fetch(based.url + url);
    expect(variant.status).toBe(200);
    expect(variant.headers.get('content-type')).toBe('image/webp');
    expect((await variant.arrayBuffer()).byteLength).toBeGreaterThan(0);
  } finally {
    await based.stop();
  }
});

test('an invalid marker: a 500 and Astro’s error overlay naming file:line:col and why, not a page cut off at the marker; fixed, the page is back', async () => {
  const file = path.join(root, 'src/pages/other.astro');
  const before = await readFile(file, 'utf8');
  const marker = '<GenImage prompt="a heron in the reeds" aspectRatio="7:5" alt="A heron" />';
  await writeFile(file, before.replace('</body>', `  <p>Before the marker</p>\n    ${marker}\n  </body>`));
  const line = before.slice(0, before.indexOf('</body>')).split('\n').length + 1;
  // The marker is indented by 4: the error points at its attribute.
  const column = 5 + marker.indexOf('aspectRatio');
  const overlay = await overlayErrors(dev.url);
  try {
    const answer = await page('/other/');
    expect(answer).toMatch(/^500 /);
    expect(answer).not.toContain('Before the marker');
    // Astro sends the error to the page's overlay over the HMR socket once the response is closed.
    await waitUntil(() => overlay.errors.length > 0);
    const [error] = overlay.errors;
    // Astro escapes the message for the overlay's HTML.
    expect(error!.message).toContain(`src/pages/other.astro:${line}:${column}: A &lt;GenImage&gt; attribute has an invalid value`);
    expect(error!.message).toContain('aspectRatio=&quot;7:5&quot; is not supported');
    expect(error!.loc).toMatchObject({ file: path.join(root, 'src/pages/other.astro'), line, column });
  } finally {
    overlay.close();
    await writeFile(file, before);
  }
  expect(await until('/other/', (text) => text.includes('alt="A paper boat"'))).not.toContain('A heron');
});

async function waitUntil(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > deadline) throw new Error(`timed out:\n${dev.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
