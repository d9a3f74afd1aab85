/**
 * The Astro integration end to end: the real `astro build` of a tiny fixture site, the remote API
 * faked by the test server. The tests run in order on one copy: cold, warm, one edit, frozen.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startTestServer, type TestServer } from '@genimage/test-server';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { assetsPrefixFor } from '../packages/astro/src/options.ts';
import { astroBuild, copySite, removeTemps } from './fixtures/astro-harness/harness.ts';

let server: TestServer;
let root: string;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer({ longEdge: { '1K': 64 } });
  env = { SHARK_API_KEY: server.apiKey, SHARK_BASE_URL: server.baseUrl };
  root = await copySite('fixtures/astro-basic');
});
beforeEach(() => server.reset());
afterAll(async () => {
  await server?.close();
  await removeTemps();
});

const html = (page: string) => readFile(path.join(root, 'dist', page), 'utf8');
const prompts = () => server.requests.map((request) => (request.body as { prompt: string }).prompt).sort();

describe('astro build', () => {
  test('cold: generates each distinct image once through the API and emits <picture> markup', async () => {
    const build = await astroBuild(root, env);
    expect(build.code, build.output).toBe(0);
    expect(prompts()).toEqual([
      'a lighthouse at dusk',
      'a mountain lake at sunrise',
      'a paper boat on a puddle',
      'a red fox asleep in fresh snow',
    ]);
    expect(build.output).toMatch(/5 marker\(s\) in 3 file\(s\) · 4 image request\(s\): 4 generated, 0 reused, 0 failed/);

    const index = await html('index.html');
    // The fox: 64×36 original, WebP (inline option) + JPEG fallback, sized, lazy, alt kept.
    expect(index).toMatch(
      /<picture><source type="image\/webp" srcset="\/_astro\/a-red-fox-asleep-in-fresh-snow-[0-9a-f]{8}-32\.webp 32w, \/_astro\/a-red-fox-asleep-in-fresh-snow-[0-9a-f]{8}-64\.webp 64w" sizes="\(min-width: 64px\) 64px, 100vw">/,
    );
    expect(index).toMatch(
      /<img src="\/_astro\/a-red-fox-asleep-in-fresh-snow-[0-9a-f]{8}-64\.jpg" srcset="[^"]+" sizes="[^"]+" alt="A sleeping fox" width="64" height="36" loading="lazy" decoding="async"/,
    );
    // The one marker that asks for AVIF gets it, decorative alt="" and eager loading kept.
    expect(index).toMatch(/<source type="image\/avif" srcset="\/_astro\/a-lighthouse-at-dusk-[0-9a-f]{8}-32\.avif 32w/);
    expect(index).toMatch(/alt="" width="64" height="64" loading="eager"/);

    // The same marker on two pages: the same files.
    const foxOn = (page: string) => /<img src="([^"]+)"[^>]*alt="(?:A sleeping fox|The same fox)"/.exec(page)?.[1];
    expect(foxOn(await html('other/index.html'))).toBe(foxOn(index));

    // Plain Markdown: the raw tag became a <picture>; the one in a code span did not.
    const post = await html('post/index.html');
    expect(post).toMatch(
      /<picture><source type="image\/webp"[^>]*><img src="\/_astro\/a-mountain-lake-at-sunrise-[0-9a-f]{8}-64\.jpg"[^>]*alt="A mountain lake" width="64" height="43"/,
    );
    expect(post).toContain('<code>&lt;GenImage prompt="a badger" alt="" /&gt;</code>');

    // Every referenced file exists, once.
    const files = await readdir(path.join(root, 'dist/_astro'));
    const referenced = new Set(
      [...(index + post + (await html('other/index.html'))).matchAll(/\/_astro\/([\w.-]+\.(?:avif|webp|jpg))/g)].map((match) => match[1]!),
    );
    for (const file of referenced) expect(files).toContain(file);
    expect(files.filter((file) => /\.(avif|webp|jpg)$/.test(file)).sort()).toEqual([...referenced].sort());

    // The API key was in the environment of the build: it must not be anywhere in its output.
    for (const entry of await readdir(path.join(root, 'dist'), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) expect((await readFile(path.join(entry.parentPath, entry.name))).includes(server.apiKey), entry.name).toBe(false);
    }
    expect(build.output).not.toContain(server.apiKey);
  });

  test('warm: no API request and nothing re-encoded', async () => {
    const build = await astroBuild(root, env);
    expect(build.code, build.output).toBe(0);
    expect(server.requests).toHaveLength(0);
    expect(build.output).toContain('4 image request(s): 0 generated, 4 reused, 0 failed');
    expect(build.output).toMatch(/file\(s\) written to _astro\/ \([\d.]+ MB\) · \d+ variant\(s\): 0 encoded, \d+ reused/);
  });

  test('one edited prompt: exactly one request', async () => {
    const page = path.join(root, 'src/pages/other.astro');
    await writeFile(page, (await readFile(page, 'utf8')).replace('a paper boat on a puddle', 'a paper boat on a wide puddle'));
    const build = await astroBuild(root, env);
    expect(build.code, build.output).toBe(0);
    expect(prompts()).toEqual(['a paper boat on a wide puddle']);
    expect(await html('other/index.html')).toContain('/_astro/a-paper-boat-on-a-wide-puddle-');
  });

  test('frozen: a missing image fails the build, listed with file:line, without a stack trace', async () => {
    const post = path.join(root, 'src/pages/post.md');
    await writeFile(post, `${await readFile(post, 'utf8')}\n<GenImage prompt="a heron in the reeds" alt="A heron" />\n`);
    const build = await astroBuild(root, { ...env, GENIMAGE_FROZEN: '1' });
    expect(build.code).not.toBe(0);
    expect(server.requests).toHaveLength(0);
    expect(build.output).toContain('Images are missing from the cache and generation is frozen');
    expect(build.output).toMatch(/src\/pages\/post\.md:11:1 {2}missing: "a heron in the reeds"/);
    expect(build.output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });
});

/** Builds a copy of the basic fixture with `settings` added to its Astro config; the image URLs of its home page. */
async function buildWithConfig(settings: string): Promise<{ site: string; imageUrls: string[] }> {
  const site = await copySite('fixtures/astro-basic');
  const config = path.join(site, 'astro.config.mjs');
  await writeFile(
    config,
    (await readFile(config, 'utf8')).replace('export default defineConfig({', `export default defineConfig({\n  ${settings}`),
  );
  const build = await astroBuild(site, env);
  expect(build.code, build.output).toBe(0);
  const index = await readFile(path.join(site, 'dist/index.html'), 'utf8');
  const urls = [...index.matchAll(/(?:src|srcset)="([^"]+)"/g)].flatMap((match) =>
    match[1]!.split(', ').map((candidate) => candidate.split(' ')[0]!),
  );
  const imageUrls = urls.filter((url) => /\.(avif|webp|jpg)$/.test(url));
  expect(imageUrls.length).toBeGreaterThan(0);
  return { site, imageUrls };
}

describe('astro build with base and build.assets', () => {
  test('emitted URLs carry the base and files land in the assets folder', async () => {
    const { site, imageUrls } = await buildWithConfig("base: '/docs',\n  build: { assets: 'static' },");
    for (const url of imageUrls) {
      expect(url).toMatch(/^\/docs\/static\/[\w.-]+$/);
      const file = path.join(site, 'dist', url.replace('/docs/', ''));
      expect((await readFile(file)).byteLength, file).toBeGreaterThan(0);
    }
  });
});

describe('astro build with a malformed marker', () => {
  test('fails with the marker located, what is wrong and what is allowed, and no stack trace', async () => {
    const site = await copySite('fixtures/astro-basic');
    await writeFile(
      path.join(site, 'src/pages/bad.astro'),
      '---\nimport { GenImage } from "@genimage/astro/components";\n---\n<p>\n  <GenImage prompt="a stoat" aspectRatio="7:3" alt="A stoat" />\n</p>\n',
    );
    const build = await astroBuild(site, env);
    expect(build.code).not.toBe(0);
    expect(build.output).toMatch(/src\/pages\/bad\.astro:5:\d+/);
    expect(build.output).toContain('7:3');
    expect(build.output).toContain('16:9');
    expect(build.output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });
});

describe('astro build of Markdown pages and content collections', () => {
  let site: string;
  let build: Awaited<ReturnType<typeof astroBuild>>;
  const page = (name: string) => readFile(path.join(site, 'dist', name), 'utf8');

  beforeAll(async () => {
    site = await copySite('fixtures/astro-markdown');
    build = await astroBuild(site, env);
  });

  test('the build succeeds and leaves no raw <GenImage> tag in any page', async () => {
    expect(build.code, build.output).toBe(0);
    for (const name of ['post/index.html', 'notes/heron/index.html']) expect(await page(name)).not.toContain('<GenImage');
  });

  test('a tag written over several lines in a .md page becomes a <picture>', async () => {
    expect(await page('post/index.html')).toMatch(
      /<picture><source type="image\/webp"[^>]*><img src="\/_astro\/a-mountain-lake-at-sunrise-[0-9a-f]{8}-64\.jpg"[^>]*alt="A mountain lake" width="64" height="43"/,
    );
  });

  test('a ">" inside an attribute value does not end the tag', async () => {
    expect(await page('post/index.html')).toMatch(
      /<picture>.*<img src="\/_astro\/fish-and-chips-on-a-pier-[0-9a-f]{8}-64\.jpg"[^>]*alt="Fish &gt; chips"/s,
    );
  });

  test('a tag in a content collection entry becomes a <picture>, its reference resolved against the entry', async () => {
    const heron = await page('notes/heron/index.html');
    expect(heron).toMatch(
      /<picture>.*<img src="\/_astro\/a-grey-heron-in-the-reeds-[0-9a-f]{8}-64\.jpg"[^>]*alt="A heron" width="64" height="48"/s,
    );
    expect(heron).toContain('<code>&lt;GenImage prompt="a badger" alt="" /&gt;</code>');
    const files = await readdir(path.join(site, 'dist/_astro'));
    for (const [, file] of heron.matchAll(/\/_astro\/([\w.-]+\.(?:webp|jpg))/g)) expect(files).toContain(file);
  });

  test('the image files exist when a later integration runs its astro:build:generated hook', () => {
    const seen = /build:generated sees (\d+) image file\(s\)/.exec(build.output)?.[1];
    expect(Number(seen), build.output).toBeGreaterThan(0);
  });
});

describe('astro build with a raw tag that cannot be rendered', () => {
  test('fails with the marker located in its content entry, and no stack trace', async () => {
    const site = await copySite('fixtures/astro-markdown');
    await writeFile(
      path.join(site, 'src/content/notes/owl.md'),
      '---\ntitle: Owl\n---\n\nAn owl:\n\n<GenImage prompt="an owl at night" aspectRatio="1:1" />\n',
    );
    const build = await astroBuild(site, env);
    expect(build.code, build.output).not.toBe(0);
    expect(build.output).toMatch(/src\/content\/notes\/owl\.md:7:1/);
    expect(build.output).toContain('no alt text');
    expect(build.output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });
});

describe('astro build with build.assetsPrefix', () => {
  test("image URLs carry the CDN prefix, as Astro's own assets do", async () => {
    const { site, imageUrls } = await buildWithConfig("build: { assetsPrefix: 'https://cdn.example.com' },");
    for (const url of imageUrls) {
      expect(url).toMatch(/^https:\/\/cdn\.example\.com\/_astro\/[\w.-]+$/);
      expect((await readFile(path.join(site, 'dist', new URL(url).pathname))).byteLength).toBeGreaterThan(0);
    }
  });
});

describe('assetsPrefixFor', () => {
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message) };

  test('a string is the prefix; none is none', () => {
    expect(assetsPrefixFor('https://cdn.example.com', logger)).toEqual({ assetsPrefix: 'https://cdn.example.com' });
    expect(assetsPrefixFor(undefined, logger)).toEqual({});
  });

  test("the per-extension form: the image extensions' entry, else the fallback", () => {
    expect(assetsPrefixFor({ js: 'https://js.example.com', fallback: 'https://cdn.example.com' }, logger)).toEqual({
      assetsPrefix: 'https://cdn.example.com',
    });
    const images = 'https://img.example.com';
    expect(assetsPrefixFor({ avif: images, webp: images, jpg: images, png: images, fallback: 'https://cdn.example.com' }, logger)).toEqual({
      assetsPrefix: images,
    });
    expect(warnings).toEqual([]);
  });

  test('image extensions with different prefixes: the fallback, with a warning', () => {
    expect(assetsPrefixFor({ webp: 'https://webp.example.com', fallback: 'https://cdn.example.com' }, logger)).toEqual({
      assetsPrefix: 'https://cdn.example.com',
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('fallback');
  });
});

describe('astro build pays only for what its scan listed (issue 18)', () => {
  /** A copy of the basic site with `files` added, built. */
  async function buildWith(files: Record<string, string>, config?: string) {
    const site = await copySite('fixtures/astro-basic');
    for (const [file, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(site, file)), { recursive: true });
      await writeFile(path.join(site, file), content);
    }
    if (config !== undefined) await writeFile(path.join(site, 'genimage.config.mjs'), config);
    return astroBuild(site, env);
  }
  const IMPORT = "---\nimport { GenImage } from '@genimage/astro/components';\n---\n";

  test('a page using <GenImage> without importing it fails located, and sends nothing', async () => {
    const build = await buildWith({
      'src/pages/forgot.astro': '---\nconst title = "x";\n---\n<h1>{title}</h1>\n<GenImage prompt="a heron" alt="A heron" />\n',
    });
    expect(build.code).not.toBe(0);
    expect(server.requests).toHaveLength(0);
    expect(build.output).toMatch(/src\/pages\/forgot\.astro:5:1/);
    expect(build.output).toContain("import { GenImage } from '@genimage/astro/components';");
  });

  test('a misspelt attribute fails located with the right name, and sends nothing', async () => {
    const build = await buildWith({
      'src/pages/typo.astro': `${IMPORT}<GenImage prompt="a lighthouse at dusk" seeed={7} alt="Lighthouse" />\n`,
    });
    expect(build.code).not.toBe(0);
    expect(server.requests).toHaveLength(0);
    expect(build.output).toMatch(/src\/pages\/typo\.astro:4:\d+/);
    expect(build.output).toContain('did you mean seed?');
  });

  test('a spread whose image no file declares is refused as unscanned, and sends nothing', async () => {
    const build = await buildWith({
      'src/pages/spread.astro':
        "---\nimport { GenImage } from '@genimage/astro/components';\nconst hero = { prompt: 'a heron at dawn', alt: 'A heron' };\n---\n<GenImage {...hero} />\n",
    });
    expect(build.code).not.toBe(0);
    expect(build.output).toMatch(/src\/pages\/spread\.astro:5:1: .*its scan did not list: "a heron at dawn"/);
    expect(build.output).toContain('a spread of data that no scanned file declares');
    expect(prompts()).not.toContain('a heron at dawn');
  });

  test("an invalid image declaration in a post's frontmatter fails the content build with Astro's error, and sends nothing", async () => {
    const site = await copySite('../examples/astro-site');
    const post = path.join(site, 'src/content/blog/hill-bread.md');
    await writeFile(post, (await readFile(post, 'utf8')).replace('seed: 12', 'seed: nope'));
    const build = await astroBuild(site, env);
    expect(build.code).not.toBe(0);
    expect(build.output).toContain('InvalidContentEntryDataError');
    expect(build.output).toContain('hero.seed');
    expect(server.requests).toHaveLength(0);
  });

  test('a component outside include fails located, naming the option, and sends nothing for it; the summary counts every request', async () => {
    const build = await buildWith(
      {
        'src/components/Hero.astro': `${IMPORT}<GenImage prompt="a heron in the reeds" alt="A heron" />\n`,
        'src/pages/hero.astro': "---\nimport Hero from '../components/Hero.astro';\n---\n<Hero />\n",
      },
      "export default { provider: 'shark', retries: { maxAttempts: 1 }, include: ['src/pages/**/*.{astro,md}'] };\n",
    );
    expect(build.code).not.toBe(0);
    expect(build.output).toMatch(/src\/components\/Hero\.astro:4:1/);
    expect(build.output).toContain('Add "src/components/**/*.astro" to `include` in the genimage config');
    expect(prompts()).not.toContain('a heron in the reeds');
    // The summary line is the request log: every request sent is counted in it.
    const requested = Number(/(\d+) image request\(s\): (\d+) generated/.exec(build.output)?.[2]);
    expect(requested).toBe(server.requests.length);
  });
});
