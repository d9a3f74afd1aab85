import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ERROR_TABLE, startTestServer, type TestServer } from '@genimage/test-server';
import { ApiError, isGenImageError } from '../../../src/errors.ts';
import { generationParamsSchema } from '../../../src/params.ts';
import type { ProviderJob } from '../../../src/generate/providers/provider.ts';
import { SharkProvider, type SharkProviderOptions } from '../../../src/generate/providers/shark.ts';

let server: TestServer;
let delays: number[];

beforeAll(async () => {
  server = await startTestServer({ longEdge: { '1K': 64, '2K': 96, '4K': 128 } });
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  delays = [];
});

function job(overrides: Record<string, unknown> = {}): ProviderJob {
  return { params: generationParamsSchema.parse({ prompt: 'a red fox', seed: 42, ...overrides }), references: [] };
}

function provider(options: Partial<SharkProviderOptions> = {}): SharkProvider {
  return new SharkProvider({
    apiKey: server.apiKey,
    baseUrl: server.baseUrl,
    // A fake clock: retries record the delay they would wait instead of waiting.
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    retries: { baseDelayMs: 100, maxDelayMs: 1000 },
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('SharkProvider over HTTP', () => {
  it('generates n validated images with usage and credit', async () => {
    const result = await provider().generate(job({ n: 2, aspectRatio: '16:9' }));
    expect(result.images).toHaveLength(2);
    expect(result.images.map(({ format, width, height }) => ({ format, width, height }))).toEqual([
      { format: 'png', width: 64, height: 36 },
      { format: 'png', width: 64, height: 36 },
    ]);
    expect(result.credit).toBe(20);
    expect(result.usage?.totalTokens).toBeGreaterThan(0);
    expect(result).toMatchObject({ attempts: 1, possiblyBilledAttempts: 0 });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.authorized).toBe(true);
    expect(server.requests[0]?.body).toMatchObject({ prompt: 'a red fox', seed: 42, n: 2, aspect_ratio: '16:9', image_size: '1K' });
  });

  it('downloads images promptly with response_format url', async () => {
    const result = await provider({ responseFormat: 'url' }).generate(job({ n: 2 }));
    expect(result.images).toHaveLength(2);
    expect(server.downloads).toBe(2);
  });

  it.each(ERROR_TABLE.map((row) => [row.status, row.type] as const))('maps HTTP %i %s to a typed error', async (status, type) => {
    server.always({ kind: 'error', status, type });
    const error = await failure(provider({ retries: { maxAttempts: 3, baseDelayMs: 1, maxRateLimitedMs: 0 } }).generate(job()));
    const expected: Record<string, string> = {
      invalid_request_error: 'InvalidRequest',
      content_moderation: 'ContentModeration',
      input_too_large: 'InputTooLarge',
      auth_error: 'AuthFailed',
      insufficient_credits: 'InsufficientCredits',
      rate_limit_error: 'RateLimited',
      provider_error: 'ProviderFailed',
      timeout_error: 'ProviderTimeout',
    };
    expect(error.code).toBe(expected[type]);
    expect(error.status).toBe(status);
    expect(error.hint).toBeTruthy();
    expect(error.message).not.toContain(server.apiKey);
  });

  it.each([400, 401, 402])('never retries a %i', async (status) => {
    server.always({ kind: 'error', status });
    await failure(provider().generate(job()));
    expect(server.requests).toHaveLength(1);
  });

  it('classifies by status when the error body is not JSON', async () => {
    server.enqueue({ kind: 'error', status: 402, rawBody: 'Payment Required' });
    const error = await failure(provider().generate(job()));
    expect(error.code).toBe('InsufficientCredits');
  });

  it('treats a 429 whose type says credits are exhausted as a credits error, not a rate limit', async () => {
    server.enqueue({ kind: 'error', status: 429, type: 'insufficient_credits' });
    const error = await failure(provider().generate(job()));
    expect(error.code).toBe('InsufficientCredits');
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [400, 'timeout_error', 'ProviderTimeout'],
    [403, 'rate_limit_error', 'RateLimited'],
    [400, 'provider_error', 'ProviderFailed'],
  ])('never retries a %i, even when its type (%s) names a retryable error', async (status, type, code) => {
    server.always({ kind: 'error', status, type });
    const error = await failure(provider().generate(job()));
    expect(error.code).toBe(code);
    expect(server.requests).toHaveLength(1);
    expect(error.possiblyBilledAttempts).toBe(0);
  });

  it.each([
    [401, 'invalid_request_error', 'AuthFailed'],
    [402, 'rate_limit_error', 'InsufficientCredits'],
  ])('treats a %i as what its status says, whatever its type (%s)', async (status, type, code) => {
    server.enqueue({ kind: 'error', status, type });
    const error = await failure(provider().generate(job()));
    expect(error.code).toBe(code);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry once the run has stopped', async () => {
    server.always({ kind: 'error', status: 502 });
    let asked = 0;
    const error = await failure(provider().generate(job(), { maySend: () => asked++ === 0 }));
    expect(error.code).toBe('ProviderFailed');
    expect(server.requests).toHaveLength(1);
  });

  it('sends nothing when the run stopped while the request waited for its slot', async () => {
    const error = await failure(provider().generate(job(), { maySend: () => false }));
    expect(error).toMatchObject({ code: 'Aborted', attempts: 0 });
    expect(server.requests).toHaveLength(0);
  });

  it('keeps counting possibly billed attempts when it gives up on a long Retry-After', async () => {
    server.enqueue({ kind: 'error', status: 504 }, { kind: 'error', status: 429, headers: { 'retry-after': '3600' } });
    const error = await failure(provider().generate(job()));
    expect(error.code).toBe('RateLimited');
    expect(error).toMatchObject({ attempts: 2, possiblyBilledAttempts: 1 });
  });

  it('retries 502 and 503 with exponential backoff and full jitter', async () => {
    server.enqueue({ kind: 'error', status: 502 }, { kind: 'error', status: 503 }, { kind: 'error', status: 502 });
    const result = await provider().generate(job());
    expect(result.attempts).toBe(4);
    expect(result.possiblyBilledAttempts).toBe(0);
    // random() = 0.5 of a ceiling of 100, 200, 400 ms
    expect(delays).toEqual([50, 100, 200]);
  });

  it('retries a 429 without Retry-After after a backoff step, plus up to half of it as jitter', async () => {
    server.enqueue({ kind: 'error', status: 429 }, { kind: 'error', status: 429 });
    const result = await provider().generate(job());
    expect(result.attempts).toBe(3);
    // backoff 0.5 × 100 and 0.5 × 200 ms, each × 1.25 (random() = 0.5 of the half-step jitter)
    expect(delays).toEqual([63, 125]);
  });

  it('keeps retrying a rate-limited request past maxAttempts, for as long as the API is not refusing everything', async () => {
    server.enqueue(...Array.from({ length: 6 }, () => ({ kind: 'error', status: 429, headers: { 'retry-after': '0' } }) as const));
    const result = await provider({ retries: { maxAttempts: 2 } }).generate(job());
    expect(result.attempts).toBe(7);
    expect(server.requests).toHaveLength(7);
  });

  it('gives up when the API has refused every request for maxRateLimitedMs, saying so', async () => {
    server.always({ kind: 'error', status: 429, headers: { 'retry-after': '0' } });
    const error = await failure(provider({ retries: { maxRateLimitedMs: 30 } }).generate(job()));
    expect(error.code).toBe('RateLimited');
    expect(error.message).toBe(
      'The API refused every request for 30 ms (429 rate_limit_error); retries.maxRateLimitedMs (30 ms) says when to give up.',
    );
    expect(server.requests.length).toBeGreaterThan(1);
  });

  it('gives up on free failures after maxAttempts', async () => {
    server.always({ kind: 'error', status: 502 });
    const error = await failure(provider({ retries: { maxAttempts: 3, baseDelayMs: 1 } }).generate(job()));
    expect(error.code).toBe('ProviderFailed');
    expect(error.attempts).toBe(3);
    expect(server.requests).toHaveLength(3);
  });

  it('honours retry-after-ms', async () => {
    server.enqueue({ kind: 'error', status: 429, headers: { 'retry-after-ms': '1234' } });
    await provider().generate(job());
    expect(delays).toEqual([1543]); // 1234 ms, plus a quarter as jitter at random() = 0.5
  });

  it('honours Retry-After in seconds', async () => {
    server.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '7' } });
    await provider().generate(job());
    expect(delays).toEqual([8750]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 20_000).toUTCString();
    server.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': at } });
    await provider().generate(job());
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(15_000 * 1.25);
    expect(delays[0]).toBeLessThanOrEqual(20_000 * 1.25);
  });

  it('fails instead of waiting longer than maxRetryAfterMs', async () => {
    server.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '3600' } });
    const error = await failure(provider({ retries: { maxRetryAfterMs: 60_000 } }).generate(job()));
    expect(error.code).toBe('RateLimited');
    expect(error.message).toContain('3600 s');
    expect(delays).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 504 once, counting it as possibly billed', async () => {
    server.always({ kind: 'error', status: 504, type: 'timeout_error' });
    const error = await failure(provider().generate(job()));
    expect(error.code).toBe('ProviderTimeout');
    expect(server.requests).toHaveLength(2);
    expect(error.possiblyBilledAttempts).toBe(2);
  });

  it('succeeds after one possibly billed failure and reports it', async () => {
    server.enqueue({ kind: 'error', status: 504 });
    const result = await provider().generate(job());
    expect(result).toMatchObject({ attempts: 2, possiblyBilledAttempts: 1 });
  });

  it('does not retry possibly billed failures when maxBilledRetries is 0', async () => {
    server.always({ kind: 'error', status: 504 });
    await failure(provider({ retries: { maxBilledRetries: 0 } }).generate(job()));
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['brokenJson', { kind: 'brokenJson' }, 'not valid JSON'],
    ['invalidBase64', { kind: 'invalidBase64' }, 'not valid base64'],
    ['notImage', { kind: 'notImage' }, 'not a usable image'],
    ['fewerImages', { kind: 'fewerImages' }, 'returned 0'],
  ] as const)('rejects a 200 with %s as possibly billed and retries once', async (_name, fault, message) => {
    server.always(fault);
    const error = await failure(provider().generate(job()));
    expect(error.code).toBe('InvalidResponse');
    expect(error.message).toContain(message);
    expect(server.requests).toHaveLength(2);
    expect(error.possiblyBilledAttempts).toBe(2);
  });

  it('retries a connection reset after the request was sent once, as possibly billed', async () => {
    server.enqueue({ kind: 'reset' });
    const result = await provider().generate(job());
    expect(result).toMatchObject({ attempts: 2, possiblyBilledAttempts: 1 });
  });

  it('times out a hanging request and counts it as possibly billed', async () => {
    server.always({ kind: 'hang' });
    const error = await failure(provider({ timeoutMs: 200 }).generate(job()));
    expect(error.code).toBe('ProviderTimeout');
    expect(error.message).toBe('No complete answer within 200 ms (the `timeout` option).');
    expect(server.requests).toHaveLength(2);
  });

  it('times out a body that arrives too slowly', async () => {
    server.always({ kind: 'slowBody', delayMs: 2000 });
    const error = await failure(provider({ timeoutMs: 300, retries: { maxBilledRetries: 0 } }).generate(job()));
    expect(error.code).toBe('ProviderTimeout');
  });

  it('accepts a slow body within the timeout', async () => {
    server.enqueue({ kind: 'slowBody', delayMs: 100 });
    const result = await provider({ timeoutMs: 10_000 }).generate(job());
    expect(result.images).toHaveLength(1);
  });

  it('refuses an oversized download', async () => {
    server.always({ kind: 'oversizedDownload', bytes: 2_000_000 });
    const error = await failure(
      provider({ responseFormat: 'url', maxDownloadBytes: 1_000_000, retries: { maxBilledRetries: 0 } }).generate(job()),
    );
    expect(error.code).toBe('InvalidResponse');
    expect(error.message).toMatch(/cap|exceeded/);
  });

  it('refuses an oversized chunked download', async () => {
    server.always({ kind: 'oversizedDownload', bytes: 2_000_000, chunked: true });
    const error = await failure(
      provider({ responseFormat: 'url', maxDownloadBytes: 1_000_000, retries: { maxBilledRetries: 0 } }).generate(job()),
    );
    expect(error.message).toContain('exceeded');
  });

  it('reports a failed download', async () => {
    server.always({ kind: 'downloadFails', status: 403 });
    const error = await failure(provider({ responseFormat: 'url', retries: { maxBilledRetries: 0 } }).generate(job()));
    expect(error.message).toContain('HTTP 403');
  });

  it('retries refused connections as free and reports a network error', async () => {
    const port = await closedPort();
    const error = await failure(
      provider({ baseUrl: `http://127.0.0.1:${port}/api/v1`, retries: { maxAttempts: 3, baseDelayMs: 1 } }).generate(job()),
    );
    expect(error.code).toBe('NetworkFailed');
    expect(error.attempts).toBe(3);
    expect(error.possiblyBilledAttempts).toBe(0);
  });

  it('cancels through an AbortSignal without retrying', async () => {
    server.always({ kind: 'hang' });
    const controller = new AbortController();
    const pending = provider().generate(job(), { signal: controller.signal });
    // Cancelled once the server has the request, not after a guessed delay.
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    controller.abort();
    const error = await failure(pending);
    expect(error.code).toBe('Aborted');
    expect(server.requests).toHaveLength(1);
    // It was sent: the provider may bill it.
    expect(error.possiblyBilledAttempts).toBe(1);
  });

  it('sends a wrong key and surfaces the auth error without the key', async () => {
    const error = await failure(provider({ apiKey: 'sk-wrong-secret-123' }).generate(job()));
    expect(error.code).toBe('AuthFailed');
    expect(isGenImageError(error)).toBe(true);
    expect(`${error.message} ${error.hint}`).not.toContain('sk-wrong-secret-123');
  });

  it.each([401, 400, 500])(
    'cleans an answer that echoes the Authorization header (HTTP %i) of the key and the bearer token',
    async (status) => {
      server.always({ kind: 'error', status, echoAuthorization: true });
      const error = await failure(provider({ retries: { maxAttempts: 1, maxBilledRetries: 0 } }).generate(job()));
      server.always(undefined);
      expect(error.message).toContain('You sent Bearer ***');
      expect(JSON.stringify({ message: error.message, hint: error.hint, apiType: error.apiType })).not.toContain(server.apiKey);
    },
  );

  it('cleans an error message that quotes the key in any form', async () => {
    const key = server.apiKey;
    server.enqueue({ kind: 'error', status: 400, message: `bad key ${key} / ${encodeURIComponent(key)}` });
    const error = await failure(provider().generate(job()));
    expect(error.message).not.toContain(key);
  });
});

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
