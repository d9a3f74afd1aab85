import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@genimage/test-server';
import { ImageCache } from '../../src/cache/cache.ts';
import { FileSystemStore } from '../../src/cache/fs-store.ts';
import { cacheKey, metaKey } from '../../src/cache/key.ts';
import { parseEntryMeta } from '../../src/cache/store.ts';
import { LocalProvider } from '../../src/generate/providers/local.ts';
import { MAX_CHOSEN_SEED, freshSeeds } from '../../src/generate/seeds.ts';
import { keyedMeta } from '../fixtures/entry.ts';
import { generationParamsSchema, type GenerationParamsInput } from '../../src/params.ts';
import { SharkProvider } from '../../src/generate/providers/shark.ts';
import { type PlannedRequest, Scheduler, type SchedulerOptions, formatFailures, formatSummary } from '../../src/generate/schedule.ts';

let server: TestServer;
let dir: string;
let cache: ImageCache;

beforeAll(async () => {
  server = await startTestServer({ longEdge: { '1K': 32, '2K': 48, '4K': 64 } });
});
afterAll(() => server.close());
beforeEach(async () => {
  server.reset();
  server.always(undefined);
  dir = await mkdtemp(path.join(tmpdir(), 'genimage-schedule-'));
  cache = new ImageCache(new FileSystemStore(path.join(dir, '.genimage')));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function request(prompt: string, line = 1, extra: Partial<GenerationParamsInput> = {}): PlannedRequest {
  const params = generationParamsSchema.parse({ prompt, seed: 1, ...extra });
  const key = cacheKey({ provider: 'shark', params, referenceHashes: [] });
  return { key, job: { params, references: [] }, origins: [{ file: 'src/pages/index.astro', line, column: 3 }] };
}

function scheduler(options: Partial<SchedulerOptions> = {}): Scheduler {
  const provider = new SharkProvider({
    apiKey: server.apiKey,
    baseUrl: server.baseUrl,
    sleep: async () => {},
    retries: { maxBilledRetries: 0 },
  });
  return new Scheduler({ provider, cache, concurrency: 1, ...options });
}

describe('Scheduler', () => {
  it('generates each distinct key once and merges the origins of duplicates', async () => {
    const summary = await scheduler().run([request('fox', 1), request('fox', 9), request('owl', 4)]);
    expect(server.requests).toHaveLength(2);
    expect(summary).toMatchObject({ requests: 2, generated: 2, images: 2, reused: 0, failed: 0 });
    expect(await cache.keys()).toHaveLength(2);
  });

  it('keeps no image bytes once an image is stored: outcomes and events report sizes, not pixels', async () => {
    const events: unknown[] = [];
    const run = scheduler({ onEvent: (event) => event.type === 'generated' && events.push(event.result) });
    const outcome = await run.ensure(request('fox'));
    expect(outcome).toMatchObject({ status: 'generated', result: { images: [{ format: 'png', width: 32, height: 32 }] } });
    const images = outcome.status === 'generated' ? outcome.result.images : [];
    expect(images.map((image) => Object.keys(image).sort())).toEqual([['format', 'height', 'width']]);
    expect(events).toEqual([outcome.status === 'generated' && outcome.result]);
  });

  it('generates nothing on a second run: everything is reused from the cache', async () => {
    const requests = [request('fox'), request('owl')];
    await scheduler().run(requests);
    server.reset();
    const summary = await scheduler().run(requests);
    expect(server.requests).toHaveLength(0);
    expect(summary).toMatchObject({ generated: 0, reused: 2 });
  });

  it('deduplicates concurrent ensure() calls for the same key into one request', async () => {
    server.always({ kind: 'delay', ms: 50 });
    const run = scheduler({ concurrency: 4 });
    const outcomes = await Promise.all([run.ensure(request('fox')), run.ensure(request('fox')), run.ensure(request('fox'))]);
    expect(server.requests).toHaveLength(1);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['generated', 'generated', 'generated']);
  });

  it('never sends more requests at once than the concurrency limit, and keeps twice as many generations under way', async () => {
    server.always({ kind: 'delay', ms: 40 });
    let active = 0;
    let peak = 0;
    const run = scheduler({
      concurrency: 2,
      onEvent: (event) => {
        if (event.type === 'start') peak = Math.max(peak, ++active);
        if (event.type === 'generated' || event.type === 'failed') active--;
      },
    });
    await run.run(['a', 'b', 'c', 'd', 'e', 'f'].map((prompt) => request(prompt)));
    expect(server.peakInFlight).toBe(2);
    expect(peak).toBe(4);
    expect(server.requests).toHaveLength(6);
  });

  it('adapts to an API that accepts fewer requests at once than the concurrency: every image, no failure', async () => {
    const limited = await startTestServer({
      longEdge: { '1K': 32, '2K': 48, '4K': 64 },
      rateLimit: { maxInFlight: 2, retryAfterSeconds: 0.05 },
    });
    try {
      limited.always({ kind: 'delay', ms: 30 });
      const provider = new SharkProvider({ apiKey: limited.apiKey, baseUrl: limited.baseUrl, retries: { maxAttempts: 1 } });
      const run = new Scheduler({ provider, cache, concurrency: 6 });
      const summary = await run.run(Array.from({ length: 24 }, (_, index) => request(`image ${index}`)));
      expect(summary).toMatchObject({ generated: 24, failed: 0 });
      expect(limited.rateLimited).toBeGreaterThan(0);
      expect(limited.peakInFlight).toBe(2);
      // Refused requests are retried, not lost, and the limit settles where the API is.
      expect(limited.requests).toHaveLength(24 + limited.rateLimited);
      expect(run.rateLimiter.limit).toBeLessThanOrEqual(3);
    } finally {
      await limited.close();
    }
  });

  it('keeps every success when some requests fail, and lists each failure with its origin', async () => {
    server.enqueueFor('gore', { kind: 'error', status: 400, type: 'content_moderation', message: 'blocked' });
    const summary = await scheduler().run([request('fox', 1), request('gore', 2), request('owl', 3)]);
    expect(summary).toMatchObject({ generated: 2, failed: 1 });
    expect(summary.failures[0]?.error.code).toBe('ContentModeration');
    expect(summary.failures[0]?.origins).toEqual([{ file: 'src/pages/index.astro', line: 2, column: 3 }]);
    expect(formatFailures(summary.failures)[0]).toMatch(/^src\/pages\/index\.astro:2:3: .*safety system/);
    expect(await cache.status(request('fox').key)).toBe('cached');
    expect(await cache.status(request('owl').key)).toBe('cached');
  });

  it.each([
    [402, 'insufficient_credits', 'InsufficientCredits'],
    [401, 'auth_error', 'AuthFailed'],
  ])('stops sending after a %i and keeps what was generated', async (status, type, code) => {
    server.enqueue({ kind: 'delay', ms: 0 }, { kind: 'error', status, type });
    const summary = await scheduler().run([request('a'), request('b'), request('c'), request('d')]);
    expect(server.requests).toHaveLength(2);
    expect(summary.stoppedBy?.code).toBe(code);
    expect(summary).toMatchObject({ generated: 1, failed: 3 });
    expect(summary.failures.map((failure) => failure.error.code)).toEqual([code, 'RunStopped', 'RunStopped']);
    // Two generations are under way at concurrency 1: whichever was sent first was generated.
    const generated = ['a', 'b']
      .map((prompt) => request(prompt).key)
      .filter((key) => !summary.failures.some((failure) => failure.key === key));
    expect(await cache.keys()).toEqual(generated);
  });

  it('stops before exceeding budget.maxImages', async () => {
    const summary = await scheduler({ budget: { maxImages: 3 } }).run([request('a', 1, { n: 2 }), request('b', 2, { n: 2 }), request('c')]);
    expect(server.requests).toHaveLength(1);
    expect(summary.images).toBe(2);
    expect(summary.stoppedBy?.code).toBe('BudgetExceeded');
    expect(summary.stoppedBy?.message).toContain('budget.maxImages (3)');
  });

  it('stops before exceeding budget.maxCredits, estimating from what was spent', async () => {
    // The test server charges 10 credits per image.
    const summary = await scheduler({ budget: { maxCredits: 25 } }).run(['a', 'b', 'c', 'd'].map((prompt) => request(prompt)));
    expect(server.requests).toHaveLength(2);
    expect(summary.credits).toBe(20);
    expect(summary.stoppedBy?.code).toBe('BudgetExceeded');
  });

  it('holds back concurrent requests that could pass budget.maxCredits together, using the estimate', async () => {
    const summary = await scheduler({ concurrency: 4, budget: { maxCredits: 15 }, estimatedCreditsPerImage: 10 }).run(
      ['a', 'b', 'c', 'd'].map((prompt) => request(prompt)),
    );
    expect(server.requests).toHaveLength(1);
    expect(summary.credits).toBe(10);
    expect(summary.stoppedBy?.code).toBe('BudgetExceeded');
  });

  it('sends no retry once a 401 elsewhere has stopped the run', async () => {
    server.enqueue({ kind: 'error', status: 429, headers: { 'retry-after-ms': '300' } }, { kind: 'error', status: 401 });
    const realClock = new Scheduler({
      provider: new SharkProvider({ apiKey: server.apiKey, baseUrl: server.baseUrl }),
      cache,
      concurrency: 2,
    });
    const summary = await realClock.run([request('a'), request('b'), request('c')]);
    expect(server.requests).toHaveLength(2);
    expect(summary.stoppedBy?.code).toBe('AuthFailed');
    expect(summary.failures.map((failure) => failure.error.code).sort()).toEqual(['AuthFailed', 'RateLimited', 'RunStopped']);
  });

  it('on a stop signal sends nothing new but finishes and caches what is under way', async () => {
    server.always({ kind: 'delay', ms: 100 });
    const stop = new AbortController();
    // Like a Ctrl-C while two requests are in flight (and two more generations wait for a slot).
    const watch = setInterval(() => server.requests.length === 2 && stop.abort(), 5);
    const summary = await scheduler({ concurrency: 2, stopSignal: stop.signal })
      .run([request('a'), request('b'), request('c'), request('d')])
      .finally(() => clearInterval(watch));
    expect(server.requests).toHaveLength(2);
    expect(summary).toMatchObject({ generated: 2, failed: 2 });
    expect(summary.failures.map((failure) => failure.error.message)).toEqual([
      'Not sent: the run was interrupted first.',
      'Not sent: the run was interrupted first.',
    ]);
    expect(await cache.keys()).toHaveLength(2);
  });

  it('regenerates a corrupt entry instead of serving it', async () => {
    const fox = request('fox');
    await scheduler().run([fox]);
    const entry = await cache.get(fox.key);
    await writeFile(path.join(dir, '.genimage', fox.key, entry!.meta.images[0]!.file), 'not the image');
    // A later run, in a new process, finds it corrupt.
    cache = new ImageCache(new FileSystemStore(path.join(dir, '.genimage')));
    expect(await cache.status(fox.key)).toBe('corrupt');
    server.reset();
    const warnings: string[] = [];
    const events: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (message: string) => void warnings.push(message) };
    const summary = await scheduler({ logger, onEvent: (event) => void events.push(event.type) }).run([fox]);
    expect(server.requests).toHaveLength(1);
    expect(await cache.status(fox.key)).toBe('cached');
    expect(summary.corrupt).toBe(1);
    expect(events).toEqual(['corrupt', 'start', 'generated']);
    expect(warnings).toEqual(['src/pages/index.astro:1:3: the cached image failed verification and is not used; generating it again.']);
    expect(formatSummary(summary)).toContain('1 corrupt cache entry replaced');
  });

  it('reports cancellation for requests not yet sent', async () => {
    const controller = new AbortController();
    controller.abort();
    const summary = await scheduler({ signal: controller.signal }).run([request('a'), request('b')]);
    expect(server.requests).toHaveLength(0);
    expect(summary.failures.map((failure) => failure.error.code)).toEqual(['Aborted', 'Aborted']);
  });

  it('sums usage, credits and attempts into one summary line', async () => {
    server.enqueue({ kind: 'error', status: 502 });
    const summary = await scheduler().run([request('a'), request('b', 2, { n: 2 })]);
    expect(summary).toMatchObject({ generated: 2, images: 3, credits: 30, attempts: 3 });
    expect(summary.usage.totalTokens).toBeGreaterThan(0);
    expect(formatSummary(summary)).toMatch(/^2 image request\(s\): 2 generated, 0 reused, 0 failed · 30 credits · \d+\.\d s$/);
  });

  it('rejects a concurrency below 1 with a clear message', () => {
    expect(() => scheduler({ concurrency: 0 })).toThrow('Expected `concurrency` to be an integer from 1 and up, got 0');
  });
});

/** A cache folder whose first `room` entries are stored; every later write fails with `code` (ENOSPC: the disk filled up). */
class FailingWritesStore extends FileSystemStore {
  #writes = 0;
  readonly room: number;
  readonly code: string;
  constructor(dir: string, room: number, code = 'ENOSPC') {
    super(dir);
    this.room = room;
    this.code = code;
  }
  override async write(...args: Parameters<FileSystemStore['write']>): Promise<void> {
    if (++this.#writes > this.room) throw Object.assign(new Error(`${this.code}: cannot write in ${this.dir}`), { code: this.code });
    return super.write(...args);
  }
}

describe('Scheduler: seeds', () => {
  it('never sends seed -1: a seedless request is sent a chosen seed, recorded in its entry, under the key as written', async () => {
    const seedless = request('a fox without a seed', 1, { seed: -1 });
    await scheduler().run([seedless]);
    const sent = (server.requests[0]!.body as { seed: number }).seed;
    expect(Number.isInteger(sent) && sent >= 0 && sent <= MAX_CHOSEN_SEED).toBe(true);
    expect(await cache.keys()).toEqual([seedless.key]);
    const meta = await cache.store.readMeta(seedless.key);
    expect(meta?.params).toMatchObject({ seed: -1, sentSeed: sent });
    expect(await cache.status(seedless.key)).toBe('cached');
  });

  it('chooses a new seed for each seedless request, and sends a stated seed as it is with none recorded', async () => {
    await scheduler().run([request('one', 1, { seed: -1 }), request('two', 2, { seed: -1 }), request('three', 3, { seed: 7 })]);
    const seeds = server.requests.map((recorded) => (recorded.body as { prompt: string; seed: number }).seed);
    expect(seeds.slice(0, 2).every((seed) => seed >= 0)).toBe(true);
    expect(seeds[0]).not.toBe(seeds[1]);
    expect(seeds[2]).toBe(7);
    const stated = await cache.store.readMeta(request('three', 3, { seed: 7 }).key);
    expect(stated?.params).not.toHaveProperty('sentSeed');
  });

  it('the offline placeholders keep seed -1: nothing is sent, and one fixed picture is their design', async () => {
    const placeholders = new Scheduler({ provider: new LocalProvider({ longEdge: { '1K': 32 } }), cache, concurrency: 1 });
    const seedless = request('a placeholder', 1, { seed: -1 });
    const local = { ...seedless, key: cacheKey({ provider: 'local', params: seedless.job.params, referenceHashes: [] }) };
    await placeholders.run([local]);
    expect((await cache.store.readMeta(local.key))?.params).not.toHaveProperty('sentSeed');
  });

  it('entries written before seeds were chosen (seed -1, no sentSeed) still verify; sentSeed beside a stated seed does not', () => {
    const old = keyedMeta([new Uint8Array([1])]);
    const seedless = { ...old, params: { ...old.params, seed: -1 } };
    const filed = { ...seedless, key: metaKey(seedless) };
    expect(parseEntryMeta(JSON.stringify(filed), filed.key)).toEqual({ meta: filed });
    const recorded = { ...filed, params: { ...filed.params, sentSeed: 12 } };
    expect(parseEntryMeta(JSON.stringify(recorded), filed.key)).toEqual({ meta: recorded });
    const stated = { ...old, params: { ...old.params, sentSeed: 12 } };
    expect(parseEntryMeta(JSON.stringify(stated), old.key)).toEqual({
      problem: 'is not valid cache metadata:\n  params.sentSeed: is only recorded for seed -1 (a seed genimage chose and sent)',
    });
  });

  it('freshSeeds: distinct, never -1, none of those to avoid', () => {
    const seeds = freshSeeds(50, [1, 2, 3]);
    expect(new Set(seeds).size).toBe(50);
    expect(seeds.every((seed) => Number.isInteger(seed) && seed >= 0 && seed <= MAX_CHOSEN_SEED && seed > 3)).toBe(true);
  });
});

describe('Scheduler on a full disk', () => {
  it('stops sending at the first write that fails with ENOSPC, and counts the answers paid for but not stored', async () => {
    server.always({ kind: 'delay', ms: 30 });
    const store = new FailingWritesStore(path.join(dir, '.genimage'), 2);
    const run = scheduler({ cache: new ImageCache(store), concurrency: 4 });
    const summary = await run.run(Array.from({ length: 20 }, (_, index) => request(`image ${index}`, index + 1)));

    // Sent: the 2 stored, the one that met the full disk, and those already in flight then; not all 20.
    expect(server.requests.length).toBeLessThan(12);
    expect(summary.generated).toBe(2);
    expect(summary.unstored).toBe(server.requests.length - 2);
    expect(summary.unstored).toBeGreaterThanOrEqual(1);
    expect(summary.failed).toBe(20 - 2);
    // Every answer counts: the charges as credits, the lost ones as possibly billed too.
    expect(summary.credits).toBe(server.creditsSpent);
    expect(summary.possiblyBilledAttempts).toBe(summary.unstored);
    expect(summary.stoppedBy).toMatchObject({ code: 'CacheUnwritable' });
    expect(summary.stoppedBy?.message).toContain('Generated, and paid for, but not stored (ENOSPC): ENOSPC: cannot write in');
    expect(summary.stoppedBy?.hint).toContain('Free space on the disk that holds the cache folder');
    const codes = summary.failures.map((failure) => failure.error.code);
    expect(codes.filter((code) => code === 'CacheUnwritable')).toHaveLength(summary.unstored);
    expect(codes.filter((code) => code === 'RunStopped')).toHaveLength(20 - server.requests.length);
    expect(formatSummary(summary)).toContain(
      `${summary.unstored} possibly billed failed attempt(s) · ${summary.unstored} paid for but not stored`,
    );
  });

  it('a write that fails for another reason (EACCES) does not stop the run; the answer is still counted as paid for', async () => {
    const store = new FailingWritesStore(path.join(dir, '.genimage'), 1, 'EACCES');
    const summary = await scheduler({ cache: new ImageCache(store) }).run(['a', 'b', 'c'].map((prompt) => request(prompt)));
    expect(server.requests).toHaveLength(3);
    expect(summary).toMatchObject({ generated: 1, failed: 2, unstored: 2, possiblyBilledAttempts: 2, credits: server.creditsSpent });
    expect(summary.stoppedBy).toBeUndefined();
  });
});

describe('Scheduler across processes', () => {
  it('two processes on one cache generate each key once', async () => {
    server.always({ kind: 'delay', ms: 150 });
    const runner = fileURLToPath(new URL('./fixtures/schedule-runner.ts', import.meta.url));
    const prompts = ['a', 'b', 'c', 'd'];
    const children = [0, 1].map(() =>
      spawn(process.execPath, [runner, path.join(dir, '.genimage'), server.baseUrl, server.apiKey, ...prompts], {
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    const outputs = children.map((child) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      return {
        ready: waitFor(() => text.includes('ready')),
        done: new Promise<string>((resolve) => child.on('exit', () => resolve(text))),
      };
    });
    await Promise.all(outputs.map((output) => output.ready));
    for (const child of children) child.stdin.write('go\n');
    const texts = await Promise.all(outputs.map((output) => output.done));
    const summaries = texts.map(
      (text) => JSON.parse(text.split('\n').filter(Boolean).at(-1)!) as { generated: number; reused: number; failed: number },
    );
    expect(server.requests).toHaveLength(4);
    expect(summaries.reduce((sum, s) => sum + s.generated, 0)).toBe(4);
    expect(summaries.every((s) => s.generated + s.reused === 4 && s.failed === 0)).toBe(true);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
