/**
 * `genimage review` end to end, through the real process on a copy of a fixture site, the test
 * server as the image API: the page, the API driven as the panel drives it (quote, try, keep,
 * fix-seed), the source file changed only in the seed, then `CI=1 genimage check` and a frozen
 * build agreeing on the kept images with no request; Ctrl-C and a busy port.
 */
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheKeys, copyFixture, parseJson, run, start, useTestServer, waitFor } from './fixtures/cli-harness/harness.ts';

const API_KEY = 'sk-cli-review-secret-5150';
const api = useTestServer(API_KEY);

const PAGE = 'src/pages/index.astro';
const POST = 'src/content/blog/night.md';
const TOKEN_HEADER = 'x-genimage-review-token';

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `genimage review` and waits for the URL it prints. */
async function startReview(root: string, args: string[] = [], env: Record<string, string | undefined> = api.env()) {
  let stdout = '';
  const started = start(['review', ...args], { cwd: root, env });
  running.push(started.child);
  started.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  await waitFor(() => /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/.test(stdout), 'the review URL on stdout', 30_000);
  const url = new URL(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/.exec(stdout)![0]);
  const token = url.searchParams.get('token')!;
  const origin = url.origin;
  const call = async (method: 'GET' | 'POST', route: string, body?: unknown) => {
    const response = await fetch(`${origin}/__genimage/review/${route}`, {
      method,
      headers: { [TOKEN_HEADER]: token, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    expect(text).not.toContain(API_KEY);
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field.
    return { status: response.status, json: JSON.parse(text) as any };
  };
  return { ...started, url, origin, call };
}

function seedsSent(from = 0): number[] {
  return api
    .server()
    .requests.slice(from)
    .map((request) => (request.body as { seed: number }).seed);
}

describe('genimage review', () => {
  it('serves the page and the API: try 2, keep one, fix a seed; the source changes only in the seed, and check and a frozen build agree with no request', async () => {
    const root = await copyFixture('cli-review');
    const page = await readFile(path.join(root, PAGE), 'utf8');
    const post = await readFile(path.join(root, POST), 'utf8');
    // The site as an author leaves it: every image generated once (the seedless owl with a seed genimage chose).
    expect((await run(['generate'], { cwd: root, env: api.env() })).code).toBe(0);
    expect(api.server().requests).toHaveLength(4);
    expect(seedsSent().every((seed) => seed >= 0)).toBe(true);

    const review = await startReview(root);
    const html = await fetch(review.url);
    expect(html.status).toBe(200);
    expect(html.headers.get('x-frame-options')).toBe('DENY');
    expect(await html.text()).toContain('window.__GENIMAGE_REVIEW__ = {"base":"/__genimage/review"');
    expect((await fetch(`${review.origin}/`)).status).toBe(403);

    const { json: list } = await review.call('GET', 'images');
    expect(list).toMatchObject({ frozen: false, canGenerate: true });
    const fox = list.images.find((image: { prompt: string }) => image.prompt.startsWith('a red fox'));
    const owl = list.images.find((image: { prompt: string }) => image.prompt.startsWith('an owl'));
    expect(fox).toMatchObject({ id: `${PAGE}:11:5`, seed: 42, status: 'cached', credits: 10 });
    const owlSent = api
      .server()
      .requests.map((request) => request.body as { prompt: string; seed: number })
      .find((body) => body.prompt.startsWith('an owl'))!.seed;
    expect(owl).toMatchObject({ id: `${PAGE}:12:5`, seed: null, status: 'cached', recordedSeed: owlSent });

    const quote = await review.call('POST', 'quote', { id: fox.id, k: 2 });
    expect(quote.json).toMatchObject({ k: 2, credits: 20, canGenerate: true });
    const tried = await review.call('POST', 'try', { id: fox.id, k: 2, seeds: quote.json.seeds });
    expect(tried.status).toBe(200);
    expect(tried.json.candidates).toHaveLength(2);
    expect(tried.json.creditsSpent).toBe(20);
    expect(seedsSent(4).sort()).toEqual([...quote.json.seeds].sort());
    const kept = tried.json.candidates[1];
    const keep = await review.call('POST', 'keep', { id: fox.id, seed: kept.seed });
    expect(keep.json).toEqual({ id: fox.id, file: PAGE, line: 11, column: 5, seed: kept.seed, key: kept.key });
    const fix = await review.call('POST', 'fix-seed', { id: owl.id });
    expect(fix.json).toMatchObject({ id: owl.id, seed: owl.recordedSeed });
    expect(api.server().requests).toHaveLength(6);

    // Only the seeds changed: the kept one replaced, the recorded one added in the style of the tag.
    expect(await readFile(path.join(root, PAGE), 'utf8')).toBe(
      page
        .replace('seed={42}', `seed={${kept.seed}}`)
        .replace('      alt="An owl"\n', `      alt="An owl"\n      seed={${owl.recordedSeed}}\n`),
    );
    expect(await readFile(path.join(root, POST), 'utf8')).toBe(post);

    // Ctrl-C stops the server cleanly.
    review.child.kill('SIGINT');
    const stopped = await review.result;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).not.toMatch(/\n\s+at /);

    // One truth: the scan, CI's gate and a frozen build see the kept images, cached, and send nothing.
    const scan = parseJson<{ markers: { key: string; status: string }[] }>(
      (await run(['scan', '--json'], { cwd: root, env: api.env() })).stdout,
    );
    expect(scan.markers.map((marker) => marker.status)).toEqual(['cached', 'cached', 'cached', 'cached']);
    expect(scan.markers.map((marker) => marker.key)).toEqual(expect.arrayContaining([kept.key, fix.json.key]));
    const check = await run(['check'], { cwd: root, env: { CI: '1' } });
    expect(check.code).toBe(0);
    const frozen = await run(['generate', '--frozen'], { cwd: root, env: api.env() });
    expect(frozen.code).toBe(0);
    expect(api.server().requests).toHaveLength(6);

    // Candidates are ordinary entries: prune removes the ones nobody kept (and the images the keeps replaced).
    const prune = parseJson<{ unused: { key: string }[] }>(
      (await run(['prune', '--dry-run', '--json'], { cwd: root, env: api.env() })).stdout,
    );
    expect(prune.unused.map((entry) => entry.key).sort()).toEqual([tried.json.candidates[0].key, fox.key, owl.key].sort());
    expect(await cacheKeys(root)).toHaveLength(7);
  });

  it('frozen (CI set): lists and refuses to try, sending nothing', async () => {
    const root = await copyFixture('cli-review');
    const review = await startReview(root, [], { ...api.env(), CI: '1' });
    const { json: list } = await review.call('GET', 'images');
    expect(list).toMatchObject({ frozen: true, canGenerate: false, reason: expect.stringContaining('frozen because CI is set') });
    const tried = await review.call('POST', 'try', { id: list.images[0].id, k: 2 });
    expect(tried.status).toBe(409);
    expect(api.server().requests).toHaveLength(0);
  });

  it('a busy --port is a usage error naming --port, without a stack trace; a bad one too', async () => {
    const root = await copyFixture('cli-review');
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (busy.address() as { port: number }).port;
      const result = await run(['review', '--port', String(port)], { cwd: root, env: api.env() });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--port ${port}: the port is in use on 127.0.0.1`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      busy.close();
    }
    const bad = await run(['review', '--port', 'http'], { cwd: root, env: api.env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Invalid --port "http": must be a whole number from 0 (any free port) to 65535.');
  });
});
