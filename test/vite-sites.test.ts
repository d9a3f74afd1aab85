/**
 * Plain Vite sites through real `vite build`s: HTML pages (multi-page) and React components. The
 * image API is the only fake. Scanned means rendered, or refused: no build ships a raw <GenImage>.
 */
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestServer, type TestServer } from '@genimage/test-server';
import genimage from '@genimage/vite';
import react from '@vitejs/plugin-react';
import { build, type PluginOption } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copySite, removeTemps } from './fixtures/astro-harness/harness.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ longEdge: { '1K': 64 } });
});
afterAll(async () => {
  await server?.close();
  await removeTemps();
});

interface SiteBuild {
  base?: string;
  frozen?: boolean;
  input?: Record<string, string>;
  plugins?: PluginOption[];
  ssr?: string;
}

/** `vite build` of `root` with the plugin (small WebP variants), in this process; resolves to the error, if any, and what was logged. */
async function viteBuild(root: string, options: SiteBuild = {}): Promise<{ error: Error | undefined; log: string }> {
  const lines: string[] = [];
  const log = (line: string) => void lines.push(line);
  const error = await build({
    root,
    logLevel: 'silent',
    configFile: false,
    ...(options.base && { base: options.base }),
    build: {
      ...(options.input && {
        rollupOptions: { input: Object.fromEntries(Object.entries(options.input).map(([name, file]) => [name, path.join(root, file)])) },
      }),
      ...(options.ssr && { ssr: options.ssr, outDir: 'dist-server' }),
    },
    plugins: [
      genimage({
        configFile: false,
        config: {
          retries: { maxAttempts: 1 },
          render: { widths: [32, 64], formats: ['webp'], fallbackFormat: 'jpeg', quality: 70, avifEffort: 2 },
        },
        env: { SHARK_API_KEY: server.apiKey, SHARK_BASE_URL: server.baseUrl, ...(options.frozen && { CI: '1' }) },
        variantsCacheDir: path.join(root, '.variants'),
        logger: { debug: log, info: log, warn: log, error: log },
      }),
      ...(options.plugins ?? []),
    ],
  }).then(
    () => undefined,
    (caught: unknown) => caught as Error,
  );
  return { error, log: lines.join('\n') };
}

const prompts = () => server.requests.map((request) => (request.body as { prompt: string }).prompt).sort();
const PAGES = { main: 'index.html', about: 'about/index.html' };

/** Every image URL of a page or chunk, and whether each file exists under dist/ (base stripped). */
function imageUrls(text: string): string[] {
  return [...new Set([...text.matchAll(/(\/[\w/-]*assets\/[\w.-]+\.(?:webp|jpg|avif))/g)].map((match) => match[1]!))];
}

describe('vite build of HTML pages', () => {
  let root: string;

  test('cold: one request per distinct marker, every page gets its <picture>, every file it names is in dist', async () => {
    root = await copySite('fixtures/vite-multipage');
    server.reset();
    const { error, log } = await viteBuild(root, { input: PAGES });
    expect(error, log).toBeUndefined();
    expect(prompts()).toEqual(['a heron, "grey"', 'a kingfisher & a reed', 'an otter in a river\n  at dawn']);
    for (const page of Object.values(PAGES)) {
      const html = await readFile(path.join(root, 'dist', page), 'utf8');
      expect(html).not.toContain('<GenImage');
      expect(html).toMatch(
        /<picture><source type="image\/webp" srcset="\/assets\/[\w-]+-32\.webp 32w, \/assets\/[\w-]+-64\.webp 64w" sizes="[^"]+"><img src="\/assets\/[\w-]+-64\.jpg" [^>]*alt="[^"]+" width="64" height="64" loading="lazy" decoding="async"/,
      );
      for (const url of imageUrls(html)) expect(existsSync(path.join(root, 'dist', url)), url).toBe(true);
    }
    expect(await readFile(path.join(root, 'dist/index.html'), 'utf8')).toContain('alt="A kingfisher"');
  });

  test('warm: no request and nothing encoded', async () => {
    server.reset();
    const { error, log } = await viteBuild(root, { input: PAGES });
    expect(error, log).toBeUndefined();
    expect(server.requests).toHaveLength(0);
    expect(log).toMatch(/variant\(s\): 0 encoded, \d+ reused/);
  });

  test('with base set to a subpath, every URL carries it', async () => {
    const { error, log } = await viteBuild(root, { input: PAGES, base: '/sub/' });
    expect(error, log).toBeUndefined();
    const html = await readFile(path.join(root, 'dist/about/index.html'), 'utf8');
    expect(imageUrls(html).length).toBeGreaterThan(0);
    expect(imageUrls(html).every((url) => url.startsWith('/sub/assets/'))).toBe(true);
  });

  test('with a relative base, a page in a subfolder reaches the files one folder up', async () => {
    const { error, log } = await viteBuild(root, { input: PAGES, base: './' });
    expect(error, log).toBeUndefined();
    const about = [...(await readFile(path.join(root, 'dist/about/index.html'), 'utf8')).matchAll(/(?:src|srcset)="([^"]+)"/g)].flatMap(
      (match) => match[1]!.split(', ').map((candidate) => candidate.split(' ')[0]!),
    );
    expect(about.length).toBeGreaterThan(0);
    expect(about.every((url) => url.startsWith('../assets/'))).toBe(true);
    for (const url of about) expect(existsSync(path.join(root, 'dist/about', url)), url).toBe(true);
    expect((await readFile(path.join(root, 'dist/index.html'), 'utf8')).match(/src="([^"]+)"/)?.[1]).toMatch(/^\.\/assets\//);
  });

  test('a lowercase <genimage> (HTML names have no case) is rendered with its attributes read as HTML reads them', async () => {
    const site = await copySite('fixtures/vite-multipage');
    await appendFile(path.join(site, 'index.html'), '<genimage prompt="a lowercase heron" aspectratio="16:9" alt="Low"></genimage>\n');
    server.reset();
    const { error, log } = await viteBuild(site, { input: PAGES });
    expect(error, log).toBeUndefined();
    expect(prompts()).toContain('a lowercase heron');
    const html = await readFile(path.join(site, 'dist/index.html'), 'utf8');
    expect(html).not.toMatch(/<genimage/i);
    expect(html).toMatch(/<img [^>]*alt="Low" width="64" height="36"/);
  });

  test('frozen with an image missing: fails naming the marker, sends nothing', async () => {
    await appendFile(path.join(root, 'about/index.html'), '<GenImage prompt="a new picture nobody generated" alt="New" />\n');
    server.reset();
    const { error } = await viteBuild(root, { input: PAGES, frozen: true });
    expect(error?.message).toMatch(/about\/index\.html:\d+:1\s+missing: "a new picture nobody generated"/);
    expect(server.requests).toHaveLength(0);
  });

  test("the build log shows a prompt's control characters escaped and never the API key", async () => {
    const site = await copySite('fixtures/vite-multipage');
    await appendFile(path.join(site, 'index.html'), `<GenImage prompt="&#27;]0;pwned&#7; &#27;[2J with ${server.apiKey}" alt="x" />\n`);
    const { error, log } = await viteBuild(site, { input: PAGES });
    expect(error, log).toBeUndefined();
    expect(log).toContain('\\x1b]0;pwned\\x07 \\x1b[2J with ***');
    expect(log).not.toContain('\x1b');
    expect(log).not.toContain(server.apiKey);
  });

  test('a <GenImage> written in an attribute value or an inline script string is an example, not a marker: neither generated nor refused, left as written', async () => {
    const site = await copySite('fixtures/vite-multipage');
    const index = path.join(site, 'index.html');
    const examples = `<div title='<GenImage prompt="in an attribute" alt="y" />'>t</div>\n<script>const s = '<GenImage prompt="in a script" alt="w" />';</script>\n`;
    await writeFile(index, (await readFile(index, 'utf8')).replace('</body>', `${examples}</body>`));
    const { error } = await viteBuild(site, { input: PAGES });
    // The scanner and the output check read the page through one parser (parseMarkers): they agree.
    expect(error).toBeUndefined();
    expect(prompts().filter((prompt) => prompt.startsWith('in a'))).toEqual([]);
    const built = await readFile(path.join(site, 'dist/index.html'), 'utf8');
    expect(built).toContain(`title='<GenImage prompt="in an attribute" alt="y" />'`);
    expect(built).toContain(`const s = '<GenImage prompt="in a script" alt="w" />';`);
  });

  test('a raw tag that no transform can render fails the build, naming where it is', async () => {
    const site = await copySite('fixtures/vite-multipage');
    await writeFile(
      path.join(site, 'inject.js'),
      'document.body.insertAdjacentHTML(\'beforeend\', \'<GenImage prompt="sneaked in" alt="" />\');\n',
    );
    const index = path.join(site, 'index.html');
    await writeFile(index, (await readFile(index, 'utf8')).replace('</body>', '<script type="module" src="/inject.js"></script>\n</body>'));
    const { error } = await viteBuild(site, { input: PAGES });
    expect(error?.message).toContain('<GenImage> marker(s) were not rendered');
    expect(error?.message).toContain('inject.js: a raw <GenImage> tag in the JavaScript of assets/');
  });
});

describe('vite build of React components', () => {
  let root: string;

  test('cold: each literal <GenImage> becomes its <picture> JSX; the stub never reaches the bundle', async () => {
    root = await copySite('../examples/vite-react');
    server.reset();
    const { error, log } = await viteBuild(root, { plugins: [react()] });
    expect(error, log).toBeUndefined();
    expect(prompts()).toHaveLength(3);
    const chunks = (await import('node:fs/promises')).readdir(path.join(root, 'dist/assets'));
    const js = await Promise.all(
      (await chunks).filter((file) => file.endsWith('.js')).map((file) => readFile(path.join(root, 'dist/assets', file), 'utf8')),
    );
    const code = js.join('\n');
    expect(code).toMatch(/srcSet:\s*[`"]\/assets\/a-busy-night-market-with-paper-[0-9a-f]{8}-32\.webp 32w/);
    expect(code).not.toContain('reached the browser unreplaced');
    for (const url of imageUrls(code)) expect(existsSync(path.join(root, 'dist', url)), url).toBe(true);
  });

  test('server rendering (a Vite SSR build) gives the same <picture> markup and files', async () => {
    const { error, log } = await viteBuild(root, { plugins: [react()], ssr: 'src/entry-server.tsx' });
    expect(error, log).toBeUndefined();
    const { render } = (await import(pathToFileURL(path.join(root, 'dist-server/entry-server.js')).href)) as { render: () => string };
    const html = render();
    expect(html).not.toContain('GenImage');
    expect(html.match(/<picture>/g)).toHaveLength(3);
    expect(html).toMatch(
      /<img src="\/assets\/a-busy-night-market-with-paper-[0-9a-f]{8}-64\.jpg" srcSet="[^"]+" sizes="[^"]+" alt="A night market under paper lanterns" width="64" height="27" loading="eager" decoding="async" fetchPriority="high" style="background-image:[^"]+" class="_hero_[^"]+"\/>/,
    );
    for (const url of imageUrls(html)) expect(existsSync(path.join(root, 'dist', url)), url).toBe(true);
  });

  test('a rendering attribute the build cannot read fails at its location', async () => {
    const site = await copySite('../examples/vite-react');
    const app = path.join(site, 'src/App.tsx');
    await writeFile(app, (await readFile(app, 'utf8')).replace('seed={32}', 'seed={32} widths={sizesFor("stall")}'));
    const { error } = await viteBuild(site, { plugins: [react()] });
    expect(error?.message).toMatch(/src\/App\.tsx:\d+:\d+: .*widths=\{sizesFor\("stall"\)\} is an expression/);
  });

  test('a <GenImage> the plugin could not replace (not a literal tag) fails the build', async () => {
    const site = await copySite('../examples/vite-react');
    await writeFile(
      path.join(site, 'src/legacy.js'),
      "import { GenImage } from '@genimage/vite/react';\nimport { createElement } from 'react';\nexport const legacy = () => createElement(GenImage, { prompt: 'made in code', alt: '' });\n",
    );
    const main = path.join(site, 'src/main.tsx');
    await writeFile(main, `import { legacy } from './legacy.js';\nconsole.log(legacy);\n${await readFile(main, 'utf8')}`);
    const { error } = await viteBuild(site, { plugins: [react()] });
    expect(error?.message).toContain('<GenImage> from @genimage/vite/react is used but was not replaced');
    expect(error?.message).toContain('src/legacy.js');
  });
});
