import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type ErrorDefinition,
  InputTooLarge,
  InvalidParams,
  isGenImageError,
  ReferenceNotFound,
  ReferenceOutsideRoot,
} from '../../src/errors.ts';
import { sha256Hex } from '../../src/hash.ts';
import { resolveReferences } from '../../src/generate/references.ts';

let base: string;
let root: string;
let file: string;
let png: Buffer;
let jpeg: Buffer;

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'genimage-references-'));
  root = path.join(base, 'site');
  file = path.join(root, 'src', 'pages', 'index.md');
  png = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#c33' } })
    .png()
    .toBuffer();
  jpeg = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#3c3' } })
    .jpeg()
    .toBuffer();
  await mkdir(path.join(root, 'src', 'pages'), { recursive: true });
  await mkdir(path.join(root, 'public', 'refs'), { recursive: true });
  await writeFile(file, '<GenImage prompt="x" />');
  await writeFile(path.join(root, 'src', 'pages', 'fox.png'), png);
  await writeFile(path.join(root, 'public', 'refs', 'cat.jpg'), jpeg);
  await writeFile(path.join(root, 'public', 'refs', 'notes.txt'), 'not an image');
  await writeFile(path.join(base, 'secret.png'), png);
  await symlink(path.join(base, 'secret.png'), path.join(root, 'public', 'refs', 'link.png'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>, definition: ErrorDefinition): Promise<Error> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isGenImageError(error, definition), String(error)).toBe(true);
  return error as Error;
}

describe('resolveReferences with local files', () => {
  test('resolves a relative path against the folder of the marker file', async () => {
    const [resolved] = await resolveReferences(['./fox.png'], { file, root });
    expect(resolved).toEqual({
      source: 'src/pages/fox.png',
      sha256: sha256Hex(png),
      apiValue: `data:image/png;base64,${png.toString('base64')}`,
    });
  });

  test('resolves a leading / against the project root', async () => {
    const [resolved] = await resolveReferences(['/public/refs/cat.jpg'], { file, root });
    expect(resolved?.source).toBe('public/refs/cat.jpg');
    expect(resolved?.sha256).toBe(sha256Hex(jpeg));
    expect(resolved?.apiValue.startsWith('data:image/jpeg;base64,')).toBe(true);
  });

  test('gives the same source for two spellings of one file', async () => {
    const resolved = await resolveReferences(['../../public/refs/cat.jpg', '/public/refs/cat.jpg'], { file, root });
    expect(resolved.map((r) => r.source)).toEqual(['public/refs/cat.jpg', 'public/refs/cat.jpg']);
  });

  test('keeps the order of the references', async () => {
    const resolved = await resolveReferences(['/public/refs/cat.jpg', './fox.png'], { file, root });
    expect(resolved.map((r) => r.sha256)).toEqual([sha256Hex(jpeg), sha256Hex(png)]);
  });

  test('throws ReferenceNotFound for a missing file', async () => {
    const error = await rejection(resolveReferences(['./missing.png'], { file, root }), ReferenceNotFound);
    expect(error.message).toContain('"./missing.png" does not exist');
  });

  test('throws ReferenceNotFound for a folder', async () => {
    await rejection(resolveReferences(['/public/refs'], { file, root }), ReferenceNotFound);
  });

  test('throws ReferenceOutsideRoot for a path that leaves the root', async () => {
    const error = await rejection(resolveReferences(['../../../secret.png'], { file, root }), ReferenceOutsideRoot);
    expect(error.message).toContain('"../../../secret.png"');
  });

  test('throws ReferenceOutsideRoot for a symlink that points outside the root', async () => {
    const error = await rejection(resolveReferences(['/public/refs/link.png'], { file, root }), ReferenceOutsideRoot);
    expect(error.message).toContain('secret.png');
  });

  test('throws InvalidParams for a file that is not an image', async () => {
    const error = await rejection(resolveReferences(['/public/refs/notes.txt'], { file, root }), InvalidParams);
    expect(error.message).toContain('not a usable image');
  });

  test('throws InputTooLarge for a file above maxBytes', async () => {
    const error = await rejection(resolveReferences(['./fox.png'], { file, root, maxBytes: 10 }), InputTooLarge);
    expect(error.message).toContain(`${png.length} bytes, above the limit of 10 bytes`);
  });
});

describe('resolveReferences with URLs', () => {
  let server: Server;
  let origin: string;
  const routes = new Map<string, RequestListener>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const route = routes.get(req.url ?? '');
      if (route) route(req, res);
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    routes.set('/fox.png', (_req, res) => res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png));
    routes.set('/moved', (_req, res) => res.writeHead(302, { location: '/fox.png' }).end());
    routes.set('/to-plain-http', (_req, res) => res.writeHead(302, { location: 'http://example.com/fox.png' }).end());
    routes.set('/page.html', (_req, res) => res.writeHead(200).end('<html>hello</html>'));
    routes.set('/chunked', (_req, res) => {
      res.writeHead(200);
      res.write(Buffer.alloc(600));
      res.end(Buffer.alloc(600));
    });
    routes.set('/hang', () => {});
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('downloads a URL to hash it and passes the URL itself to the API', async () => {
    const url = `${origin}/fox.png`;
    expect(await resolveReferences([url], { file, root })).toEqual([{ source: url, sha256: sha256Hex(png), apiValue: url }]);
  });

  test('follows a redirect', async () => {
    const url = `${origin}/moved`;
    const [resolved] = await resolveReferences([url], { file, root });
    expect(resolved).toEqual({ source: url, sha256: sha256Hex(png), apiValue: url });
  });

  test('refuses http to a host other than this machine, without a request', async () => {
    const error = await rejection(resolveReferences(['http://example.com/fox.png'], { file, root }), InvalidParams);
    expect(error.message).toContain('not an https URL or a local file');
  });

  test('refuses a redirect to plain http', async () => {
    const error = await rejection(resolveReferences([`${origin}/to-plain-http`], { file, root }), InvalidParams);
    expect(error.message).toContain('redirects to http://example.com/fox.png');
  });

  test('refuses other schemes', async () => {
    await rejection(resolveReferences(['ftp://example.com/fox.png'], { file, root }), InvalidParams);
    await rejection(resolveReferences([`data:image/png;base64,${png.toString('base64')}`], { file, root }), InvalidParams);
  });

  test('throws ReferenceNotFound with the status for a 404', async () => {
    const error = await rejection(resolveReferences([`${origin}/nope.png`], { file, root }), ReferenceNotFound);
    expect(error.message).toContain('answered HTTP 404');
  });

  test('throws InvalidParams when the URL is not an image', async () => {
    await rejection(resolveReferences([`${origin}/page.html`], { file, root }), InvalidParams);
  });

  test('throws InputTooLarge when Content-Length is above maxBytes', async () => {
    const error = await rejection(resolveReferences([`${origin}/fox.png`], { file, root, maxBytes: 10 }), InputTooLarge);
    expect(error.message).toContain(`is ${png.length} bytes`);
  });

  test('throws InputTooLarge when a body without Content-Length grows above maxBytes', async () => {
    const error = await rejection(resolveReferences([`${origin}/chunked`], { file, root, maxBytes: 1000 }), InputTooLarge);
    expect(error.message).toContain('at least 1200 bytes');
  });

  test('throws ReferenceNotFound when the download times out', async () => {
    const error = await rejection(resolveReferences([`${origin}/hang`], { file, root, fetchTimeoutMs: 200 }), ReferenceNotFound);
    expect(error.message).toContain('timed out after 200 ms');
  });
});
