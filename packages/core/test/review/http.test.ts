import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@genimage/test-server';
import { GenImageError, InvalidOptions } from '../../src/errors.ts';
import { isLoopbackAddress, isLoopbackHost } from '../../src/review/guards.ts';
import { ReviewSession } from '../../src/review/session.ts';
import { REVIEW_BASE } from '../../src/review/protocol.ts';
import type { Engine } from '../../src/engine.ts';
import {
  PAGE,
  PAGE_SOURCE,
  POST,
  POST_SOURCE,
  type ReviewServer,
  loadEngine,
  makeSite,
  readSite,
  removeSite,
  serveReview,
} from './fixture.ts';

const API_KEY = 'sk-review-http-0123456789abcdef';
let api: TestServer;
let root: string;
let engine: Engine;
let review: ReviewServer;
const opened: ReviewServer[] = [];

beforeAll(async () => {
  api = await startTestServer({ apiKey: API_KEY, longEdge: { '1K': 48, '2K': 64, '4K': 96 } });
});
afterAll(() => api.close());
beforeEach(async () => {
  api.reset();
  root = await makeSite();
  engine = await loadEngine(root, { SHARK_API_KEY: API_KEY, SHARK_BASE_URL: api.baseUrl });
  review = await open(new ReviewSession({ engine }));
});
afterEach(async () => {
  const answers = opened.flatMap((server) => server.answers);
  await Promise.all(opened.splice(0).map((server) => server.close()));
  await removeSite(root);
  // The API key never reaches the browser: no answer of any test holds it.
  expect(answers.join('\n')).not.toContain(API_KEY);
});

async function open(session: ReviewSession, options: { remoteAddress?: string } = {}): Promise<ReviewServer> {
  const server = await serveReview(session, options);
  opened.push(server);
  return server;
}

/** The listed image whose prompt is `prompt`. */
async function image(server: ReviewServer, prompt: string) {
  const { json } = await server.call('GET', 'images');
  const found = json.images.find((listed: { prompt: string }) => listed.prompt === prompt);
  if (!found) throw new Error(`no image "${prompt}" in ${JSON.stringify(json)}`);
  return found;
}

describe('the review API: what it answers', () => {
  it('lists every declaration, each kind, with where it is, its seed as declared and its cache status', async () => {
    const { status, json, headers } = await review.call('GET', 'images');
    expect(status).toBe(200);
    expect(headers['cache-control']).toBe('no-store');
    expect(json).toMatchObject({ frozen: false, canGenerate: true });
    expect(
      json.images.map((listed: Record<string, unknown>) => [listed['id'], listed['declaredIn'], listed['seed'], listed['status']]),
    ).toEqual([
      [`${POST}:4:3`, 'frontmatter', null, 'missing'],
      [`${PAGE}:4:18`, 'call', 5, 'missing'],
      [`${PAGE}:8:5`, 'marker', 42, 'missing'],
      [`${PAGE}:9:5`, 'marker', null, 'missing'],
    ]);
    expect(json.images[2]).toMatchObject({ file: PAGE, line: 8, column: 5, prompt: 'a red fox', aspectRatio: '1:1', imageSize: '1K' });
  });

  it('quote, try, keep: candidates through the engine, the source changed only in the seed, the kept image shown with no request', async () => {
    const fox = await image(review, 'a red fox');
    const quote = await review.call('POST', 'quote', { id: fox.id, k: 2 });
    expect(quote.status).toBe(200);
    expect(quote.json).toMatchObject({ k: 2, credits: null, canGenerate: true });
    const seeds: number[] = quote.json.seeds;
    expect(new Set(seeds).size).toBe(2);
    expect(seeds.every((seed) => Number.isInteger(seed) && seed >= 0 && seed !== 42)).toBe(true);
    expect(api.requests).toHaveLength(0);

    const tried = await review.call('POST', 'try', { id: fox.id, k: 2, seeds });
    expect(tried.status).toBe(200);
    expect(api.requests.map((request) => (request.body as { seed: number }).seed).sort()).toEqual([...seeds].sort());
    expect(tried.json.creditsSpent).toBe(20);
    expect(
      tried.json.candidates.map((candidate: { seed: number; kept: boolean; credits: number }) => [
        candidate.seed,
        candidate.kept,
        candidate.credits,
      ]),
    ).toEqual(seeds.map((seed) => [seed, false, 10]));

    // The preview, token in its header: the candidate's verified bytes. Never a token in a URL.
    const inQuery = await review.call('GET', `${tried.json.candidates[0].preview}?token=${review.session.token}`, undefined, {
      'x-genimage-review-token': undefined,
    });
    expect(inQuery.status).toBe(403);
    const preview = await review.call('GET', tried.json.candidates[0].preview);
    expect(preview.status).toBe(200);
    expect(preview.headers['content-type']).toBe('image/png');
    expect((await sharp(preview.bytes).metadata()).width).toBe(48);

    // The next quote knows both candidates' cost, and picks other seeds.
    const again = await review.call('POST', 'quote', { id: fox.id, k: 3 });
    expect(again.json.credits).toBe(30);
    expect(again.json.seeds.some((seed: number) => seeds.includes(seed))).toBe(false);

    const kept = await review.call('POST', 'keep', { id: fox.id, seed: seeds[1] });
    expect(kept.status).toBe(200);
    expect(kept.json).toEqual({ id: fox.id, file: PAGE, line: 8, column: 5, seed: seeds[1], key: tried.json.candidates[1].key });
    expect(await readSite(root, PAGE)).toBe(PAGE_SOURCE.replace('seed={42}', `seed={${seeds[1]}}`));

    const listed = await image(review, 'a red fox');
    expect(listed).toMatchObject({ seed: seeds[1], status: 'cached', key: kept.json.key, credits: 10, width: 48, height: 48 });
    expect(listed.candidates.map((candidate: { seed: number; kept: boolean }) => [candidate.seed, candidate.kept])).toEqual([
      [seeds[0], false],
    ]);
    // The engine's own scan agrees: the kept key, cached, with no request.
    const scan = await engine.scan();
    expect(scan.uses.find((use) => use.params.prompt === 'a red fox')?.key).toBe(kept.json.key);
    expect((await engine.statuses(scan.requests)).get(kept.json.key)).toBe('cached');
    expect(api.requests).toHaveLength(2);
  });

  it('keeps a seed in a genImage() call and in a frontmatter entry the same way', async () => {
    const card = await image(review, 'an og card');
    const hero = await image(review, 'a lighthouse at dusk');
    const cardTry = await review.call('POST', 'try', { id: card.id, k: 1 });
    const heroTry = await review.call('POST', 'try', { id: hero.id, k: 1 });
    const [cardSeed, heroSeed] = [cardTry.json.candidates[0].seed, heroTry.json.candidates[0].seed];
    expect((await review.call('POST', 'keep', { id: card.id, seed: cardSeed })).status).toBe(200);
    expect((await review.call('POST', 'keep', { id: hero.id, seed: heroSeed })).status).toBe(200);
    expect(await readSite(root, PAGE)).toBe(PAGE_SOURCE.replace("seed: 5, aspectRatio: '16:9'", `seed: ${cardSeed}, aspectRatio: '16:9'`));
    expect(await readSite(root, POST)).toBe(POST_SOURCE.replace('  alt: A lighthouse\n', `  alt: A lighthouse\n  seed: ${heroSeed}\n`));
    expect(api.requests).toHaveLength(2);
  });

  it('fix-seed: a seedless image gets the seed it was sent with written, filed under the new key, with no request', async () => {
    const owl = await image(review, 'a seedless owl');
    await engine.generate([(await engine.scan()).uses.find((use) => use.key === owl.key)!.request]);
    const sent = (api.requests[0]!.body as { seed: number }).seed;
    const listed = await image(review, 'a seedless owl');
    expect(listed).toMatchObject({ seed: null, recordedSeed: sent, status: 'cached' });

    const fixed = await review.call('POST', 'fix-seed', { id: owl.id });
    expect(fixed.status).toBe(200);
    expect(fixed.json).toMatchObject({ id: owl.id, seed: sent });
    expect(await readSite(root, PAGE)).toBe(PAGE_SOURCE.replace('      alt="An owl"\n', `      alt="An owl"\n      seed={${sent}}\n`));
    const after = await image(review, 'a seedless owl');
    expect(after).toMatchObject({ seed: sent, status: 'cached', key: fixed.json.key });
    expect(after.recordedSeed).toBeUndefined();
    const [before, now] = await Promise.all([engine.cache.get(owl.key), engine.cache.get(fixed.json.key)]);
    expect(Buffer.from(now!.images[0]!).equals(Buffer.from(before!.images[0]!))).toBe(true);
    expect(now!.meta.params).toMatchObject({ seed: sent });
    expect(now!.meta.params.sentSeed).toBeUndefined();
    expect(api.requests).toHaveLength(1);
  });

  it("quotes from the site's median cost per image when the declaration has none recorded", async () => {
    const fox = await image(review, 'a red fox');
    await review.call('POST', 'try', { id: fox.id, k: 2 });
    const owl = await image(review, 'a seedless owl');
    const quote = await review.call('POST', 'quote', { id: owl.id });
    expect(quote.json).toMatchObject({ k: 3, credits: 30 });
    expect(quote.json.seeds).toHaveLength(3);
  });

  it('finds a declaration added since the list was made; refuses an id that declares nothing, and fix-seed where there is nothing to fix', async () => {
    await review.call('GET', 'images');
    await writeFile(path.join(root, PAGE), `${PAGE_SOURCE}<GenImage prompt="a hare" alt="A hare" />\n`);
    const added = await review.call('POST', 'quote', { id: `${PAGE}:15:1`, k: 1 });
    expect(added.status).toBe(200);
    const nothing = await review.call('POST', 'keep', { id: `${PAGE}:2:1`, seed: 1 });
    expect(nothing.status).toBe(409);
    expect(nothing.json.error).toContain(`No image is declared at ${PAGE}:2:1`);
    const seeded = await review.call('POST', 'fix-seed', { id: `${PAGE}:8:5` });
    expect(seeded.status).toBe(409);
    expect(seeded.json.error).toContain('already asks for seed 42');
    const uncached = await review.call('POST', 'fix-seed', { id: `${PAGE}:9:5` });
    expect(uncached.status).toBe(409);
    expect(uncached.json.error).toContain('not cached yet');
    expect(api.requests).toHaveLength(0);
  });

  it('keep replaces the file atomically: its permissions kept, a symbolic link still a link to it, no temp file left', async () => {
    const real = path.join(root, 'src/shared/post.md');
    await mkdir(path.dirname(real), { recursive: true });
    await rename(path.join(root, POST), real);
    await symlink(real, path.join(root, POST));
    await chmod(real, 0o640);
    const hero = await image(review, 'a lighthouse at dusk');
    const tried = await review.call('POST', 'try', { id: hero.id, k: 1 });
    expect((await review.call('POST', 'keep', { id: hero.id, seed: tried.json.candidates[0].seed })).status).toBe(200);
    expect((await lstat(path.join(root, POST))).isSymbolicLink()).toBe(true);
    expect((await stat(real)).mode & 0o777).toBe(0o640);
    expect(await readFile(real, 'utf8')).toContain(`  seed: ${tried.json.candidates[0].seed}\n`);
    expect((await readdir(path.dirname(real))).sort()).toEqual(['post.md']);
  });

  it('never pays for nor writes through a symbolic link to a file outside the project root (409), which stays as it was', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'genimage-outside-'));
    try {
      const real = path.join(outside, 'post.md');
      await rename(path.join(root, POST), real);
      const before = await readFile(real, 'utf8');
      await symlink(real, path.join(root, POST));
      const hero = await image(review, 'a lighthouse at dusk');
      // Nothing to pay for: what try would make could not be kept.
      const tried = await review.call('POST', 'try', { id: hero.id, k: 1 });
      expect(tried.status).toBe(409);
      expect(tried.json.error).toContain('outside the project root');
      expect(api.requests).toHaveLength(0);
      expect(await readFile(real, 'utf8')).toBe(before);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('an engine that cannot load is answered with its error as a sentence (500), never a stack', async () => {
    const broken = await open(
      new ReviewSession({ engine: () => Promise.reject(new GenImageError(InvalidOptions, 'concurrency: must be from 1 to 64.')) }),
    );
    const answer = await broken.call('GET', 'images');
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({
      error: 'Invalid genimage options: concurrency: must be from 1 to 64.\n  hint: Fix the options named above.',
      code: 'InvalidOptions',
    });
  });

  it('a path outside the base goes to the next handler; an unknown one under it is a JSON 404', async () => {
    expect((await review.call('GET', '/somewhere')).text).toBe('not the review API');
    const unknown = await review.call('GET', `${REVIEW_BASE}/nothing`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toContain('/nothing');
    expect((await review.call('GET', 'keep')).status).toBe(405);
  });
});

describe('the review API: its safety rules', () => {
  it('refuses a request without the token, or with a wrong one (403), and never from the query', async () => {
    const missing = await review.call('GET', 'images', undefined, { 'x-genimage-review-token': undefined });
    expect(missing.status).toBe(403);
    expect(missing.json.error).toContain('token is missing or wrong');
    const wrong = await review.call('GET', 'images', undefined, { 'x-genimage-review-token': 'f'.repeat(64) });
    expect(wrong.status).toBe(403);
    const inQuery = await review.call('GET', `${REVIEW_BASE}/images?token=${review.session.token}`, undefined, {
      'x-genimage-review-token': undefined,
    });
    expect(inQuery.status).toBe(403);
    const keep = await review.call('POST', 'keep', { id: `${PAGE}:8:5`, seed: 1 }, { 'x-genimage-review-token': undefined });
    expect(keep.status).toBe(403);
  });

  it('refuses a cross-origin request (Origin of another site, or Sec-Fetch-Site cross-site) with 403, and writes nothing', async () => {
    const crossOrigin = await review.call('POST', 'keep', { id: `${PAGE}:8:5`, seed: 1 }, { origin: 'https://evil.example' });
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.json.error).toContain('"https://evil.example"');
    const crossSite = await review.call('POST', 'try', { id: `${PAGE}:8:5`, k: 1 }, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.json.error).toContain('"cross-site"');
    expect((await review.call('GET', 'images', undefined, { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect(api.requests).toHaveLength(0);
    expect(await readSite(root, PAGE)).toBe(PAGE_SOURCE);
  });

  it('refuses a request from another machine (403): the loopback rule, over HTTP and as a predicate', async () => {
    const remote = await open(new ReviewSession({ engine }), { remoteAddress: '192.0.2.7' });
    const refused = await remote.call('GET', 'images');
    expect(refused.status).toBe(403);
    expect(refused.json.error).toContain('from this machine only');
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.8.9.10']) expect(isLoopbackAddress(address)).toBe(true);
    for (const address of ['192.0.2.7', '::ffff:10.0.0.1', 'fe80::1', '0.0.0.0', '', undefined])
      expect(isLoopbackAddress(address)).toBe(false);
  });

  it('refuses a request for another host name (403): a page that rebinds its domain to 127.0.0.1', async () => {
    const rebound = await review.call('GET', 'images', undefined, { host: 'evil.example:80' });
    expect(rebound.status).toBe(403);
    expect(rebound.json.error).toContain('localhost only');
    for (const host of ['localhost:4321', '127.0.0.1:5173', '[::1]:3000', 'site.localhost']) expect(isLoopbackHost(host)).toBe(true);
    expect(isLoopbackHost('evil.example')).toBe(false);
    // A name a tunnel or proxy reaches the dev server by (Vite's allowedHosts) is not this machine.
    expect(isLoopbackHost('abc.ngrok-free.app')).toBe(false);
  });

  it('refuses a POST that is not JSON (403), over 16 KiB (413), or not a JSON object (400)', async () => {
    const form = await review.call('POST', 'keep', 'id=x&seed=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(403);
    const big = await review.call('POST', 'quote', { id: 'x'.repeat(17 * 1024) });
    expect(big.status).toBe(413);
    expect((await review.call('POST', 'quote', '{"id":')).status).toBe(400);
    expect((await review.call('POST', 'quote', '[1, 2]')).status).toBe(400);
    const badK = await review.call('POST', 'quote', { id: `${PAGE}:8:5`, k: 99 });
    expect(badK.status).toBe(400);
    expect(badK.json).toMatchObject({
      code: 'ReviewInvalid',
      error: expect.stringContaining('k must be a whole number from 1 to 8, got 99'),
    });
  });

  it('refuses to keep into a file edited meanwhile (409, naming file:line:col) and leaves the file as the author saved it', async () => {
    const fox = await image(review, 'a red fox');
    const tried = await review.call('POST', 'try', { id: fox.id, k: 1 });
    const edited = PAGE_SOURCE.replace('prompt="a red fox"', 'prompt="a red fox, at night"');
    await writeFile(path.join(root, PAGE), edited);
    const refused = await review.call('POST', 'keep', { id: fox.id, seed: tried.json.candidates[0].seed });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ code: 'DeclarationChanged' });
    expect(refused.json.error).toMatch(/^src\/pages\/index\.astro:8:5: The declaration changed since it was listed: .*edited meanwhile/);
    expect(await readSite(root, PAGE)).toBe(edited);
  });

  it('refuses quote, try and keep for an id whose declaration is no longer the one shown (its key), and sends nothing', async () => {
    const fox = await image(review, 'a red fox');
    // Another declaration now sits at the fox's place, and the server has listed it since (another tab).
    await writeFile(path.join(root, PAGE), PAGE_SOURCE.replace('prompt="a red fox"', 'prompt="a grey wolf"'));
    await review.call('GET', 'images');
    for (const [action, body] of [
      ['quote', { id: fox.id, key: fox.key, k: 1 }],
      ['try', { id: fox.id, key: fox.key, k: 1 }],
      ['keep', { id: fox.id, key: fox.key, seed: 1 }],
    ] as const) {
      const refused = await review.call('POST', action, body);
      expect(refused.status).toBe(409);
      expect(refused.json.error).toContain('is no longer the one shown');
    }
    expect(api.requests).toHaveLength(0);
  });

  it('refuses to keep a seed that has no cached image (409) and sends no request', async () => {
    const fox = await image(review, 'a red fox');
    const refused = await review.call('POST', 'keep', { id: fox.id, seed: 7 });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toContain('No image with seed 7 is cached for this declaration');
    expect(api.requests).toHaveLength(0);
    expect(await readSite(root, PAGE)).toBe(PAGE_SOURCE);
  });

  it('frozen, or without an API key, try is refused (409) with the reason and nothing is sent', async () => {
    const frozen = await open(
      new ReviewSession({ engine: await loadEngine(root, { CI: 'true', SHARK_API_KEY: API_KEY, SHARK_BASE_URL: api.baseUrl }) }),
    );
    const frozenList = await frozen.call('GET', 'images');
    expect(frozenList.json).toMatchObject({
      frozen: true,
      canGenerate: false,
      reason: expect.stringContaining('frozen because CI is set'),
    });
    const frozenTry = await frozen.call('POST', 'try', { id: `${PAGE}:8:5`, k: 2 });
    expect(frozenTry.status).toBe(409);
    expect(frozenTry.json.error).toContain('nothing is sent');
    const frozenQuote = await frozen.call('POST', 'quote', { id: `${PAGE}:8:5`, k: 2 });
    expect(frozenQuote.json).toMatchObject({ canGenerate: false, reason: expect.stringContaining('frozen') });

    const keyless = await open(new ReviewSession({ engine: await loadEngine(root, { SHARK_BASE_URL: api.baseUrl }) }));
    expect((await keyless.call('GET', 'images')).json).toMatchObject({
      frozen: false,
      canGenerate: false,
      reason: expect.stringContaining('No API key'),
    });
    const keylessTry = await keyless.call('POST', 'try', { id: `${PAGE}:8:5`, k: 2 });
    expect(keylessTry.status).toBe(409);
    expect(api.requests).toHaveLength(0);
  });

  it('never answers with the API key, even when the API echoes it in an error', async () => {
    api.enqueue({ kind: 'error', status: 400, type: 'invalid_request_error', message: `bad request for key ${API_KEY}` });
    const fox = await image(review, 'a red fox');
    const tried = await review.call('POST', 'try', { id: fox.id, k: 1 });
    expect(tried.status).toBe(200);
    expect(tried.json.candidates).toEqual([]);
    expect(tried.json.failed).toHaveLength(1);
    expect(tried.text).not.toContain(API_KEY);
    // afterEach checks every answer of every test.
  });
});
