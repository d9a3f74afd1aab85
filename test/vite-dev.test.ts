/**
 * `vite` dev with @genimage/vite on the Vite examples (copied to test/.tmp), in-process
 * through Vite's `createServer`, over HTTP on 127.0.0.1, against the image API test server.
 * HTML pages, React modules and Vue and Svelte components render at once (a sized pending `<img>` while the images are
 * generated in the background), then their `<picture>`, whose every URL the dev middleware
 * serves; an edited prompt is generated on the next request, once.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GenImageConfig } from '@genimage/core';
import { startTestServer, type TestServer } from '@genimage/test-server';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import react from '@vitejs/plugin-react';
import vue from '@vitejs/plugin-vue';
import type { PluginOption } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copySite, removeTemps, viteDev } from './fixtures/astro-harness/harness.ts';
import { serveWithGenImage } from './fixtures/vite-dev-harness/harness.ts';

const examples = path.resolve(import.meta.dirname, '../examples');
/** Small and few variants: the images are 64 px on their long edge. */
const CONFIG: GenImageConfig = {
  provider: 'shark',
  render: { widths: [32, 64], formats: ['webp'], fallbackFormat: 'jpeg', quality: 70 },
  dev: { settleMs: 0 },
};
/** How long the API takes to answer while a test wants to see pending images. */
const SLOW = { kind: 'delay', ms: 3000 } as const;

let api: TestServer;

beforeAll(async () => {
  api = await startTestServer({ longEdge: { '1K': 64 } });
});
afterAll(async () => {
  await api?.close();
  await removeTemps();
});

interface Dev {
  root: string;
  url: string;
  /** HMR messages the server sent to a connected client, by type (`custom <event>` for a custom event). */
  messages: string[];
  /** The `error` payloads among them: what Vite's overlay shows. */
  errors: { message: string; id?: string; loc?: { file?: string; line: number; column: number } }[];
  /** `status body` of a GET. */
  get(pathname: string): Promise<string>;
  /** Polls until the answer is 200 and `check` holds for its body; returns the body. */
  until(pathname: string, check: (body: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

/** A copy of `example` served by Vite on a free port, with an HMR client connected. */
async function startDev(example: string, plugins: PluginOption[] = [], config: GenImageConfig = CONFIG): Promise<Dev> {
  const root = await copySite(path.join(examples, example));
  const { server, url, port, logged } = await serveWithGenImage(root, api, config, plugins);
  const messages: string[] = [];
  const errors: Dev['errors'] = [];
  const socket = new WebSocket(`ws://127.0.0.1:${port}/?token=${server.config.webSocketToken}`, 'vite-hmr');
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { type: string; event?: string; err?: Dev['errors'][number] };
    messages.push(message.type === 'custom' ? `custom ${message.event}` : message.type);
    if (message.type === 'error' && message.err) errors.push(message.err);
  });
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve);
    socket.addEventListener('error', reject);
  });
  const get = async (pathname: string) => {
    const response = await fetch(url + pathname);
    return `${response.status} ${await response.text()}`;
  };
  return {
    root,
    url,
    messages,
    errors,
    get,
    async until(pathname, check, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const answer = await get(pathname);
        if (answer.startsWith('200 ') && check(answer.slice(4))) return answer.slice(4);
        if (Date.now() > deadline) throw new Error(`timed out waiting on ${pathname}:\n${answer}\n--- log:\n${logged.join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async close() {
      socket.close();
      await server.close();
    },
  };
}

/** The HTML without its comments, where a marker is only text. */
const uncommented = (html: string) => html.replace(/<!--[\s\S]*?-->/g, '');

/** The `<picture>` elements of a page. */
const pictures = (html: string) => (html.match(/<picture>[\s\S]*?<\/picture>/g) ?? []).join('\n');

/** Every URL of the `srcset`/`src` (HTML) or `srcSet`/`src` (compiled JSX) values: data URLs aside. */
function imageUrls(text: string): string[] {
  const urls = new Set<string>();
  for (const [, value] of text.matchAll(/\b(?:srcset|srcSet|src)(?:=|:\s*)"([^"]*)"/g)) {
    for (const candidate of value!.split(',')) {
      const url = candidate.trim().split(/\s+/)[0];
      if (url && !url.startsWith('data:')) urls.add(url);
    }
  }
  return [...urls].sort();
}

/** Every image URL answers 200 with an image content type and some bytes. */
async function expectServed(dev: Dev, urls: readonly string[]): Promise<void> {
  for (const url of urls) {
    const response = await fetch(dev.url + url);
    expect(response.status, url).toBe(200);
    expect(response.headers.get('content-type'), url).toMatch(/^image\//);
    expect((await response.arrayBuffer()).byteLength, url).toBeGreaterThan(0);
  }
}

const prompts = () => api.requests.map((request) => (request.body as { prompt: string }).prompt).sort();

/** `<img data-genimage-pending>` with a width and a height, in HTML or in compiled JSX. */
const PENDING_HTML = /<img [^>]*width="\d+" height="\d+"[^>]*data-genimage-pending/;

/**
 * With `aspectRatio="4:3"` made `"7:5"` after `anchor` in `file`, `pathname` answers 500 with
 * Vite's error overlay at the marker (the `<GenImage` that `anchor` starts with), naming the
 * error, which the open pages are sent too. Returns the answer; the file is restored after.
 */
async function expectOverlayAt(dev: Dev, file: string, anchor: string, pathname: string): Promise<string> {
  const full = path.join(dev.root, file);
  const before = await readFile(full, 'utf8');
  const at = before.indexOf(anchor);
  const edited = before.slice(0, at) + before.slice(at).replace('aspectRatio="4:3"', 'aspectRatio="7:5"');
  await writeFile(full, edited);
  try {
    const where = positionOf(edited, anchor);
    const answer = await dev.get(pathname);
    expect(answer).toMatch(/^500 /);
    const error = overlayOf(answer);
    expect(error.message).toContain(`${file}:${where.line}:${where.column}: A <GenImage> attribute has an invalid value`);
    expect(error.message).toContain('aspectRatio="7:5" is not supported');
    expect(error.loc).toMatchObject({ line: where.line, column: where.column });
    expect(dev.errors.map((sent) => sent.message)).toContain(error.message);
    return answer;
  } finally {
    await writeFile(full, before);
  }
}

/** Where `part` starts in `text`: 1-based line and column. */
function positionOf(text: string, part: string): { line: number; column: number } {
  const lines = text.slice(0, text.indexOf(part)).split('\n');
  return { line: lines.length, column: lines.at(-1)!.length + 1 };
}

/** The error overlay's payload in Vite's 500 page: `const error = {...}`. */
function overlayOf(body: string): { message: string; loc?: { file?: string; line: number; column: number } } {
  const json = /const error = (\{.*\})\n/.exec(body)?.[1];
  if (!json) throw new Error(`no error overlay in:\n${body.slice(0, 500)}`);
  return JSON.parse(json) as never;
}

describe('vite dev: the HTML example', () => {
  let dev: Dev;
  beforeAll(async () => {
    api.reset();
    api.always(SLOW);
    dev = await startDev('vite-html');
  });
  afterAll(async () => {
    api.always(undefined);
    await dev?.close();
  });

  test('pages answer 200 with pending images while generating, then pictures whose every URL is served', async () => {
    for (const pathname of ['/', '/about/']) {
      const answer = await dev.get(pathname);
      expect(answer, pathname).toMatch(/^200 /);
      expect(uncommented(answer), pathname).not.toContain('<GenImage');
      expect(answer, pathname).toMatch(PENDING_HTML);
      expect(answer, pathname).toContain('<script type="module" src="/@id/virtual:genimage/client"></script>');
      if (pathname === '/')
        expect(answer).toMatch(
          /<img src="data:image\/svg\+xml,[^"]+" alt="A tide pool with starfish and anemones" width="64" height="36"[^>]*data-genimage-pending>/,
        );
      // Only pending pictures: none has its sources yet.
      expect(answer, pathname).not.toContain('<source');
    }
    api.always(undefined);
    for (const [pathname, count] of [
      ['/', 3],
      ['/about/', 1],
    ] as const) {
      const html = await dev.until(pathname, (text) => !text.includes('data-genimage-pending') && text.includes('<picture>'));
      expect(uncommented(html), pathname).not.toContain('<GenImage');
      expect(html.match(/<picture>/g), pathname).toHaveLength(count);
      const urls = imageUrls(pictures(html));
      expect(urls.length, pathname).toBeGreaterThanOrEqual(2 * count);
      expect(
        urls.every((url) => url.startsWith('/assets/')),
        urls.join('\n'),
      ).toBe(true);
      await expectServed(dev, urls);
    }
    // A name the renderer never gave is passed on: 404 (without text/html in Accept, Vite's SPA fallback stays out).
    const unknown = await fetch(`${dev.url}/assets/a-rocky-tide-pool-at-low-tide-00000000-32.webp`, { headers: { accept: 'image/webp' } });
    expect(unknown.status).toBe(404);
    // Each live marker once; the commented-out one never.
    expect(prompts()).toEqual([
      'a hermit crab in a spiral shell on wet sand, macro photograph',
      'a notebook and a hand lens on a wet rock by the sea, watercolor',
      'a purple sea urchin in a rock crevice, macro photograph',
      'a rocky tide pool at low tide, starfish and anemones, morning light, photograph',
    ]);
    // Swapped in place, never reloaded: the pages load the client that listens for it.
    expect(dev.messages).toContain('custom genimage:ready');
    expect(dev.messages).not.toContain('full-reload');
    const client = await dev.get('/@id/virtual:genimage/client');
    expect(client).toMatch(/^200 [\s\S]*genimage:ready[\s\S]*data-genimage-place/);
  });

  test("an edited marker's prompt: the page served next shows the new image, asked for once", async () => {
    await dev.until('/about/', (text) => !text.includes('data-genimage-pending') && text.includes('<picture>'));
    api.reset();
    const file = path.join(dev.root, 'about/index.html');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(
        'a notebook and a hand lens on a wet rock by the sea',
        'a lighthouse on a rocky point at dusk',
      ),
    );
    const html = await dev.until('/about/', (text) => text.includes('/assets/a-lighthouse-on-a-rocky-point'));
    expect(html).not.toContain('a-notebook-and-a-hand-lens');
    await expectServed(dev, imageUrls(pictures(html)));
    expect(prompts()).toEqual(['a lighthouse on a rocky point at dusk, watercolor']);
  });

  test('an invalid marker: a 500 with Vite’s error overlay naming file:line:col and why, also sent to the open pages', async () => {
    // The marker's place (its tag), as every rendering error of Vite's pages names it.
    const answer = await expectOverlayAt(dev, 'about/index.html', '<GenImage', '/about/');
    expect(answer).not.toContain('<h1>About</h1>');
    expect(await dev.until('/about/', (text) => text.includes('<h1>About</h1>'))).not.toContain('7:5');
  });
});

describe('vite dev: on demand, once the declaration settles', () => {
  let dev: Dev;
  beforeAll(async () => {
    api.reset();
    dev = await startDev('vite-html', [], { ...CONFIG, dev: { settleMs: 600 } });
  });
  afterAll(async () => {
    await dev?.close();
  });

  test('with two pages, opening only / generates only its markers', async () => {
    await dev.until('/', (text) => !text.includes('data-genimage-pending') && text.includes('<picture>'));
    expect(prompts()).toEqual([
      'a hermit crab in a spiral shell on wet sand, macro photograph',
      'a purple sea urchin in a rock crevice, macro photograph',
      'a rocky tide pool at low tide, starfish and anemones, morning light, photograph',
    ]);
  });

  test('five quick saves of one prompt, 200 ms apart: one request, for the last', async () => {
    api.reset();
    const file = path.join(dev.root, 'about/index.html');
    const before = await readFile(file, 'utf8');
    const typed = ['a bird', 'a bird on', 'a bird on a', 'a bird on a wire', 'a bird on a wire at dawn'];
    for (const prompt of typed) {
      await writeFile(file, before.replace('a notebook and a hand lens on a wet rock by the sea', prompt));
      expect(await dev.get('/about/')).toMatch(PENDING_HTML);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await dev.until('/about/', (text) => text.includes('/assets/a-bird-on-a-wire-at-dawn'));
    expect(prompts()).toEqual(['a bird on a wire at dawn, watercolor']);
  });
});

describe('vite dev, a real process: Ctrl-C keeps what was paid for', () => {
  test('SIGINT with answers under way: they are stored, and a restart pays nothing', async () => {
    api.reset();
    api.always({ kind: 'delay', ms: 1000 });
    const root = await copySite(path.join(examples, 'vite-html'));
    await writeFile(path.join(root, 'genimage.config.mjs'), `export default ${JSON.stringify(CONFIG)};\n`);
    const env = { SHARK_API_KEY: api.apiKey, SHARK_BASE_URL: api.baseUrl };
    const first = await viteDev(root, env);
    expect(await (await fetch(`${first.url}/`)).text()).toMatch(PENDING_HTML);
    for (const deadline = Date.now() + 10_000; api.requests.length < 3; ) {
      if (Date.now() > deadline) throw new Error(`no requests sent:\n${first.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const code = await first.interrupt();
    expect(first.output()).toContain('Stopping: no new request is sent');
    expect(first.output()).toContain('Stored 3 image(s) that were under way');
    expect(code).toBe(130);
    api.reset();
    api.always(undefined);
    const second = await viteDev(root, env);
    try {
      const html = await (await fetch(`${second.url}/`)).text();
      expect(html.match(/<picture>/g)).toHaveLength(3);
      expect(html).not.toContain('data-genimage-pending');
      expect(api.requests).toHaveLength(0);
    } finally {
      await second.stop();
    }
  });
});

describe('vite dev: a failure recovers', () => {
  test('React: the module says when it retries; with the API back, the next page request after that retries it', async () => {
    api.reset();
    api.always({ kind: 'error', status: 503 });
    const config: GenImageConfig = { ...CONFIG, retries: { maxAttempts: 1 }, dev: { settleMs: 0, retryAfterMs: 300 } };
    const dev = await startDev('vite-react', [react()], config);
    try {
      await dev.get('/src/App.tsx');
      const failed = await dev.until('/src/App.tsx', (text) => text.includes('data-genimage-failed'));
      expect(failed).toContain('Tried again on the first request for this page after');
      api.always(undefined);
      await new Promise((resolve) => setTimeout(resolve, 400));
      // Vite serves the module as compiled until a page is requested.
      await fetch(`${dev.url}/`, { headers: { accept: 'text/html' } });
      await dev.until('/src/App.tsx', (text) => !text.includes('data-genimage-pending') && text.includes('/assets/'));
    } finally {
      await dev.close();
    }
  });
});

describe('vite dev: the React example', () => {
  let dev: Dev;
  beforeAll(async () => {
    api.reset();
    api.always(SLOW);
    dev = await startDev('vite-react', [react()]);
  });
  afterAll(async () => {
    api.always(undefined);
    await dev?.close();
  });

  test('the component module holds the compiled picture JSX, pending first, its URLs served once generated', async () => {
    const pending = await dev.get('/src/App.tsx');
    expect(pending).toMatch(/^200 /);
    expect(pending).not.toContain('<GenImage');
    // The stub is imported, never called nor rendered.
    expect(pending).not.toMatch(/\bGenImage\s*\(|\(\s*GenImage\s*,/);
    // 21:9 at 1K, the size the image will have: no layout shift when it arrives.
    expect(pending).toMatch(/alt: "A night market under paper lanterns",\s+width: 64,\s+height: 27,[^}]*"data-genimage-pending": true/);
    api.always(undefined);
    // Invalidated once the images exist: the next request compiles it again.
    const code = await dev.until(
      '/src/App.tsx',
      (text) => !text.includes('data-genimage-pending') && (text.match(/"picture"/g) ?? []).length === 3,
    );
    expect(code).not.toContain('<GenImage');
    expect(code).not.toMatch(/\bGenImage\s*\(|\(\s*GenImage\s*,/);
    expect(code).toMatch(/srcSet: "\/assets\/a-busy-night-market-with-[^"]+-32\.webp 32w/);
    // The marker's expression stays on the <img>.
    expect(code).toContain('className: styles.hero');
    const urls = imageUrls(code);
    expect(urls.length).toBeGreaterThanOrEqual(6);
    expect(
      urls.every((url) => url.startsWith('/assets/')),
      urls.join('\n'),
    ).toBe(true);
    await expectServed(dev, urls);
    expect(prompts()).toEqual([
      'a busy night market with paper lanterns and food stalls, rain on the street, photograph',
      'a glass of iced milk tea with tapioca pearls, close-up photograph',
      'steaming dumplings in a bamboo basket, close-up photograph',
    ]);
    // An HMR update of the component (React keeps its state), never a reload.
    expect(dev.messages).toContain('update');
    expect(dev.messages).not.toContain('full-reload');
  });

  test("an edited marker's prompt: the module served next shows the new image, asked for once", async () => {
    await dev.until('/src/App.tsx', (text) => !text.includes('data-genimage-pending'));
    api.reset();
    const file = path.join(dev.root, 'src/App.tsx');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace('a glass of iced milk tea with tapioca pearls', 'a pot of jasmine tea on a wooden counter'),
    );
    const code = await dev.until('/src/App.tsx', (text) => text.includes('/assets/a-pot-of-jasmine-tea-on-a'));
    expect(code).not.toContain('a-glass-of-iced-milk-tea');
    await expectServed(dev, imageUrls(code));
    expect(prompts()).toEqual(['a pot of jasmine tea on a wooden counter, close-up photograph']);
  });

  test('an invalid marker: the module answers 500 and Vite’s overlay names file:line:col and why', async () => {
    await expectOverlayAt(dev, 'src/App.tsx', '<GenImage\n            prompt="steaming dumplings', '/src/App.tsx');
    expect(await dev.until('/src/App.tsx', (text) => text.includes('"picture"'))).not.toContain('7:5');
  });
});

const TEMPLATE_EXAMPLES = [
  {
    example: 'vite-vue',
    module: '/src/App.vue',
    plugin: vue,
    from: 'an orange starfish on a wet rock',
    to: 'a purple sea urchin in a crevice',
  },
  {
    example: 'vite-svelte',
    module: '/src/App.svelte',
    plugin: svelte,
    from: 'a cast-iron wood stove glowing',
    to: 'a copper kettle steaming',
  },
];

for (const { example, module, plugin, from, to } of TEMPLATE_EXAMPLES) {
  describe(`vite dev: the ${example} example`, () => {
    let dev: Dev;
    beforeAll(async () => {
      api.reset();
      api.always(SLOW);
      dev = await startDev(example, [plugin()]);
    });
    afterAll(async () => {
      api.always(undefined);
      await dev?.close();
    });

    test('the component shows sized pending images, then its pictures once generated, every URL served', async () => {
      const pending = await dev.get(module);
      expect(pending).toMatch(/^200 /);
      expect(pending).not.toContain('<GenImage');
      // 21:9 at the largest width the picture will offer (widths 32, 64): no layout shift when it arrives.
      expect(pending).toMatch(/width[=:] ?\\?"?64\\?"?[^>]*height[=:] ?\\?"?27/);
      expect(pending).toContain('data-genimage-pending');
      api.always(undefined);
      // Invalidated once the images exist: the next request compiles it again.
      const code = await dev.until(module, (text) => !text.includes('data-genimage-pending') && text.includes('/assets/'));
      const urls = imageUrls(code);
      expect(urls.length, code).toBeGreaterThanOrEqual(6);
      await expectServed(dev, urls);
      expect(prompts()).toHaveLength(3);
      // A hot update of the component, as for React: no page reload.
      expect(dev.messages).toContain('update');
      expect(dev.messages).not.toContain('full-reload');
    });

    test("an edited marker's prompt: the module served next shows the new image, asked for once", async () => {
      api.reset();
      const file = path.join(dev.root, module);
      await writeFile(file, (await readFile(file, 'utf8')).replace(from, to));
      const slug = to.replaceAll(' ', '-').slice(0, 20);
      const code = await dev.until(module, (text) => text.includes(`/assets/${slug}`));
      await expectServed(dev, imageUrls(code));
      expect(prompts()).toEqual([expect.stringContaining(to)]);
    });
  });
}
