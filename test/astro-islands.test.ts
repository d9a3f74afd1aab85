/**
 * Astro islands of React, Vue and Svelte (`@astrojs/react`, `@astrojs/vue`, `@astrojs/svelte`),
 * hydrated or not, in a real `astro build`: the genimage Vite plugin runs inside Astro's Vite, so
 * each island's marker renders the same `<picture>` as a marker of the page, on the server and in
 * the island's client code alike, and hydration in Chromium keeps it; `astro dev` shows each
 * island's image pending at its size, then the picture.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { startTestServer, type TestServer } from '@genimage/test-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { astroBuild, astroDev, copySite, removeTemps } from './fixtures/astro-harness/harness.ts';
import { COLLECT_IMAGES, closeServer, type ImageReport, launchChromium, originOf, serve } from './fixtures/browser-harness/harness.ts';

let server: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer({ longEdge: { '1K': 64 } });
  env = { SHARK_API_KEY: server.apiKey, SHARK_BASE_URL: server.baseUrl };
});
afterAll(async () => {
  await server?.close();
  await removeTemps();
});

const PROMPTS = ['a react island, hydrated', 'a svelte island, static', 'a vue island, hydrated', 'an astro page, beside its islands'];

describe('astro build of a page with React, Vue and Svelte islands', () => {
  let root: string;
  let html: string;

  test('asks once per marker, islands included, and renders every one as a <picture>', async () => {
    root = await copySite('fixtures/astro-islands');
    server.reset();
    const result = await astroBuild(root, env);
    expect(result.code, result.output).toBe(0);
    expect(server.requests.map((request) => (request.body as { prompt: string }).prompt).sort()).toEqual(PROMPTS);
    html = await readFile(path.join(root, 'dist/index.html'), 'utf8');
    expect(html).not.toMatch(/<GenImage|genimage-pending/i);
    expect(html.match(/<picture>/g)).toHaveLength(4);
    for (const alt of ['The page', 'The Vue island', 'The Svelte island', 'The React island']) expect(html).toContain(`alt="${alt}"`);
    for (const url of html.match(/\/_astro\/[\w.-]+\.webp/g) ?? []) expect(existsSync(path.join(root, 'dist', url)), url).toBe(true);
  });

  test("a hydrated island's client code holds the same image URL as its server-rendered HTML", async () => {
    const astro = path.join(root, 'dist/_astro');
    const scripts = (await readdir(astro)).filter((file) => file.endsWith('.js'));
    const js = (await Promise.all(scripts.map((file) => readFile(path.join(astro, file), 'utf8')))).join('\n');
    for (const island of ['a-vue-island-hydrated', 'a-react-island-hydrated']) {
      const url = html.match(new RegExp(`/_astro/${island}-[0-9a-f]+-32\\.webp`))?.[0];
      expect(url, island).toBeDefined();
      expect(js.includes(url!), island).toBe(true);
    }
    expect(/reached the browser unreplaced|resolveComponent\("GenImage"\)/.test(js)).toBe(false);
  });

  test('in Chromium: every image loads, the islands hydrate without a mismatch and keep their picture', async () => {
    const browser = await launchChromium();
    const server = await serve(path.join(root, 'dist'));
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (message) => {
        // A failed request is reported below by its URL (the browser asks for a favicon the fixture has not).
        if (message.text().startsWith('Failed to load resource')) return;
        if (message.type() === 'error' || /hydrat|mismatch/i.test(message.text())) problems.push(message.text());
      });
      page.on('response', (response) => {
        if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`${response.status()} ${response.url()}`);
      });
      await page.goto(`${originOf(server)}/`, { waitUntil: 'load' });
      // Astro takes `ssr` off an island once it has hydrated.
      await page.waitForFunction("document.querySelectorAll('astro-island').length === 2 && !document.querySelector('astro-island[ssr]')");
      // Hydrated: a click changes the island's state, and its picture is still the server's.
      for (const framework of ['Vue', 'React']) {
        const button = page.getByRole('button', { name: new RegExp(`${framework} clicks`) });
        await button.click();
        await expect.poll(() => button.textContent()).toBe(`${framework} clicks: 1`);
      }
      const report = (await page.evaluate(COLLECT_IMAGES)) as ImageReport[];
      expect(report).toHaveLength(4);
      for (const image of report) {
        expect(image.naturalWidth, image.src).toBeGreaterThan(0);
        expect(image.alt, image.src).toBeTruthy();
        expect(Number(image.width) * Number(image.height), image.src).toBeGreaterThan(0);
        expect(image.inPicture, image.src).toBe(true);
      }
      expect(problems).toEqual([]);
    } finally {
      await closeServer(server);
      await browser.close();
    }
  });
});

describe('astro dev with React, Vue and Svelte islands', () => {
  test("each island's marker is pending at its size first, then the same <picture> as the page's", async () => {
    const root = await copySite('fixtures/astro-islands');
    server.reset();
    // A slow API, so the page is seen while the images are pending (generation starts with the server).
    server.always({ kind: 'delay', ms: 6000 });
    const dev = await astroDev(root, env);
    try {
      const get = async () => {
        const response = await fetch(`${dev.url}/`);
        return `${response.status} ${await response.text()}`;
      };
      const pending = await get();
      expect(pending).toMatch(/^200 /);
      // Each framework writes the attributes in its own order.
      for (const alt of ['The Vue island', 'The Svelte island', 'The React island']) {
        const img = new RegExp(`<img [^>]*alt="${alt}"[^>]*>`).exec(pending)?.[0];
        expect(img, alt).toMatch(/data-genimage-pending/);
        // The box of the picture it will be (widths 32): no layout shift when it arrives.
        expect(img, alt).toMatch(/width="32" height="(18|32)"/);
      }
      server.always(undefined);
      const deadline = Date.now() + 20_000;
      let html = pending;
      while (html.includes('data-genimage-pending') || (html.match(/<picture>/g) ?? []).length < 4) {
        if (Date.now() > deadline) throw new Error(`still pending:\n${html}\n${dev.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        html = await get();
      }
      expect(server.requests.map((request) => (request.body as { prompt: string }).prompt).sort()).toEqual(PROMPTS);
    } finally {
      await dev.stop();
    }
  });
});
