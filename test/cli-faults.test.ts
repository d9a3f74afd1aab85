/**
 * The fault matrix over real HTTP, through the real `genimage` CLI: for each way the image API can
 * fail, the retries stay within the documented bounds, the failure names its markers and its error
 * code, nothing partial reaches the cache, and the other images of the run are still generated.
 * Then SIGKILL at 20 moments of a run: no entry is ever corrupt, and the next run generates
 * exactly what is missing.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Fault, startTestServer, type TestServer, type TestServerOptions } from '@genimage/test-server';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheKeys, copyFixture, edit, parseJson, removeTemps, run, start, transcript, waitFor } from './fixtures/cli-harness/harness.ts';

const API_KEY = 'sk-cli-faults-secret-4242';

afterAll(async () => {
  await removeTemps();
  expect(transcript.join('\n')).not.toContain(API_KEY);
});

/**
 * Tests run concurrently, each with its own test server (so its request counts are its own), at
 * most two at a time: most of the file's time is waiting (timeouts, Retry-After, delays), and a
 * CLI run costs about 0.4 s of one core.
 */
const slot = limit(2);

interface Api {
  server: TestServer;
  env: Record<string, string>;
}

async function withServer<T>(body: (api: Api) => Promise<T>, options: TestServerOptions = {}): Promise<T> {
  return slot(async () => {
    const server = await startTestServer({ apiKey: API_KEY, longEdge: { '1K': 64, '2K': 96, '4K': 128 }, ...options });
    try {
      return await body({ server, env: { SHARK_API_KEY: server.apiKey, SHARK_BASE_URL: server.baseUrl, CI: '' } });
    } finally {
      await server.close();
    }
  });
}

/** A tiny p-limit: at most `concurrency` bodies at once, the others in arrival order. */
function limit(concurrency: number): <T>(body: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (body) => {
    if (active < concurrency) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // the slot is handed over
    try {
      return await body();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/** Fast retries and a short timeout, so that the whole matrix runs in seconds. */
const MAX_ATTEMPTS = 3;
const MAX_BILLED_RETRIES = 1;
/** How long an API may refuse everything with 429 before the run gives up. */
const MAX_RATE_LIMITED_MS = 500;
const FAST = {
  retries: {
    maxAttempts: MAX_ATTEMPTS,
    maxBilledRetries: MAX_BILLED_RETRIES,
    baseDelayMs: 1,
    maxDelayMs: 5,
    maxRetryAfterMs: 3000,
    maxRateLimitedMs: MAX_RATE_LIMITED_MS,
  },
  timeout: 1500,
};
/** Above the provider's default download cap (64 MiB), which no option changes. */
const OVER_DOWNLOAD_CAP = 64 * 1024 * 1024 + 1;

const FOX = 'a red fox asleep in fresh snow';
const LAKE = 'a mountain lake at sunrise';
const LIGHTHOUSE = 'a lighthouse at dusk, <stormy> & wild';
/** The fox's markers: faults queued for its prompt (`enqueueFor`) hit it alone. */
const FOX_AT = 'src/pages/about.md:9:1, src/pages/index.astro:8:5';
const FOX_ORIGINS = [
  { file: 'src/pages/about.md', line: 9, column: 1 },
  { file: 'src/pages/index.astro', line: 8, column: 5 },
];

/** `rateLimit`: retried for as long as the API lets some request through (not counted against maxAttempts). */
type RetryClass = 'free' | 'billed' | 'never' | 'rateLimit';

interface Row {
  name: string;
  /** A function when the fault depends on the time it is sent (an HTTP date). */
  fault: Fault | (() => Fault);
  /** The same fault without the wait, for the runs where it never goes away (the recovery run checks the wait). */
  standing?: Fault;
  retry: RetryClass;
  code: string;
  /** The start of the failure's text after `file:line:col: `. */
  text: string;
  config?: Record<string, unknown>;
  /** The fault carries a Retry-After: the retry must not arrive before it says. */
  honoursRetryAfter?: boolean;
}

const URL_FORMAT = { responseFormat: 'url' };
/** Every other request of the run answers in a few milliseconds: 1 s is ample, and twice that is the row's cost. */
const SHORT_TIMEOUT = { timeout: 1000 };

const ROWS: Row[] = [
  {
    name: '429 with Retry-After in seconds',
    fault: { kind: 'error', status: 429, headers: { 'retry-after': '1' } },
    standing: { kind: 'error', status: 429, headers: { 'retry-after': '0' } },
    retry: 'rateLimit',
    code: 'RateLimited',
    text: `The image API kept rate-limiting the requests: The API refused every request for ${MAX_RATE_LIMITED_MS} ms (429 rate_limit_error); retries.maxRateLimitedMs (${MAX_RATE_LIMITED_MS} ms) says when to give up.`,
    honoursRetryAfter: true,
  },
  {
    name: '429 with Retry-After as an HTTP date',
    // Whole seconds, and within retries.maxRetryAfterMs (3 s) of the moment the 429 arrives.
    fault: () => ({ kind: 'error', status: 429, headers: { 'retry-after': new Date(Date.now() + 3000).toUTCString() } }),
    standing: { kind: 'error', status: 429, headers: { 'retry-after': new Date(0).toUTCString() } },
    retry: 'rateLimit',
    code: 'RateLimited',
    text: `The image API kept rate-limiting the requests: The API refused every request for ${MAX_RATE_LIMITED_MS} ms`,
    honoursRetryAfter: true,
  },
  {
    name: '502',
    fault: { kind: 'error', status: 502 },
    retry: 'free',
    code: 'ProviderFailed',
    text: 'The image API reported an upstream failure: HTTP 502',
  },
  {
    name: '503',
    fault: { kind: 'error', status: 503 },
    retry: 'free',
    code: 'ProviderFailed',
    text: 'The image API reported an upstream failure: HTTP 503',
  },
  {
    name: '504',
    fault: { kind: 'error', status: 504 },
    retry: 'billed',
    code: 'ProviderTimeout',
    text: 'The image generation timed out: HTTP 504',
  },
  {
    name: '500',
    fault: { kind: 'error', status: 500 },
    retry: 'billed',
    code: 'ProviderFailed',
    text: 'The image API reported an upstream failure: HTTP 500',
  },
  {
    name: 'a connection reset',
    fault: { kind: 'reset' },
    retry: 'billed',
    code: 'NetworkFailed',
    text: 'Could not reach the image API: The connection failed after the request was sent',
  },
  {
    name: 'a server that never answers',
    fault: { kind: 'hang' },
    retry: 'billed',
    code: 'ProviderTimeout',
    text: 'The image generation timed out: No complete answer within 1 s',
    config: SHORT_TIMEOUT,
  },
  {
    name: 'a body that stalls beyond the timeout',
    fault: { kind: 'slowBody', delayMs: 5000 },
    retry: 'billed',
    code: 'ProviderTimeout',
    text: 'The image generation timed out: No complete answer within 1 s',
    config: SHORT_TIMEOUT,
  },
  {
    name: 'broken JSON',
    fault: { kind: 'brokenJson' },
    retry: 'billed',
    code: 'InvalidResponse',
    text: 'The image API sent a response genimage cannot use: The 200 response body is not valid JSON.',
  },
  {
    name: 'fewer images than asked',
    fault: { kind: 'fewerImages' },
    retry: 'billed',
    code: 'InvalidResponse',
    text: 'The image API sent a response genimage cannot use: Asked for 1 image(s), the API returned 0.',
  },
  {
    name: 'invalid base64',
    fault: { kind: 'invalidBase64' },
    retry: 'billed',
    code: 'InvalidResponse',
    text: 'The image API sent a response genimage cannot use: Image 0 is not valid base64.',
  },
  {
    name: 'bytes that are not an image',
    fault: { kind: 'notImage' },
    retry: 'billed',
    code: 'InvalidResponse',
    text: 'The image API sent a response genimage cannot use: Image 0 is not a usable image: the data is not a readable image',
  },
  {
    name: 'a url answer that 404s',
    fault: { kind: 'downloadFails', status: 404 },
    retry: 'billed',
    code: 'InvalidResponse',
    text: 'The image API sent a response genimage cannot use: Downloading image 0 failed: HTTP 404.',
    config: URL_FORMAT,
  },
  {
    name: 'a url answer above the download cap (content-length)',
    fault: { kind: 'oversizedDownload', bytes: OVER_DOWNLOAD_CAP },
    retry: 'billed',
    code: 'InvalidResponse',
    text: `The image API sent a response genimage cannot use: Downloading image 0 failed: the image is ${OVER_DOWNLOAD_CAP} bytes, over the 67108864-byte cap.`,
    config: URL_FORMAT,
  },
  {
    name: 'a url answer above the download cap (chunked)',
    fault: { kind: 'oversizedDownload', bytes: OVER_DOWNLOAD_CAP, chunked: true },
    retry: 'billed',
    code: 'InvalidResponse',
    text: 'The image API sent a response genimage cannot use: Downloading image 0 failed: The image download exceeded 67108864 bytes.',
    config: URL_FORMAT,
  },
  {
    name: '400',
    fault: { kind: 'error', status: 400 },
    retry: 'never',
    code: 'InvalidRequest',
    text: 'The image API rejected the request as invalid: HTTP 400',
  },
  {
    name: '429 asking to wait longer than retries.maxRetryAfterMs',
    fault: { kind: 'error', status: 429, headers: { 'retry-after': '10' } },
    retry: 'never',
    code: 'RateLimited',
    text: 'The image API kept rate-limiting the requests: The API asked to wait 10 s before retrying, more than retries.maxRetryAfterMs (3000 ms) allows.',
  },
];

/** Attempts for one image under a fault that never goes away. */
function attemptsFor(retry: RetryClass): number {
  if (retry === 'free' || retry === 'rateLimit') return MAX_ATTEMPTS;
  if (retry === 'billed') return 1 + MAX_BILLED_RETRIES;
  return 1;
}

function faultOf(row: Row): Fault {
  return typeof row.fault === 'function' ? row.fault() : row.fault;
}

/** cli-basic (3 distinct requests, 4 markers) with fast retries. */
async function project(config: Record<string, unknown> = {}): Promise<string> {
  const root = await copyFixture('cli-basic');
  await writeFile(path.join(root, 'genimage.config.json'), JSON.stringify({ ...FAST, ...config }));
  return root;
}

/** A project with the fox as its only marker, for faults on every request. */
async function foxOnly(config: Record<string, unknown> = {}): Promise<string> {
  const root = await project(config);
  await rm(path.join(root, 'src/pages/about.md'));
  await writeFile(
    path.join(root, 'src/pages/index.astro'),
    `---\nimport { GenImage } from '@genimage/astro/components';\n---\n<GenImage prompt="${FOX}" seed={42} aspectRatio="16:9" alt="A fox" />\n`,
  );
  return root;
}

function prompts(server: TestServer): string[] {
  return server.requests.map((request) => (request.body as { prompt: string }).prompt);
}

function sentFor(server: TestServer, prompt: string): number {
  return prompts(server).filter((sent) => sent === prompt).length;
}

/** When each request reached the server, sampled every 5 ms. */
function recordArrivals(server: TestServer): { times: number[]; stop: () => void } {
  const times: number[] = [];
  const timer = setInterval(() => {
    while (times.length < server.requests.length) times.push(Date.now());
  }, 5);
  return { times, stop: () => clearInterval(timer) };
}

/** The earliest time a Retry-After (seconds or an HTTP date) allows the retry of a request that arrived at `arrival`. */
function retryAfterDue(fault: Fault, arrival: number): number {
  const value = fault.kind === 'error' ? fault.headers?.['retry-after'] : undefined;
  if (value === undefined) throw new Error('the fault has no Retry-After');
  return /^\d+$/.test(value) ? arrival + Number(value) * 1000 : Date.parse(value);
}

interface Audit {
  /** Entries whose meta.json parses and whose every image matches its size and sha256. */
  verified: string[];
  /** Entries with a meta.json that does not verify. */
  corrupt: string[];
  /** Entry folders without meta.json (an unfinished write). */
  incomplete: string[];
  /** Any other file: temp files, images no meta.json lists, unknown names. Relative to .genimage. */
  strays: string[];
}

/** Reads the whole cache folder the way a distrustful reader would. */
async function audit(root: string): Promise<Audit> {
  const dir = path.join(root, '.genimage');
  const result: Audit = { verified: [], corrupt: [], incomplete: [], strays: [] };
  if (!existsSync(dir)) return result;
  for (const name of (await readdir(dir)).sort()) {
    if (name === '.gitignore' || name === '.locks') continue;
    if (!/^[0-9a-f]{64}$/.test(name)) {
      result.strays.push(name);
      continue;
    }
    const files = await readdir(path.join(dir, name));
    if (!files.includes('meta.json')) {
      result.incomplete.push(name);
      result.strays.push(...files.map((file) => `${name}/${file}`));
      continue;
    }
    let ok = true;
    let listed: string[] = [];
    try {
      const meta = JSON.parse(await readFile(path.join(dir, name, 'meta.json'), 'utf8')) as {
        key: string;
        images: { file: string; bytes: number; sha256: string }[];
      };
      listed = meta.images.map((image) => image.file);
      ok = meta.key === name && meta.images.length > 0;
      for (const image of meta.images) {
        const bytes = await readFile(path.join(dir, name, image.file));
        if (bytes.length !== image.bytes || createHash('sha256').update(bytes).digest('hex') !== image.sha256) ok = false;
      }
    } catch {
      ok = false;
    }
    (ok ? result.verified : result.corrupt).push(name);
    result.strays.push(...files.filter((file) => file !== 'meta.json' && !listed.includes(file)).map((file) => `${name}/${file}`));
  }
  return result;
}

/** Nothing partial: every entry verifies, no folder without meta.json, no temp file. */
async function expectCleanCache(root: string, keys: number): Promise<string[]> {
  const found = await audit(root);
  expect(found).toEqual({ verified: await cacheKeys(root), corrupt: [], incomplete: [], strays: [] });
  expect(found.verified).toHaveLength(keys);
  const locks = path.join(root, '.genimage', '.locks');
  expect(existsSync(locks) ? await readdir(locks) : []).toEqual([]);
  return found.verified;
}

async function cachedPrompts(root: string): Promise<string[]> {
  const keys = await cacheKeys(root);
  const metas = await Promise.all(
    keys.map(async (key) => JSON.parse(await readFile(path.join(root, '.genimage', key, 'meta.json'), 'utf8')) as { prompt: string }),
  );
  return metas.map((meta) => meta.prompt).sort();
}

interface GenerateDoc {
  ok: boolean;
  summary: { requests: number; generated: number; failed: number; attempts: number; possiblyBilledAttempts: number };
  failures: { key: string; origins: unknown[]; error: { code: string } }[];
  stoppedBy: unknown;
}

describe.concurrent('the fault matrix', () => {
  describe.each(ROWS)('$name', (row) => {
    const attempts = attemptsFor(row.retry);

    // A 4xx is never retried: there is no recovery to test, only the failure below.
    if (row.retry !== 'never') {
      it('once, then success: exactly 2 requests for that image, every image cached, exit 0', () =>
        withServer(async ({ server, env }) => {
          const root = await project(row.config);
          const fault = faultOf(row);
          server.enqueueFor(FOX, fault);
          const arrivals = recordArrivals(server);
          const result = await run(['generate', '--concurrency', '1', '--json'], { cwd: root, env }).finally(arrivals.stop);
          expect(result.code, result.all).toBe(0);
          expect(sentFor(server, FOX)).toBe(2);
          expect(server.requests).toHaveLength(4);
          const doc = parseJson<GenerateDoc>(result.stdout);
          expect(doc.summary).toMatchObject({
            requests: 3,
            generated: 3,
            failed: 0,
            attempts: 4,
            possiblyBilledAttempts: row.retry === 'billed' ? 1 : 0,
          });
          expect(await cachedPrompts(root)).toEqual([LIGHTHOUSE, LAKE, FOX].sort());
          await expectCleanCache(root, 3);
          if (row.honoursRetryAfter) {
            const [first, retry] = prompts(server).flatMap((prompt, index) => (prompt === FOX ? [arrivals.times[index]] : []));
            // The wait asked for is long enough to tell from a backoff of a few ms, and the retry
            // came no sooner (arrivals are sampled every 5 ms on a busy event loop: 100 ms of slack).
            expect(retryAfterDue(fault, first!) - first!).toBeGreaterThanOrEqual(500);
            expect(retry! - retryAfterDue(fault, first!)).toBeGreaterThanOrEqual(-100);
          }
        }));
    }

    if (row.retry === 'rateLimit') {
      it(`${attempts} in a row on one image while the others get through: not a failure, every image generated, exit 0`, () =>
        withServer(async ({ server, env }) => {
          const root = await project(row.config);
          server.enqueueFor(FOX, ...Array.from({ length: attempts }, () => row.standing ?? faultOf(row)));
          const result = await run(['generate', '--concurrency', '1', '--json'], { cwd: root, env });
          expect(result.code, result.all).toBe(0);
          expect(sentFor(server, FOX)).toBe(attempts + 1);
          expect(parseJson<GenerateDoc>(result.stdout).summary).toMatchObject({
            requests: 3,
            generated: 3,
            failed: 0,
            attempts: attempts + 3,
          });
          await expectCleanCache(root, 3);
        }));
      return;
    }

    it(`standing on one image: ${attempts} request(s) for it, its markers and ${row.code} reported, nothing partial cached, the others generated`, () =>
      withServer(async ({ server, env }) => {
        const root = await project(row.config);
        // The fox's attempts take exactly the faults queued for it. One attempt more would get a
        // normal answer and cache the fox; one fewer would leave a fault unused.
        const fault = row.standing ?? faultOf(row);
        server.enqueueFor(FOX, ...Array.from({ length: attempts }, () => fault));
        const result = await run(['generate', '--concurrency', '1', '--json'], { cwd: root, env });
        expect(result.code, result.all).toBe(1);
        expect(sentFor(server, FOX)).toBe(attempts);
        expect(sentFor(server, LAKE)).toBe(1);
        expect(sentFor(server, LIGHTHOUSE)).toBe(1);

        const doc = parseJson<GenerateDoc>(result.stdout);
        expect(doc).toMatchObject({
          ok: false,
          summary: {
            requests: 3,
            generated: 2,
            failed: 1,
            attempts: attempts + 2,
            possiblyBilledAttempts: row.retry === 'billed' ? attempts : 0,
          },
          failures: [{ origins: FOX_ORIGINS, error: { code: row.code } }],
          stoppedBy: null,
        });
        expect(result.stderr).toContain(`${FOX_AT}: ${row.text}`);

        const keys = await expectCleanCache(root, 2);
        expect(keys).not.toContain(doc.failures[0]!.key);
        expect(existsSync(path.join(root, '.genimage', doc.failures[0]!.key))).toBe(false);
        expect(await cachedPrompts(root)).toEqual([LIGHTHOUSE, LAKE].sort());
      }));
  });

  describe('a fault on every request (server.always), one marker', () => {
    // One row per retry class; the rows above bound every fault the same way, one image at a time.
    it.each(ROWS.filter((row) => ['502', '504', '400', '429 with Retry-After in seconds'].includes(row.name)))(
      '$name: the documented number of requests, nothing cached, exit 1',
      (row) =>
        withServer(async ({ server, env }) => {
          const root = await foxOnly(row.config);
          server.always(row.standing ?? faultOf(row));
          const result = await run(['generate', '--json'], { cwd: root, env });
          expect(result.code, result.all).toBe(1);
          // A rate limit that lets nothing through is retried, backing off, until maxRateLimitedMs.
          if (row.retry === 'rateLimit') expect(server.requests.length).toBeGreaterThan(MAX_ATTEMPTS);
          else expect(server.requests).toHaveLength(attemptsFor(row.retry));
          expect(parseJson<GenerateDoc>(result.stdout)).toMatchObject({
            failures: [{ origins: [{ file: 'src/pages/index.astro', line: 4, column: 1 }], error: { code: row.code } }],
          });
          expect(result.stderr).toContain(`src/pages/index.astro:4:1: ${row.text}`);
          await expectCleanCache(root, 0);
        }),
    );
  });

  // The provider accepts at most 4096 × 4096 × 2 pixels (no option changes it): a 4K square whose
  // long edge is 5800 px has 33 640 000, just above. The server renders one in about 0.6 s.
  it('an image beyond the pixel limit is a possibly billed InvalidResponse: 2 requests for it, its marker reported, the others generated', () =>
    withServer(
      async ({ server, env }) => {
        // The test server draws a 5800×5800 PNG for it: seconds on a busy machine, not a timeout.
        const root = await project({ timeout: 30_000 });
        await edit(root, 'src/pages/index.astro', 'seed={7}', 'seed={7}\n      imageSize="4K"');
        const result = await run(['generate', '--json'], { cwd: root, env });
        expect(result.code, result.all).toBe(1);
        expect(sentFor(server, LIGHTHOUSE)).toBe(1 + MAX_BILLED_RETRIES);
        expect(server.requests).toHaveLength(1 + MAX_BILLED_RETRIES + 2);
        expect(parseJson<GenerateDoc>(result.stdout)).toMatchObject({
          summary: { generated: 2, failed: 1, possiblyBilledAttempts: 1 + MAX_BILLED_RETRIES },
          failures: [{ origins: [{ file: 'src/pages/index.astro', line: 10, column: 5 }], error: { code: 'InvalidResponse' } }],
        });
        expect(result.stderr).toContain(
          `src/pages/index.astro:10:5: The image API sent a response genimage cannot use: Image 0 is not a usable image: the png image is 5800×5800 (${5800 * 5800} pixels), above the limit of ${4096 * 4096 * 2} pixels`,
        );
        await expectCleanCache(root, 2);
        expect(await cachedPrompts(root)).toEqual([LAKE, FOX].sort());
      },
      { longEdge: { '1K': 64, '2K': 96, '4K': 5800 } },
    ));

  it('SIGKILL at 20 moments of a run never leaves a corrupt entry, and the next run generates exactly what is missing', async () => {
    // An undisturbed run, measured once: when its first request arrives, and how long it lasts.
    const { firstRequestMs, durationMs } = await withServer(async ({ server, env }) => {
      const root = await manyMarkers();
      server.always(KILL_DELAY);
      const started = Date.now();
      const running = start(KILL_ARGS, { cwd: root, env });
      await waitFor(() => server.requests.length > 0, 'the first request');
      const firstRequestMs = Date.now() - started;
      const full = await running.result;
      expect(full.code, full.all).toBe(0);
      expect(await cacheKeys(root)).toHaveLength(KILL_KEYS);
      return { firstRequestMs, durationMs: Date.now() - started };
    });
    // Two kills while the CLI starts, eighteen spread from its first request to past its end (runs side by side are slower).
    const window = (durationMs - firstRequestMs) * 1.5;
    const moments: Moment[] = [
      { afterFirstRequest: false, ms: 0 },
      { afterFirstRequest: false, ms: Math.round(firstRequestMs / 2) },
      ...Array.from({ length: 18 }, (_, k) => ({ afterFirstRequest: true, ms: Math.round((window * k) / 17) })),
    ];
    const seen = await Promise.all(
      moments.map((moment, index) => withServer(({ server, env }) => killOnce(server, env, moment, index % 5 === 4))),
    );

    // The kills landed at different stages: before anything was cached, and part-way.
    expect(seen.some((kill) => kill.cached === 0)).toBe(true);
    expect(seen.some((kill) => kill.cached > 0 && kill.cached < KILL_KEYS)).toBe(true);
    if (process.env.GENIMAGE_TEST_KILLS) console.log(JSON.stringify({ firstRequestMs, durationMs, seen }, null, 1));
  }, 120_000);
});

/** cli-basic plus five more images: 8 distinct requests, 10 images. */
async function manyMarkers(): Promise<string> {
  const root = await project();
  const markers = ['a heron in reeds', 'an old stone bridge', 'a field of lavender', 'a snowy owl at night', 'a harbour at noon'].map(
    (prompt, index) => `<GenImage prompt="${prompt}" seed={${index + 1}} ${index % 2 ? 'n={2} ' : ''}alt="${prompt}" />\n`,
  );
  await writeFile(path.join(root, 'src/pages/more.md'), `# More\n\n${markers.join('\n')}`);
  return root;
}
const KILL_KEYS = 8;
const KILL_ARGS = ['generate', '--concurrency', '2'];
const KILL_DELAY = { kind: 'delay', ms: 60 } as const;

/** When to kill: `ms` after the spawn, or after the first request reached the server. */
interface Moment {
  afterFirstRequest: boolean;
  ms: number;
}

interface Kill extends Moment {
  cached: number;
  incomplete: number;
  strays: string[];
  locks: number;
}

async function killOnce(server: TestServer, env: Record<string, string>, moment: Moment, runCheck: boolean): Promise<Kill> {
  const root = await manyMarkers();
  server.always(KILL_DELAY);
  const running = start(KILL_ARGS, { cwd: root, env });
  try {
    if (moment.afterFirstRequest) await waitFor(() => server.requests.length > 0, 'the first request');
    await sleep(moment.ms);
  } finally {
    running.child.kill('SIGKILL');
    await running.result;
  }
  const when = `killed ${moment.ms} ms after ${moment.afterFirstRequest ? 'the first request' : 'the spawn'}`;

  // Every entry that looks complete verifies. Anything else is an unfinished write: a gitignored
  // temp file, or an entry folder without meta.json, which no reader trusts.
  const after = await audit(root);
  expect(after.corrupt, when).toEqual([]);
  expect(after.verified, when).toEqual(await cacheKeys(root));
  for (const stray of after.strays) {
    expect(/\.tmp-\d+-[0-9a-f]+$/.test(stray) || after.incomplete.includes(stray.split('/')[0]!), `${stray} (${when})`).toBe(true);
  }
  const locks = await backdateLocks(root);

  // The next run: exactly one request per missing key, then every entry verifies.
  const missing = KILL_KEYS - after.verified.length;
  server.reset();
  const again = await run(['generate', '--json'], { cwd: root, env });
  expect(again.code, `${when}: ${again.all}`).toBe(0);
  expect(server.requests, when).toHaveLength(missing);
  expect(parseJson<GenerateDoc>(again.stdout).summary, when).toMatchObject({ requests: KILL_KEYS, generated: missing, failed: 0 });
  const final = await audit(root);
  expect(final.verified, when).toHaveLength(KILL_KEYS);
  expect(final.corrupt, when).toEqual([]);
  // The next run adds no stray file of its own (the killed run's temp files stay, gitignored).
  for (const stray of final.strays) expect(after.strays, when).toContain(stray);
  if (runCheck) expect((await run(['check'], { cwd: root, env: { CI: 'true' } })).code, when).toBe(0);
  return { ...moment, cached: after.verified.length, incomplete: after.incomplete.length, strays: after.strays, locks };
}

/**
 * Backdates the locks a killed process left past their staleness (10 s), as if the next run came
 * later: a lock is reclaimed once its holder stopped refreshing it, and not before.
 */
async function backdateLocks(root: string): Promise<number> {
  const dir = path.join(root, '.genimage', '.locks');
  if (!existsSync(dir)) return 0;
  const names = await readdir(dir);
  const past = new Date(Date.now() - 60_000);
  await Promise.all(names.map((name) => utimes(path.join(dir, name), past, past)));
  return names.length;
}
