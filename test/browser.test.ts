/**
 * The example sites in a real browser: each built offline (`local` provider: the Astro demo with
 * `astro build`, the two Vite examples with `vite build` in a copy), served from its output over
 * HTTP, every page opened in headless Chromium (the Vite examples: HTML, React, Vue, Svelte).
 * Every image must load and carry alt, width and height; every srcset candidate must answer 200.
 */
import { spawn } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TMP, astroBuild, copySite, removeTemps } from './fixtures/astro-harness/harness.ts';
import { COLLECT_IMAGES, closeServer, type ImageReport, launchChromium, originOf, serve } from './fixtures/browser-harness/harness.ts';

const demo = path.resolve(import.meta.dirname, '../examples/astro-site');
const outDir = path.join(TMP, `demo-dist-${process.pid}`);
let browser: Browser;

async function htmlPages(dir: string, prefix = '/'): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) found.push(...(await htmlPages(path.join(dir, entry.name), `${prefix}${entry.name}/`)));
    else if (entry.name === 'index.html') found.push(prefix);
  }
  return found.sort();
}

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await removeTemps();
});

describe('the demo site in Chromium', () => {
  let server: Server;
  let origin: string;
  let pages: string[];

  // In the suite: filtering on the Vite examples (-t) skips this build.
  beforeAll(async () => {
    // CI=true would freeze generation: the demo renders its placeholders here on purpose.
    const build = await astroBuild(demo, { GENIMAGE_FROZEN: '0', SHARK_API_KEY: '' }, ['--outDir', outDir]);
    expect(build.code, build.output).toBe(0);
    pages = await htmlPages(outDir);
    server = await serve(outDir);
    origin = originOf(server);
  });

  afterAll(async () => {
    await closeServer(server);
    const { rm } = await import('node:fs/promises');
    await rm(outDir, { recursive: true, force: true });
  });

  test('has at least six pages', () => {
    expect(pages.length).toBeGreaterThanOrEqual(6);
  });

  test('every image loads, with alt, width and height, and every srcset candidate answers 200', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const candidates = new Set<string>();
    // The same banner on every page is one image: count what the browser actually loaded, once.
    const distinct = new Set<string>();
    for (const pathname of pages) {
      const page = await context.newPage();
      const response = await page.goto(origin + pathname, { waitUntil: 'load' });
      expect(response?.status(), pathname).toBe(200);
      const report = (await page.evaluate(COLLECT_IMAGES)) as ImageReport[];
      for (const image of report) {
        const label = `${pathname} ${image.currentSrc || image.src}`;
        expect(image.naturalWidth, label).toBeGreaterThan(0);
        expect(image.alt, label).not.toBeNull();
        expect(Number(image.width), label).toBeGreaterThan(0);
        expect(Number(image.height), label).toBeGreaterThan(0);
        expect(image.pending, label).toBe(false);
      }
      for (const image of report) distinct.add(image.currentSrc || image.src);
      // Chromium picks the first <source> it supports: AVIF.
      expect(
        report.filter((image) => image.inPicture).every((image) => image.currentSrc.endsWith('.avif')),
        pathname,
      ).toBe(true);
      const srcsets = await page
        .locator('picture source, picture img')
        .evaluateAll((elements) =>
          elements.map((element) => (element as unknown as { getAttribute(name: string): string | null }).getAttribute('srcset') ?? ''),
        );
      for (const srcset of srcsets)
        for (const candidate of srcset.split(',')) if (candidate.trim()) candidates.add(candidate.trim().split(/\s+/)[0]!);
      await page.close();
    }
    await context.close();
    expect(distinct.size, [...distinct].join('\n')).toBeGreaterThanOrEqual(12);
    for (const url of candidates) {
      const response = await fetch(new URL(url, origin));
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type'), url).toMatch(/^image\//);
    }
  });

  test("og:image from genImage() answers 200 with a 1200×630 JPEG (the site's, and each post's from its frontmatter hero), and the poster's CSS background loads", async () => {
    const page = await browser.newPage();
    const cards: string[] = [];
    for (const pathname of ['/', '/blog/first-frost/', '/blog/hill-bread/']) {
      await page.goto(`${origin}${pathname}`, { waitUntil: 'load' });
      const og = await page.locator('meta[property="og:image"]').getAttribute('content');
      expect(og, pathname).toMatch(/^https:\/\/fieldnotes\.example\/_astro\/.+\.jpg$/);
      const local = origin + new URL(og!).pathname;
      const response = await fetch(local);
      expect(response.status, local).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      const size = (await page.evaluate(
        `new Promise((done) => { const img = new Image(); img.onload = () => done([img.naturalWidth, img.naturalHeight]); img.onerror = () => done([0, 0]); img.src = ${JSON.stringify(local)}; })`,
      )) as number[];
      expect(size, pathname).toEqual([1200, 630]);
      cards.push(new URL(og!).pathname);
    }
    // A post's card is its hero (the file is named after its prompt), not the site's.
    expect(new Set(cards).size).toBe(3);
    expect(cards[1]).toContain('a-frosted-meadow-at-sunrise');
    await page.goto(`${origin}/poster/`, { waitUntil: 'load' });
    const background = (await page.evaluate(`getComputedStyle(document.querySelector('.poster')).backgroundImage`)) as string;
    const url = /url\("?([^")]+)"?\)/.exec(background)?.[1];
    expect(url, background).toMatch(/\.webp$/);
    expect((await fetch(new URL(url!, origin))).status).toBe(200);
    await page.close();
  });

  test('each blog post shows the hero its frontmatter declares, rendered by the layout from post.data', async () => {
    expect(pages).toEqual(expect.arrayContaining(['/blog/first-frost/', '/blog/hill-bread/']));
    const page = await browser.newPage();
    for (const [pathname, alt] of [
      ['/blog/first-frost/', 'A white meadow at sunrise crossed by a line of fox tracks'],
      ['/blog/hill-bread/', 'A round rye loaf on a stone wall, the valley below'],
    ] as const) {
      await page.goto(origin + pathname, { waitUntil: 'load' });
      const report = (await page.evaluate(COLLECT_IMAGES)) as ImageReport[];
      const hero = report.find((image) => image.alt === alt);
      expect(hero, pathname).toMatchObject({ inPicture: true, pending: false });
      expect(hero!.naturalWidth, pathname).toBeGreaterThan(0);
      // aspectRatio "16:9" from the frontmatter reached the generation.
      expect(Number(hero!.width) / Number(hero!.height), pathname).toBeCloseTo(16 / 9, 1);
    }
    await page.close();
  });

  test('a screenshot of the home page has the viewport width and shows the images', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`${origin}/`, { waitUntil: 'load' });
    await page.evaluate(COLLECT_IMAGES);
    const box = (await page.evaluate(FIRST_PICTURE_BOX)) as Box;
    const png = await page.screenshot({ fullPage: true });
    await writeFile(path.join(TMP, 'demo-home.png'), png);
    // IHDR: width and height, big-endian, right after the signature and the chunk header.
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20) >= 900]).toEqual([1100, true]);
    expect(box.width * box.height).toBeGreaterThan(0);

    // Decoded in the browser (served by the test server, so the canvas may be read).
    await writeFile(path.join(outDir, 'screenshot.png'), png);
    await page.goto(`${origin}/screenshot.png`);
    const stats = (await page.evaluate(PIXEL_STATS(box))) as { page: Colours; image: Colours };
    // A blank page is one colour; text on a plain background is a few dozen.
    expect(stats.page.commonest).toBeLessThan(0.95);
    expect(stats.page.distinct).toBeGreaterThan(500);
    // Where the first <picture> is, an image was painted: not a flat box.
    expect(stats.image.commonest).toBeLessThan(0.5);
    expect(stats.image.distinct).toBeGreaterThan(100);
    await page.close();
  });

  // The page that shows each layout (full-width, constrained, fixed, a crop, densities).
  test.each([1, 2])('on the layouts page at DPR %i, each image is sharp enough at 375, 768 and 1440 px', async (dpr) => {
    for (const width of [375, 768, 1440]) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: dpr });
      const page = await context.newPage();
      await page.goto(`${origin}/layouts/`, { waitUntil: 'load' });
      await page.evaluate(COLLECT_IMAGES);
      await page.setViewportSize({ width, height: 900 });
      const shown = (await page.evaluate(DISPLAYED_IMAGES)) as Displayed[];
      expect(shown.map((image) => image.layout).sort(), JSON.stringify(shown)).toEqual([
        'constrained',
        'constrained',
        'densities',
        'fixed',
        'full-width',
      ]);
      for (const image of shown) {
        const label = `${width}px DPR ${dpr} ${image.alt}: ${image.naturalWidth} for ${image.displayed} shown`;
        // As sharp as the screen needs, or the largest file there is (an original is never upscaled).
        expect(image.naturalWidth, label).toBeGreaterThanOrEqual(Math.min(Math.ceil(image.displayed * dpr), image.largest));
        expect(image.displayed, label).toBeLessThanOrEqual(width);
      }
      if (dpr === 1) {
        // The whole page in the viewport, its images loaded for that viewport: a full-page screenshot would resize it as it shoots.
        await page.setViewportSize({ width, height: (await page.evaluate('document.documentElement.scrollHeight')) as number });
        await page.evaluate(COLLECT_IMAGES);
        await writeFile(path.join(TMP, `layouts-${width}.png`), await page.screenshot());
      }
      await context.close();
    }
  });
});

interface Displayed {
  alt: string;
  layout: string;
  /** The chosen file's width in pixels. */
  naturalWidth: number;
  displayed: number;
  /** The widest candidate of the <img>'s srcset, in pixels. */
  largest: number;
}

/**
 * Each picture's displayed width, the width of the file the browser chose (read from its srcset
 * descriptor: Chromium's naturalWidth is divided by the candidate's density) and the widest it could have.
 */
const DISPLAYED_IMAGES = `Array.from(document.querySelectorAll('main picture img'), (img) => {
  const base = Number(img.getAttribute('width'));
  const widths = new Map();
  for (const element of img.parentElement.querySelectorAll('source, img'))
    for (const candidate of (element.getAttribute('srcset') ?? '').split(',')) {
      const [url, descriptor] = candidate.trim().split(/\\s+/);
      const pixels = descriptor.endsWith('x') ? Math.round(parseFloat(descriptor) * base) : parseInt(descriptor, 10);
      widths.set(new URL(url, location.href).href, pixels);
    }
  const style = img.getAttribute('style') ?? '';
  const layout = /x$/.test(img.getAttribute('srcset')) ? 'densities' : /(^|;)width:100%/.test(style) ? 'full-width' : /max-width:100%/.test(style) ? 'constrained' : 'fixed';
  return { alt: img.alt, layout, naturalWidth: widths.get(img.currentSrc), displayed: img.getBoundingClientRect().width, largest: Math.max(...widths.values()) };
})`;

const examples = path.resolve(import.meta.dirname, '../examples');
const viteBin = path.join(path.dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');

/**
 * `vite build` in `root`, reading its own vite.config, offline: no key (the `local` provider),
 * CI cleared so nothing is frozen, and without what vitest sets (NODE_ENV=test).
 */
function viteBuild(root: string): Promise<{ code: number | null; output: string }> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_ENV' && !name.startsWith('VITEST')));
  const env = { ...inherited, CI: '', GENIMAGE_FROZEN: '0', SHARK_API_KEY: '', NO_COLOR: '1', FORCE_COLOR: '0' };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [viteBin, 'build'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** What one page showed: its images and the URLs of every srcset candidate of its pictures. */
interface Visit {
  report: ImageReport[];
  candidates: string[];
  /** Uncaught errors of the page's scripts. */
  errors: string[];
}

/** Opens `url`, waits for `pictures` <picture> elements (a client-rendered page draws them late), loads every image. */
async function visit(context: BrowserContext, url: string, pictures: number): Promise<Visit> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.status(), url).toBe(200);
    await page.waitForFunction(`document.querySelectorAll('picture').length >= ${pictures}`, undefined, { timeout: 15_000 });
    const report = (await page.evaluate(COLLECT_IMAGES)) as ImageReport[];
    const srcsets = await page
      .locator('picture source, picture img')
      .evaluateAll((elements) =>
        elements.map((element) => (element as unknown as { getAttribute(name: string): string | null }).getAttribute('srcset') ?? ''),
      );
    const candidates = srcsets.flatMap((srcset) => srcset.split(',').map((candidate) => candidate.trim().split(/\s+/)[0]!)).filter(Boolean);
    return { report, candidates, errors };
  } finally {
    await page.close();
  }
}

const VITE_EXAMPLES = [
  { name: 'vite-html', pictures: { '/': 3, '/about/': 1 } as Record<string, number> },
  // Rendered client-side: the <picture> elements appear once the bundle has run.
  { name: 'vite-react', pictures: { '/': 3 } as Record<string, number> },
  // Vue and Svelte templates, client-rendered the same way.
  { name: 'vite-vue', pictures: { '/': 3 } as Record<string, number> },
  { name: 'vite-svelte', pictures: { '/': 3 } as Record<string, number> },
];

for (const example of VITE_EXAMPLES) {
  describe(`the ${example.name} example, built with vite build, in Chromium`, () => {
    let dist: string;
    let server: Server;
    let origin: string;

    beforeAll(async () => {
      const root = await copySite(path.join(examples, example.name));
      const build = await viteBuild(root);
      expect(build.code, build.output).toBe(0);
      dist = path.join(root, 'dist');
      server = await serve(dist);
      origin = originOf(server);
    });

    afterAll(async () => {
      await closeServer(server);
    });

    test('builds every page, with no marker left', async () => {
      expect(await htmlPages(dist)).toEqual(Object.keys(example.pictures).sort());
      for (const pathname of Object.keys(example.pictures)) {
        const html = await readFile(path.join(dist, pathname, 'index.html'), 'utf8');
        expect(html.replace(/<!--[\s\S]*?-->/g, ''), pathname).not.toContain('<GenImage');
      }
      const scripts = (await readdir(path.join(dist, 'assets'))).filter((file) => file.endsWith('.js'));
      for (const script of scripts)
        expect(await readFile(path.join(dist, 'assets', script), 'utf8'), script).not.toContain('reached the browser unreplaced');
    });

    test('every image loads, with alt, width and height, and every srcset candidate answers 200', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const candidates = new Set<string>();
      try {
        for (const [pathname, pictures] of Object.entries(example.pictures)) {
          const { report, candidates: found, errors } = await visit(context, origin + pathname, pictures);
          expect(errors, pathname).toEqual([]);
          expect(report, pathname).toHaveLength(pictures);
          for (const image of report) {
            const label = `${pathname} ${image.currentSrc || image.src}`;
            expect(image.naturalWidth, label).toBeGreaterThan(0);
            expect(image.alt, label).toBeTruthy();
            expect(Number(image.width), label).toBeGreaterThan(0);
            expect(Number(image.height), label).toBeGreaterThan(0);
            expect(image.pending, label).toBe(false);
            expect(image.inPicture, label).toBe(true);
            // Chromium picks the first <source> it supports: AVIF.
            expect(image.currentSrc, label).toMatch(/\.avif$/);
          }
          // A <source> per modern format (AVIF, WebP) and the <img>, each with candidates.
          expect(found.length, pathname).toBeGreaterThanOrEqual(3 * pictures);
          for (const url of found) candidates.add(url);
        }
      } finally {
        await context.close();
      }
      for (const url of candidates) {
        const response = await fetch(new URL(url, origin));
        expect(response.status, url).toBe(200);
        expect(response.headers.get('content-type'), url).toMatch(/^image\//);
      }
    });
  });
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Colours {
  /** Distinct RGB colours. */
  distinct: number;
  /** The share of pixels of the commonest colour, 0-1. */
  commonest: number;
}

/** The first picture's image, in page coordinates (those of a full-page screenshot). */
const FIRST_PICTURE_BOX = `(() => {
  const rect = document.querySelector('picture img').getBoundingClientRect();
  return { x: Math.round(rect.left + scrollX), y: Math.round(rect.top + scrollY), width: Math.floor(rect.width), height: Math.floor(rect.height) };
})()`;

/** Runs in a page showing the screenshot: its colours, over all of it and inside `box`. */
function PIXEL_STATS(box: Box): string {
  return `(() => {
  const img = document.images[0];
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const colours = (x, y, width, height) => {
    const data = context.getImageData(x, y, width, height).data;
    const counts = new Map();
    for (let i = 0; i < data.length; i += 4) {
      const colour = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      counts.set(colour, (counts.get(colour) ?? 0) + 1);
    }
    let commonest = 0;
    for (const count of counts.values()) commonest = Math.max(commonest, count);
    return { distinct: counts.size, commonest: commonest / (data.length / 4) };
  };
  const box = ${JSON.stringify(box)};
  return { page: colours(0, 0, canvas.width, canvas.height), image: colours(box.x, box.y, box.width, box.height) };
})()`;
}
