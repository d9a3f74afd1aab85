/**
 * The plain Vite plugin through a real `vite build` (the Astro integration reuses it): it scans,
 * generates through the API at build start and writes every variant into the output.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startTestServer, type TestServer } from '@genimage/test-server';
import genimage from '@genimage/vite';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TMP } from './fixtures/astro-harness/harness.ts';

let server: TestServer;
let root: string;

beforeAll(async () => {
  server = await startTestServer({ longEdge: { '1K': 64 } });
  root = await mkdtemp(path.join(TMP, 'vite-'));
  await writeFile(
    path.join(root, 'index.html'),
    '<!doctype html><title>t</title>\n<GenImage prompt="a kingfisher on a branch" seed={5} aspectRatio="4:3" alt="A kingfisher" />\n<!-- <GenImage prompt="commented out" alt="" /> -->\n',
  );
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

async function viteBuild(): Promise<void> {
  await build({
    root,
    logLevel: 'silent',
    configFile: false,
    plugins: [
      genimage({
        configFile: false,
        config: { render: { widths: [32, 64], formats: ['webp'], fallbackFormat: 'jpeg', quality: 70, avifEffort: 2 } },
        env: { SHARK_API_KEY: server.apiKey, SHARK_BASE_URL: server.baseUrl },
        variantsCacheDir: path.join(root, '.variants'),
      }),
    ],
  });
}

describe('vite build with @genimage/vite', () => {
  test('cold: one request for the one live marker, variants written to dist/assets', async () => {
    await viteBuild();
    expect(server.requests.map((request) => (request.body as { prompt: string }).prompt)).toEqual(['a kingfisher on a branch']);
    const files = await readdir(path.join(root, 'dist/assets'));
    const variants = files.filter((file) => /^a-kingfisher-on-a-branch-[0-9a-f]{8}-\d+\.\w+$/.test(file));
    expect(variants.map((file) => file.replace(/^.*-[0-9a-f]{8}-/, '')).sort()).toEqual(['32.jpg', '32.webp', '64.jpg', '64.webp']);
  });

  test('an API answer that echoes the Authorization header never puts the key in the error or the log', async () => {
    const logged: string[] = [];
    const log = (message: string) => void logged.push(message);
    const fresh = await mkdtemp(path.join(TMP, 'vite-secret-'));
    await writeFile(path.join(fresh, 'index.html'), '<GenImage prompt="a wren" alt="A wren" />\n');
    server.always({ kind: 'error', status: 401, echoAuthorization: true });
    try {
      const error = await build({
        root: fresh,
        logLevel: 'silent',
        configFile: false,
        plugins: [
          genimage({
            configFile: false,
            env: { SHARK_API_KEY: server.apiKey, SHARK_BASE_URL: server.baseUrl },
            logger: { debug: log, info: log, warn: log, error: log },
          }),
        ],
      }).then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(error?.message).toContain('Bearer ***');
      expect(`${error?.message}\n${error?.stack}\n${logged.join('\n')}`).not.toContain(server.apiKey);
    } finally {
      server.always(undefined);
      await rm(fresh, { recursive: true, force: true });
    }
  });

  test('warm: no request', async () => {
    server.reset();
    await viteBuild();
    expect(server.requests).toHaveLength(0);
  });
});
