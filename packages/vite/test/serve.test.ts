/**
 * The dev middleware on a real HTTP server. The renderer stands in for the one case an end-to-end
 * test cannot produce on demand: a variant file that vanishes between the renderer's check and
 * the read (the variants cache wiped while `astro dev` runs).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ImageRenderer } from '@genimage/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { serveVariants } from '../src/serve.ts';

let dir: string;
let server: Server;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'genimage-serve-'));
  await writeFile(path.join(dir, 'fox.webp'), 'RIFF....WEBP');
  const files: Record<string, string> = {
    'fox-1234abcd-32.webp': path.join(dir, 'fox.webp'),
    'gone-1234abcd-32.webp': path.join(dir, 'gone.webp'),
  };
  const renderer = {
    file: async (name: string) => (files[name] ? { path: files[name], format: 'webp' } : undefined),
  } as unknown as ImageRenderer;
  const middleware = serveVariants(
    () => '/docs/_astro/',
    async () => renderer,
  );
  server = createServer((req, res) => {
    // As Astro's base middleware does before ours: the base is stripped from req.url.
    Object.assign(req, { originalUrl: req.url, url: req.url?.replace(/^\/docs/, '') });
    middleware(req, res, (error?: unknown) => {
      res.statusCode = error ? 500 : 404;
      res.end(error ? String(error) : 'not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

test('serves a variant under the full public path, base included, with its type and an immutable cache header', async () => {
  const response = await fetch(`${url}/docs/_astro/fox-1234abcd-32.webp`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('image/webp');
  expect(response.headers.get('cache-control')).toContain('immutable');
  expect(await response.text()).toBe('RIFF....WEBP');
});

test('passes on what it does not know', async () => {
  expect((await fetch(`${url}/docs/_astro/unknown-00000000-32.webp`)).status).toBe(404);
  expect((await fetch(`${url}/_astro/fox-1234abcd-32.webp`)).status).toBe(404);
});

test('a malformed percent-escape under the public path is not found (404), not a server error', async () => {
  for (const name of ['%E0%A4%A.webp', '%.webp', 'fox-1234abcd-32%ZZ.webp']) {
    const response = await fetch(`${url}/docs/_astro/${name}`);
    expect(response.status, name).toBe(404);
  }
  expect((await fetch(`${url}/docs/_astro/fox-1234abcd-32.webp`)).status).toBe(200);
});

test('a variant file that vanished fails that request, without the cache header, and the server goes on', async () => {
  const response = await fetch(`${url}/docs/_astro/gone-1234abcd-32.webp`, { signal: AbortSignal.timeout(5000) });
  expect(response.status).toBe(500);
  expect(response.headers.get('cache-control')).toBeNull();
  expect(await response.text()).toContain('ENOENT');
  expect((await fetch(`${url}/docs/_astro/fox-1234abcd-32.webp`)).status).toBe(200);
});
