import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '@genimage/test-server';
import { Engine, FrozenMissingError, PLACEHOLDERS_DIR } from '../src/engine.ts';
import { GenImageError } from '../src/errors.ts';
import type { Logger } from '../src/logger.ts';
import { sha256Hex } from '../src/hash.ts';
import { hugePng } from './render/fixtures/huge-png.ts';

let server: TestServer;
let root: string;

const PAGE = `---
import { GenImage } from '@genimage/astro/components';
---
<GenImage prompt="a red fox asleep in fresh snow, watercolor" seed={42} aspectRatio="16:9" alt="A sleeping fox" />
<GenImage prompt="an owl at dusk" seed={7} n={2} pick={1} alt="An owl" />
<GenImage prompt="the fox again, inked" seed={3} reference="../assets/sketch.png" alt="" />
<GenImage prompt="a red fox asleep in fresh snow, watercolor" seed={42} aspectRatio="16:9" alt="Same fox, second use" />
`;

beforeAll(async () => {
  server = await startTestServer({ longEdge: { '1K': 32, '2K': 48, '4K': 64 } });
});
afterAll(() => server.close());
beforeEach(async () => {
  server.reset();
  root = await mkdtemp(path.join(tmpdir(), 'genimage-engine-'));
  await mkdir(path.join(root, 'src/pages'), { recursive: true });
  await mkdir(path.join(root, 'src/assets'), { recursive: true });
  await writeFile(path.join(root, 'src/pages/index.astro'), PAGE);
  await sharp({ create: { width: 16, height: 16, channels: 3, background: '#c33' } })
    .png()
    .toFile(path.join(root, 'src/assets/sketch.png'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

function env(extra: Record<string, string> = {}) {
  return { SHARK_API_KEY: server.apiKey, SHARK_BASE_URL: server.baseUrl, ...extra };
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

describe('Engine', () => {
  it('generates through the API into .genimage/, then a second run makes zero requests', async () => {
    const cold = await Engine.load({ root, env: env() });
    const scanned = await cold.scan();
    expect(scanned.diagnostics).toEqual([]);
    expect(scanned.uses).toHaveLength(4);
    expect(scanned.requests).toHaveLength(3);
    const first = await cold.generate(scanned.requests);
    expect(first).toMatchObject({ generated: 3, images: 4, reused: 0, failed: 0 });
    expect(server.requests).toHaveLength(3);

    const files = await listFiles(path.join(root, '.genimage'));
    expect(files.filter((file) => file.endsWith('meta.json'))).toHaveLength(3);
    expect(files).toContain('.gitignore');

    server.reset();
    const warm = await Engine.load({ root, env: env() });
    const second = await warm.generate((await warm.scan()).requests);
    expect(second).toMatchObject({ generated: 0, reused: 3 });
    expect(server.requests).toHaveLength(0);
  });

  it('sends the reference image with the request and keys it by content', async () => {
    const engine = await Engine.load({ root, env: env() });
    const before = (await engine.scan()).uses[2]!;
    expect(before.params.reference).toEqual(['../assets/sketch.png']);
    await engine.generate([before.request]);
    const sent = server.requests[0]?.body as { image?: string[] };
    expect(sent.image?.[0]).toMatch(/^data:image\/png;base64,/);

    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#33c' } })
      .png()
      .toFile(path.join(root, 'src/assets/sketch.png'));
    const after = (await engine.scan()).uses[2]!;
    expect(after.key).not.toBe(before.key);
  });

  it('remembers URL references in the cache: a committed cache is scanned and checked without the network', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3c3' } })
      .png()
      .toBuffer();
    let downloads = 0;
    const files = createServer((_request, response) => {
      downloads++;
      response.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(files.address() as AddressInfo).port}/ref.png`;
    await writeFile(
      path.join(root, 'src/pages/index.astro'),
      `---\nimport { GenImage } from '@genimage/astro/components';\n---\n<GenImage prompt="edit this" reference="${url}" alt="" />\n`,
    );

    // The local provider: the test server, like the real API, only fetches https references.
    const online = await Engine.load({ root, env: {} });
    const first = await online.scan();
    expect((await online.generate(first.requests)).generated).toBe(1);
    await online.scan();
    expect(downloads).toBe(1);
    await new Promise((resolve) => files.close(resolve));

    const offline = await Engine.load({ root, env: { GENIMAGE_FROZEN: '1' } });
    const again = await offline.scan();
    expect(again.diagnostics).toEqual([]);
    expect(again.uses[0]?.key).toBe(first.uses[0]?.key);
    await offline.assertAllCached(again.requests);
    expect(downloads).toBe(1);
  });

  it('shows the picked image of n', async () => {
    const engine = await Engine.load({ root, env: env() });
    const owl = (await engine.scan()).uses[1]!;
    await engine.generate([owl.request]);
    const entry = await engine.cache.get(owl.key);
    const picked = await engine.original(owl);
    expect(Buffer.from(picked.bytes).equals(Buffer.from(entry!.images[1]!))).toBe(true);
  });

  it('in frozen mode lists every missing marker and sends nothing', async () => {
    const engine = await Engine.load({ root, env: env({ CI: 'true' }) });
    expect(engine.frozen).toBe(true);
    const { requests } = await engine.scan();
    const error = await engine.generate(requests).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GenImageError);
    const { code, message, hint } = error as GenImageError;
    expect(code).toBe('FrozenMissing');
    expect(message).toContain('3 image(s) not in .genimage/');
    expect(message).toContain('src/pages/index.astro:4:1, src/pages/index.astro:7:1');
    expect(message).toContain('src/pages/index.astro:5:1');
    expect(message).toContain('src/pages/index.astro:6:1');
    expect(hint).toContain('genimage generate');
    expect(server.requests).toHaveLength(0);
  });

  it('in frozen mode carries the missing requests as data, in scan order, with their status', async () => {
    const engine = await Engine.load({ root, env: env({ CI: 'true' }) });
    const { requests } = await engine.scan();
    const error = await engine.generate(requests).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FrozenMissingError);
    const { headline, missing, message } = error as FrozenMissingError;
    expect(headline).toBe('3 image(s) not in .genimage/ (generation is frozen because CI is set):');
    expect(message.split('\n')[0]).toBe(headline);
    expect(missing.map(({ request, status }) => [request.key, status])).toEqual(requests.map((request) => [request.key, 'missing']));
  });

  it('in frozen mode succeeds with zero requests when everything is cached', async () => {
    const local = await Engine.load({ root, env: env() });
    await local.generate((await local.scan()).requests);
    server.reset();
    const ci = await Engine.load({ root, env: { CI: 'true' } });
    const summary = await ci.generate((await ci.scan()).requests);
    expect(summary).toMatchObject({ reused: 3, generated: 0 });
    expect(server.requests).toHaveLength(0);
  });

  it('GENIMAGE_FROZEN=0 allows generation in CI on purpose', async () => {
    const engine = await Engine.load({ root, env: env({ CI: 'true', GENIMAGE_FROZEN: '0' }) });
    expect(engine.frozen).toBe(false);
    const summary = await engine.generate((await engine.scan()).requests);
    expect(summary.generated).toBe(3);
  });

  it('renders offline placeholders with a warning when no API key is set outside CI, outside the committed cache', async () => {
    const logger = recordingLogger();
    const engine = await Engine.load({ root, env: {}, logger });
    expect(engine.providerId).toBe('local');
    const summary = await engine.generate((await engine.scan()).requests);
    expect(summary.generated).toBe(3);
    expect(logger.lines.some((line) => line.startsWith('warn: No SHARK_API_KEY'))).toBe(true);
    const [key] = await engine.cache.keys();
    const meta = JSON.parse(await readFile(path.join(root, PLACEHOLDERS_DIR, key!, 'meta.json'), 'utf8')) as { provider: string };
    expect(meta.provider).toBe('local');
    expect(existsSync(path.join(root, '.genimage', key!))).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('a generation with a key makes the real images beside the placeholders, and drops each placeholder it replaces', async () => {
    const withoutKey = await Engine.load({ root, env: {} });
    await withoutKey.generate((await withoutKey.scan()).requests);
    expect(await readdir(path.join(root, PLACEHOLDERS_DIR))).toEqual(expect.arrayContaining([expect.stringMatching(/^[0-9a-f]{64}$/)]));
    const withKey = await Engine.load({ root, env: env() });
    const { requests } = await withKey.scan();
    expect(await withKey.generate(requests)).toMatchObject({ generated: 3, reused: 0 });
    expect((await withKey.cache.keys()).sort()).toEqual(requests.map((request) => request.key).sort());
    expect((await readdir(path.join(root, PLACEHOLDERS_DIR))).filter((name) => /^[0-9a-f]{64}$/.test(name))).toEqual([]);
  });

  it('without a key, serves the real images teammates committed instead of placeholders', async () => {
    const withKey = await Engine.load({ root, env: env() });
    await withKey.generate((await withKey.scan()).requests);
    server.reset();
    const withoutKey = await Engine.load({ root, env: {} });
    expect(withoutKey.providerId).toBe('local');
    const scanned = await withoutKey.scan();
    expect(scanned.uses.map((use) => use.key)).toEqual((await withKey.scan()).uses.map((use) => use.key));
    const summary = await withoutKey.generate(scanned.requests);
    expect(summary).toMatchObject({ generated: 0, reused: 3 });
  });

  it('keys placeholders apart from real images', async () => {
    const local = await Engine.load({ root, env: {} });
    const real = await Engine.load({ root, env: env() });
    const [localUse] = (await local.scan()).uses;
    const [realUse] = (await real.scan()).uses;
    expect(localUse!.key).not.toBe(realUse!.key);
  });

  it('in CI without a key fails once, before any request, saying the key is missing', async () => {
    const engine = await Engine.load({ root, env: { CI: 'true', GENIMAGE_FROZEN: '0', SHARK_BASE_URL: server.baseUrl } });
    expect(engine.providerId).toBe('shark');
    const error = await engine.generate((await engine.scan()).requests).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'MissingApiKey', message: expect.stringContaining('SHARK_API_KEY') });
    expect(server.requests).toHaveLength(0);
  });

  it('without a key, a warm run needs no provider at all', async () => {
    const withKey = await Engine.load({ root, env: env({ CI: 'true', GENIMAGE_FROZEN: '0' }) });
    await withKey.generate((await withKey.scan()).requests);
    const withoutKey = await Engine.load({ root, env: { CI: 'true', GENIMAGE_FROZEN: '0' } });
    const summary = await withoutKey.generate((await withoutKey.scan()).requests);
    expect(summary).toMatchObject({ reused: 3, generated: 0 });
  });

  it('reports a dynamic prompt with its location and still resolves the other markers', async () => {
    await writeFile(
      path.join(root, 'src/pages/post.astro'),
      '---\nimport { GenImage } from "@genimage/astro/components";\nconst title = "x";\n---\n<GenImage prompt={title} alt="" />\n',
    );
    const engine = await Engine.load({ root, env: env() });
    const { uses, diagnostics } = await engine.scan();
    expect(uses).toHaveLength(4);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      severity: 'error',
      code: 'DynamicAttribute',
      location: { file: 'src/pages/post.astro', line: 5 },
    });
  });

  it('refuses a marker without alt before generating it', async () => {
    await writeFile(path.join(root, 'src/pages/noalt.md'), '\n  <GenImage prompt="a badger" />\n');
    const engine = await Engine.load({ root, env: env() });
    const { uses, diagnostics } = await engine.scan();
    expect(uses).toHaveLength(4);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'InvalidAttribute',
        attribute: 'alt',
        location: { file: 'src/pages/noalt.md', line: 2, column: 3 },
        hint: expect.stringContaining('alt=""'),
      }),
    ]);
  });

  it('reports a reference outside the project root at the marker', async () => {
    await writeFile(path.join(root, 'src/pages/bad.md'), '<GenImage prompt="x" reference="../../../etc/passwd" alt="" />\n');
    const engine = await Engine.load({ root, env: env() });
    const { diagnostics } = await engine.scan();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      code: 'ReferenceOutsideRoot',
      attribute: 'reference',
      location: { file: 'src/pages/bad.md', line: 1, column: 22 },
      hint: expect.stringContaining('project'),
    });
  });

  it('uses the model option for markers that name none', async () => {
    const engine = await Engine.load({ root, env: env(), options: { model: 'test/other-model' } });
    const { uses } = await engine.scan();
    expect(uses.map((use) => use.params.model)).toEqual(Array(4).fill('test/other-model'));
    await engine.generate([uses[0]!.request]);
    expect((server.requests[0]!.body as { model: string }).model).toBe('test/other-model');
  });

  it('applies inline options over the config file', async () => {
    await writeFile(path.join(root, 'genimage.config.json'), JSON.stringify({ cacheDir: 'from-file', concurrency: 2 }));
    const engine = await Engine.load({ root, env: env(), options: { concurrency: 3 } });
    expect(engine.config).toMatchObject({ cacheDir: 'from-file', concurrency: 3 });
    expect(engine.cacheLocation).toBe('from-file');
  });

  it('never writes the API key into the cache', async () => {
    const engine = await Engine.load({ root, env: env() });
    await engine.generate((await engine.scan()).requests);
    const cacheDir = path.join(root, '.genimage');
    for (const file of await listFiles(cacheDir)) {
      expect((await readFile(path.join(cacheDir, file))).includes(server.apiKey)).toBe(false);
    }
  });

  it('copes with a project that has no markers', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'genimage-empty-'));
    await cp(path.join(root, 'src/assets'), path.join(empty, 'src/assets'), { recursive: true });
    const engine = await Engine.load({ root: empty, env: env() });
    const summary = await engine.generate((await engine.scan()).requests);
    expect(summary).toMatchObject({ requests: 0, generated: 0 });
    await rm(empty, { recursive: true, force: true });
  });
});

describe('Engine: where the cache folder may be', () => {
  async function loadError(options: Parameters<typeof Engine.load>[0]['options']): Promise<GenImageError> {
    const error: unknown = await Engine.load({ root, configFile: false, env: env(), options }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(GenImageError);
    return error as GenImageError;
  }

  it.each(['../shared-cache', path.join(tmpdir(), 'genimage-elsewhere')])(
    'refuses cacheDir %j outside the root, saying where it resolves and how to opt in',
    async (cacheDir) => {
      const error = await loadError({ cacheDir });
      expect(error.code).toBe('InvalidOptions');
      expect(error.message).toContain(
        `\`cacheDir: ${JSON.stringify(cacheDir)}\` resolves to ${path.resolve(root, cacheDir)}, outside the project root ${root}.`,
      );
      expect(error.hint).toContain('`cacheDirOutsideRoot: true`');
    },
  );

  it('accepts a cacheDir outside the root with cacheDirOutsideRoot: true', async () => {
    const outside = path.join(tmpdir(), `genimage-elsewhere-${path.basename(root)}`);
    try {
      const engine = await Engine.load({
        root,
        configFile: false,
        env: env(),
        options: { cacheDir: outside, cacheDirOutsideRoot: true },
      });
      expect(engine.cacheLocation).toBe(path.relative(root, outside));
      await engine.generate([(await engine.scan()).requests[0]!]);
      expect(await readdir(outside)).toEqual(expect.arrayContaining(['.gitignore', expect.stringMatching(/^[0-9a-f]{64}$/)]));
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it.each(['.', './', '..', '../..', '/'])(
    'refuses cacheDir %j, the root or a folder containing it, even with cacheDirOutsideRoot',
    async (cacheDir) => {
      for (const cacheDirOutsideRoot of [false, true]) {
        const error = await loadError({ cacheDir, cacheDirOutsideRoot });
        expect(error.code).toBe('InvalidOptions');
        expect(error.message).toContain(`resolves to ${path.resolve(root, cacheDir)}, which is the project root ${root} or contains it.`);
        expect(error.message).toContain('prune would look at the whole project');
      }
    },
  );

  it('follows links: a cacheDir inside the root through a link to a folder outside needs the opt-in', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'genimage-linked-'));
    try {
      await symlink(outside, path.join(root, 'shared'), 'dir');
      const error = await loadError({ cacheDir: 'shared/.genimage' });
      expect(error.message).toContain(
        `resolves to ${path.join(root, 'shared/.genimage')} (${path.join(await realpath(outside), '.genimage')} once links are followed), outside the project root`,
      );
      await expect(
        Engine.load({ root, configFile: false, env: env(), options: { cacheDir: 'shared/.genimage', cacheDirOutsideRoot: true } }),
      ).resolves.toBeInstanceOf(Engine);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('Engine.unrenderable: what check verifies beyond the hashes', () => {
  async function generated() {
    const engine = await Engine.load({ root, env: env() });
    const { requests } = await engine.scan();
    await engine.generate(requests);
    return { engine, requests };
  }

  /** Puts `bytes` in place of an entry's first image, with a matching size and sha256 in its metadata. */
  async function replaceImage(key: string, bytes: Uint8Array, described: { width: number; height: number }) {
    const entry = path.join(root, '.genimage', key);
    const meta = JSON.parse(await readFile(path.join(entry, 'meta.json'), 'utf8')) as { images: Record<string, unknown>[] };
    meta.images[0] = { ...meta.images[0], sha256: sha256Hex(bytes), bytes: bytes.byteLength, ...described, format: 'png' };
    await writeFile(path.join(entry, '0.png'), bytes);
    await writeFile(path.join(entry, 'meta.json'), JSON.stringify(meta, null, 2));
  }

  it('finds nothing wrong with the images it generated', async () => {
    const { engine, requests } = await generated();
    expect(await engine.unrenderable(requests)).toEqual(new Map());
  });

  it('reports an image beyond the pixel limit whose hashes match, naming the file and the limit', async () => {
    const { engine, requests } = await generated();
    const key = requests[0]!.key;
    await replaceImage(key, hugePng(), { width: 8193, height: 4096 });
    expect((await engine.statuses(requests)).get(key)).toBe('cached');
    const found = await engine.unrenderable(requests);
    expect([...found.keys()]).toEqual([key]);
    expect(found.get(key)).toMatchObject({
      code: 'CacheCorrupt',
      message: `Image 0.png of entry .genimage/${key} cannot be rendered: the png image is 8193×4096 (33558528 pixels), above the limit of 33554432 pixels.`,
      hint: expect.stringContaining(`Delete .genimage/${key} and run \`genimage generate\``),
    });
  });

  it('reports an image that does not decode, or is not the size its metadata says', async () => {
    const { engine, requests } = await generated();
    const [garbage, resized] = [requests[0]!.key, requests[1]!.key];
    await replaceImage(garbage, new TextEncoder().encode('<html>not an image</html>'), { width: 32, height: 18 });
    await replaceImage(
      resized,
      await sharp({ create: { width: 20, height: 10, channels: 3, background: '#000' } })
        .png()
        .toBuffer(),
      { width: 32, height: 18 },
    );
    const found = await engine.unrenderable(requests);
    expect(found.get(garbage)?.message).toMatch(/cannot be rendered: the data is not a readable image/);
    expect(found.get(resized)?.message).toBe(
      `Image 0.png of entry .genimage/${resized} is a 20×10 png image, but its metadata says 32×18 png.`,
    );
  });

  it('remembers the entries that decoded: the next run reads none of their images', async () => {
    const { engine, requests } = await generated();
    expect(await engine.unrenderable(requests)).toEqual(new Map());
    const next = await Engine.load({ root, env: env() });
    const readImage = vi.spyOn(next.cache.store, 'readImage');
    expect(await next.unrenderable(requests)).toEqual(new Map());
    expect(readImage).not.toHaveBeenCalled();
  });

  it('decodes again an entry changed since it decoded, and one that failed', async () => {
    const { engine, requests } = await generated();
    expect(await engine.unrenderable(requests)).toEqual(new Map());
    const [changed, failed] = [requests[0]!.key, requests[1]!.key];
    await replaceImage(changed, new TextEncoder().encode('<html>not an image</html>'), { width: 32, height: 18 });
    await replaceImage(failed, new TextEncoder().encode('<html>nor this</html>'), { width: 32, height: 18 });
    await Engine.load({ root, env: env() }).then((run) => run.unrenderable([requests[1]!]));
    const next = await Engine.load({ root, env: env() });
    const found = await next.unrenderable(requests);
    expect([...found.keys()].sort()).toEqual([changed, failed].sort());
  });
});
