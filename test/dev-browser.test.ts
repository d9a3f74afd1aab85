/**
 * The dev servers in Chromium (issue 26's "Done when"), with the image API answering after a few
 * hundred ms: `vite` on the React and HTML examples (in-process, copied to test/.tmp) and
 * `astro dev` on a small fixture. An uncached start swaps every pending image for its `<picture>`
 * in place: the page is never reloaded (a `window` marker survives, the main frame navigates
 * once), a React counter keeps its value, each image keeps its box and nothing shifts
 * (`layout-shift` entries, buffered). A failure shows its placeholder and, once the API is back
 * and the back-off has passed, a reload shows the image, without a save.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GenImageConfig } from '@genimage/core';
import { startTestServer, type TestServer } from '@genimage/test-server';
import react from '@vitejs/plugin-react';
import type { Browser, Page } from 'playwright-core';
import type { PluginOption, ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { astroDev, copySite, removeTemps } from './fixtures/astro-harness/harness.ts';
import { launchChromium } from './fixtures/browser-harness/harness.ts';
import { serveWithGenImage } from './fixtures/vite-dev-harness/harness.ts';

const examples = path.resolve(import.meta.dirname, '../examples');
const CONFIG: GenImageConfig = {
  provider: 'shark',
  render: { widths: [32, 64], formats: ['webp'], fallbackFormat: 'jpeg', quality: 70 },
  dev: { settleMs: 0 },
};
/** A few hundred ms of latency: long enough for the page to show its pending images first. */
const LATENCY = { kind: 'delay', ms: 800 } as const;

let api: TestServer;
let browser: Browser;

beforeAll(async () => {
  api = await startTestServer({ longEdge: { '1K': 64 } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await removeTemps();
});

/** A copy of `example` (edited by `edit`) served by Vite on a free port. */
async function startVite(
  example: string,
  plugins: PluginOption[] = [],
  config: GenImageConfig = CONFIG,
  edit?: (root: string) => Promise<void>,
  server: TestServer = api,
): Promise<{ url: string; server: ViteDevServer; logged: string[] }> {
  const root = await copySite(path.join(examples, example));
  await edit?.(root);
  const { url, server: vite, logged } = await serveWithGenImage(root, server, config, plugins);
  return { url, server: vite, logged };
}

/**
 * Runs in every document the page loads (strings: the tests are type-checked without the DOM
 * library): sums the layout shifts (buffered, so none is missed before the observer runs) and
 * counts the documents loaded in this tab through `sessionStorage`.
 */
const INIT = `(() => {
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.__shifts.push({ value: entry.value, hadRecentInput: entry.hadRecentInput, at: Math.round(entry.startTime),
        sources: (entry.sources ?? []).map((source) => source.node ? (source.node.outerHTML ?? source.node.nodeName).slice(0, 120) : '?') });
    }
  }).observe({ type: 'layout-shift', buffered: true });
  sessionStorage.setItem('documents', String(Number(sessionStorage.getItem('documents') ?? '0') + 1));
})()`;

/** Each image's box (in the document, not the viewport) and state, by alt text. */
const BOXES = `Array.from(document.images, (img) => {
  const box = img.getBoundingClientRect();
  return { alt: img.getAttribute('alt'), pending: img.hasAttribute('data-genimage-pending'),
    failed: img.hasAttribute('data-genimage-failed'), inPicture: img.parentElement?.tagName === 'PICTURE',
    x: box.x + scrollX, y: box.y + scrollY, width: box.width, height: box.height,
    complete: img.complete, naturalWidth: img.naturalWidth };
})`;

interface Box {
  alt: string | null;
  pending: boolean;
  failed: boolean;
  inPicture: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
  complete: boolean;
  naturalWidth: number;
}

interface Watched {
  page: Page;
  /** Main-frame navigations after the first load: reloads. */
  navigations(): number;
  /** Documents loaded in this tab (the first included), as the page itself counted them. */
  documents(): Promise<number>;
  /** Whether the `window` marker set after the first load is still there (a reload would drop it). */
  sameWindow(): Promise<boolean>;
  boxes(): Promise<Box[]>;
  /** Layout shifts, \`at\` ms after the document started loading. */
  shifts(): Promise<{ value: number; hadRecentInput: boolean; at: number; sources: string[] }[]>;
  close(): Promise<void>;
}

async function open(url: string): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 2000 } });
  const page = await context.newPage();
  await page.addInitScript(INIT);
  let navigations = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations++;
  });
  await page.goto(url);
  await page.evaluate('window.__sameWindow = true');
  return {
    page,
    navigations: () => navigations - 1,
    documents: async () => Number(await page.evaluate("sessionStorage.getItem('documents')")),
    sameWindow: async () => (await page.evaluate('window.__sameWindow === true')) as boolean,
    boxes: async () => (await page.evaluate(BOXES)) as Box[],
    shifts: async () => (await page.evaluate('window.__shifts')) as Awaited<ReturnType<Watched['shifts']>>,
    close: () => context.close(),
  };
}

/** Each image's box, by alt text. */
const byAlt = (boxes: Box[]) =>
  Object.fromEntries(boxes.map((box) => [box.alt, { x: box.x, y: box.y, width: box.width, height: box.height }]));

/** Pending images are in the page, then none: each replaced by its `<picture>`; checks the boxes and the shifts. */
async function expectSwappedInPlace(watched: Watched, count: number, during?: () => Promise<void>) {
  const { page } = watched;
  await page.waitForFunction(`document.querySelectorAll('img[data-genimage-pending]').length === ${count}`, undefined, { timeout: 15_000 });
  const pending = await watched.boxes();
  const shiftedBefore = (await watched.shifts()).length;
  const pendingAt = Math.round((await page.evaluate('performance.now()')) as number);
  expect(pending.filter((box) => box.pending)).toHaveLength(count);
  expect(pending.every((box) => box.width > 0 && box.height > 0)).toBe(true);
  await during?.();
  await page
    .waitForFunction(
      `document.querySelectorAll('img[data-genimage-pending]').length === 0 && document.querySelectorAll('picture > img').length === ${count}
      && Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0)`,
      undefined,
      { timeout: 20_000 },
    )
    .catch(async (error: unknown) => {
      throw new Error(
        `${String(error)}\n${JSON.stringify(await watched.boxes(), null, 1)}\n${(await page.content()).replace(/data:[^"]+/g, 'data:…')}`,
      );
    });
  const final = await watched.boxes();
  expect(final.every((box) => box.inPicture && !box.pending && !box.failed)).toBe(true);
  // The same place and size, pending and final.
  expect(byAlt(final)).toEqual(byAlt(pending));
  // Nothing shifted as the images arrived, as the page itself observed it. (While the page loads,
  // \`astro dev\` may shift it by a hair before any image arrives: its dev styles come in late.)
  const shifts = await watched.shifts();
  expect(shifts.slice(shiftedBefore), JSON.stringify(shifts, null, 2)).toEqual([]);
  // Never reloaded.
  expect(watched.navigations()).toBe(0);
  expect(await watched.documents()).toBe(1);
  expect(await watched.sameWindow()).toBe(true);
  if (process.env.GENIMAGE_FIGURES)
    console.info(
      JSON.stringify({
        reloads: watched.navigations(),
        documents: await watched.documents(),
        shifts,
        pendingAt,
        pending: byAlt(pending),
        final: byAlt(final),
      }),
    );
  return { pending, final, shifts };
}

/** The React example with a counter in its App component (the module that gets the HMR update). */
async function withCounter(root: string): Promise<void> {
  const file = path.join(root, 'src/App.tsx');
  const source = await readFile(file, 'utf8');
  const edited = `import { useState } from 'react';\n${source}`
    .replace('export function App() {\n', 'export function App() {\n  const [count, setCount] = useState(0);\n')
    .replace(
      '<h1>The night market</h1>',
      '<h1>The night market</h1>\n      <button type="button" id="counter" onClick={() => setCount((n) => n + 1)}>count is {count}</button>',
    );
  expect(edited).toContain('setCount((n)');
  expect(edited).toContain('useState(0)');
  await writeFile(file, edited);
}

describe('vite dev in Chromium: the React example, uncached', () => {
  test('no reload: a counter clicked to 3 keeps its value, every pending image becomes its picture in the same box, no layout shift', async () => {
    api.reset();
    api.always(LATENCY);
    const dev = await startVite('vite-react', [react()], CONFIG, withCounter);
    const watched = await open(`${dev.url}/`);
    try {
      const counter = watched.page.locator('#counter');
      const { final } = await expectSwappedInPlace(watched, 3, async () => {
        for (let i = 0; i < 3; i++) await counter.click();
        expect(await counter.textContent()).toBe('count is 3');
      });
      expect(await counter.textContent()).toBe('count is 3');
      expect(final.map((box) => box.alt)).toEqual(['A night market under paper lanterns', 'Dumplings in a bamboo basket', 'Iced milk tea']);
      expect(api.requests).toHaveLength(3);
    } finally {
      await watched.close();
      api.always(undefined);
      await dev.server.close();
    }
  });
});

describe('vite dev in Chromium: the HTML example, uncached', () => {
  test('every pending <img> is swapped for its picture in place: no reload, the same boxes, no layout shift', async () => {
    // Images of their real size (1024 px): the grid's markers ask for 320 and 640 px wide variants, which a smaller image would not have.
    const fullSize = await startTestServer();
    fullSize.always(LATENCY);
    const dev = await startVite('vite-html', [], CONFIG, undefined, fullSize);
    const watched = await open(`${dev.url}/`);
    try {
      const { final } = await expectSwappedInPlace(watched, 3);
      expect(final.map((box) => box.alt)).toEqual(['A tide pool with starfish and anemones', 'A purple sea urchin', 'A hermit crab']);
    } finally {
      await watched.close();
      await dev.server.close();
      await fullSize.close();
    }
  });
});

describe('vite dev in Chromium: a failure recovers without a save', () => {
  test('the API fails: the failed placeholder; the API is back: after the back-off, a reload shows the picture', async () => {
    // Images of their real size, as in the HTML test above: the failed placeholder's box is compared with the final image's.
    const fullSize = await startTestServer();
    fullSize.always({ kind: 'error', status: 503 });
    const config: GenImageConfig = { ...CONFIG, retries: { maxAttempts: 1 }, dev: { settleMs: 0, retryAfterMs: 500 } };
    const dev = await startVite('vite-html', [], config, undefined, fullSize);
    const watched = await open(`${dev.url}/`);
    try {
      const { page } = watched;
      // Swapped in place for the failed placeholder, which says when it is tried again.
      await page
        .waitForFunction(`document.querySelectorAll('img[data-genimage-failed]').length === 3`, undefined, { timeout: 20_000 })
        .catch(async (error: unknown) => {
          throw new Error(`${String(error)}\n${await page.content()}\n--- log:\n${dev.logged.join('\n')}`);
        });
      const failed = await watched.boxes();
      expect(failed.every((box) => box.failed && box.width > 0)).toBe(true);
      expect(await page.getAttribute('img[data-genimage-failed]', 'title')).toMatch(/tried again/i);
      expect(watched.navigations()).toBe(0);
      const paid = fullSize.requests.length;
      fullSize.always(LATENCY);
      // The back-off (500 ms), then a reload: not a save.
      await new Promise((resolve) => setTimeout(resolve, 700));
      await page.reload();
      // The reload sent them again (nothing was saved): generating, then swapped in.
      await page.waitForFunction(
        `document.querySelectorAll('img[data-genimage-pending]').length === 0 && document.querySelectorAll('picture > img').length === 3
          && Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0)`,
        undefined,
        { timeout: 20_000 },
      );
      expect(fullSize.requests.length).toBeGreaterThan(paid);
      const final = await watched.boxes();
      expect(final.every((box) => box.inPicture && !box.pending && !box.failed)).toBe(true);
      // The failed placeholder took the final image's box too.
      expect(byAlt(final)).toEqual(byAlt(failed));
      if (process.env.GENIMAGE_FIGURES)
        console.info('failure', JSON.stringify({ failed: byAlt(failed), final: byAlt(final), paid, after: fullSize.requests.length }));
    } finally {
      await watched.close();
      await dev.server.close();
      await fullSize.close();
    }
  });
});

describe('astro dev in Chromium: a small fixture, uncached', () => {
  test('pending images are swapped for their pictures in place: no reload, the same boxes, no layout shift', async () => {
    api.reset();
    api.always(LATENCY);
    const root = await copySite('fixtures/astro-basic');
    const config = path.join(root, 'astro.config.mjs');
    await writeFile(config, (await readFile(config, 'utf8')).replace('genimage({ render:', 'genimage({ dev: { settleMs: 0 }, render:'));
    const dev = await astroDev(root, { SHARK_API_KEY: api.apiKey, SHARK_BASE_URL: api.baseUrl });
    const watched = await open(`${dev.url}/`);
    try {
      await expectSwappedInPlace(watched, 2);
    } finally {
      await watched.close();
      api.always(undefined);
      await dev.stop();
    }
  });
});
