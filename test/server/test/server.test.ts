import sharp from 'sharp';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_TABLE, startTestServer, TEST_API_KEY } from '../src/index.ts';
import { b64, errorOf, generateOk, MODEL, pngSize, post, SMALL, until } from './helpers.ts';

const server = await startTestServer({ longEdge: SMALL });
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('startTestServer', () => {
  it('listens on 127.0.0.1 under /api/v1 with the test key', () => {
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    expect(server.apiKey).toBe(TEST_API_KEY);
  });

  it('exports the eight rows of the error table', () => {
    expect(ERROR_TABLE.map((row) => `${row.status} ${row.type}`)).toEqual([
      '400 invalid_request_error',
      '400 content_moderation',
      '400 input_too_large',
      '401 auth_error',
      '402 insufficient_credits',
      '429 rate_limit_error',
      '502 provider_error',
      '504 timeout_error',
    ]);
  });

  it('answers with the images `image` makes, told what each is for', async () => {
    const asked: unknown[] = [];
    const custom = await startTestServer({
      longEdge: SMALL,
      image: (request) => {
        asked.push(request);
        return sharp({ create: { width: request.width, height: request.height, channels: 3, background: '#123456' } })
          .png()
          .toBuffer();
      },
    });
    try {
      const body = await generateOk(custom, { seed: 5, n: 2, aspect_ratio: '16:9', response_format: 'b64_json' });
      const pixels = await sharp(b64(body.data[1])).raw().toBuffer();
      expect([...pixels.subarray(0, 3)]).toEqual([0x12, 0x34, 0x56]);
      expect(await pngSize(b64(body.data[0]))).toEqual({ format: 'png', width: 64, height: 36 });
      expect(asked).toEqual([0, 1].map((index) => ({ model: MODEL, prompt: 'a red fox', seed: 5, index, width: 64, height: 36 })));
      expect(custom.generatedImages).toBe(2);
    } finally {
      await custom.close();
    }
  });

  it('rejects bad options', async () => {
    await expect(startTestServer({ longEdge: { '1K': 0 } })).rejects.toThrow('longEdge.1K');
    await expect(startTestServer({ creditPerImage: -1 })).rejects.toThrow('creditPerImage');
  });
});

describe('authentication', () => {
  it.each([
    ['no authorization header', null],
    ['a wrong key', 'wrong-key'],
  ])('answers 401 auth_error to %s, and records the request as unauthorized', async (_, key) => {
    const res = await post(server, { model: MODEL, prompt: 'p' }, { key });
    expect(await errorOf(res)).toEqual({ status: 401, type: 'auth_error', message: 'Invalid API key' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.authorized).toBe(false);
    expect(server.generatedImages).toBe(0);
  });

  it('wants exactly `Bearer <key>`', async () => {
    const res = await post(server, { model: MODEL, prompt: 'p' }, { key: null, headers: { authorization: `bearer  ${TEST_API_KEY}` } });
    expect(res.status).toBe(401);
  });

  it('records an authorized request with the key redacted', async () => {
    await generateOk(server, {});
    const [request] = server.requests;
    expect(request?.authorized).toBe(true);
    expect(request?.headers['authorization']).toBe('Bearer ***');
    expect(JSON.stringify(request)).not.toContain(TEST_API_KEY);
    expect(request).toMatchObject({ method: 'POST', path: '/api/v1/images/generations', body: { model: MODEL, prompt: 'a red fox' } });
  });
});

describe('validation over HTTP', () => {
  it.each([
    [{ prompt: 'p' }, '`model`'],
    [{ model: 'stability/sdxl', prompt: 'p' }, '`model`'],
    [{ model: MODEL, prompt: '' }, '`prompt`'],
    [{ model: MODEL, prompt: 'p', n: 9 }, '`n`'],
    [{ model: MODEL, prompt: 'p', seed: 'x' }, '`seed`'],
    [{ model: MODEL, prompt: 'p', image: ['ftp://x/y.png'] }, '`image[0]`'],
    [{ model: MODEL, prompt: 'p', image_size: '1k' }, '`image_size`'],
    [{ model: MODEL, prompt: 'p', aspect_ratio: '16:10' }, '`aspect_ratio`'],
    [{ model: MODEL, prompt: 'p', response_format: 'base64' }, '`response_format`'],
  ])('answers 400 invalid_request_error to %j, naming %s', async (body, field) => {
    const error = await errorOf(await post(server, body));
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(error.message).toContain(field);
  });

  it('wants a JSON content type', async () => {
    const res = await post(server, { model: MODEL, prompt: 'p' }, { headers: { 'content-type': 'text/plain' } });
    const error = await errorOf(res);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(error.message).toContain('Content-Type');
  });

  it('rejects a body that is not JSON, recording it as text', async () => {
    const error = await errorOf(await post(server, '{"model": '));
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(server.requests[0]?.body).toBe('{"model": ');
  });

  it('answers 400 input_too_large past maxRequestBytes', async () => {
    const small = await startTestServer({ longEdge: SMALL, maxRequestBytes: 1000 });
    try {
      const res = await post(small, { model: MODEL, prompt: 'p', image: [`data:image/png;base64,${'A'.repeat(2000)}`] });
      expect(await errorOf(res)).toMatchObject({ status: 400, type: 'input_too_large' });
    } finally {
      await small.close();
    }
  });

  it('accepts test/ models, reference images and unknown fields', async () => {
    const body = await generateOk(server, { model: 'test/any', image: ['https://example.com/ref.png'], style: 'vivid' });
    expect(body.data).toHaveLength(1);
    expect(body.usage.input_tokens).toBeGreaterThan(258);
  });
});

describe('b64_json responses', () => {
  it('answers the contract shape with n images and credit per image', async () => {
    const before = Math.floor(Date.now() / 1000);
    const body = await generateOk(server, { n: 3 });
    expect(body.data).toHaveLength(3);
    expect(body.credit).toBe(30);
    expect(body.created).toBeGreaterThanOrEqual(before);
    expect(body.usage.total_tokens).toBe(body.usage.input_tokens + body.usage.output_tokens);
    expect(server.generatedImages).toBe(3);
    expect(server.creditsSpent).toBe(30);
  });

  it.each([
    ['1:1', '1K', 64, 64],
    ['16:9', '1K', 64, 36],
    ['2:3', '1K', 43, 64],
    ['21:9', '2K', 96, 41],
    ['9:16', '4K', 72, 128],
  ])('draws %s at %s as a %ix%i PNG', async (aspect_ratio, image_size, width, height) => {
    const body = await generateOk(server, { aspect_ratio, image_size });
    expect(await pngSize(b64(body.data[0]))).toEqual({ format: 'png', width, height });
  });

  it('uses the default long edges when none are given', async () => {
    const full = await startTestServer();
    try {
      const body = await generateOk(full, { aspect_ratio: '16:9' });
      expect(await pngSize(b64(body.data[0]))).toEqual({ format: 'png', width: 1024, height: 576 });
    } finally {
      await full.close();
    }
  });
});

describe('determinism', () => {
  it('gives the same bytes for the same request and seed', async () => {
    const first = await generateOk(server, { seed: 42, n: 2 });
    const second = await generateOk(server, { seed: 42, n: 2 });
    expect(second.data).toEqual(first.data);
    expect(b64(first.data[0]).equals(b64(first.data[1]))).toBe(false);
  });

  it('changes the bytes with the seed, the prompt or the model', async () => {
    const base = b64((await generateOk(server, { seed: 42 })).data[0]);
    for (const change of [{ seed: 43 }, { prompt: 'a blue fox' }, { model: 'test/other' }]) {
      expect(b64((await generateOk(server, { seed: 42, ...change })).data[0]).equals(base)).toBe(false);
    }
  });

  it('is random for seed -1', async () => {
    const first = await generateOk(server, { seed: -1 });
    const second = await generateOk(server, {});
    expect(second.data[0]?.b64_json).not.toBe(first.data[0]?.b64_json);
  });
});

describe('url responses', () => {
  it('serves each image at a signed link, counting downloads', async () => {
    const body = await generateOk(server, { response_format: 'url', aspect_ratio: '4:3', n: 2, seed: 1 });
    expect(body.data).toHaveLength(2);
    const url = body.data[0]?.url ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/[0-9a-f]+\.png\?sig=[\w-]+$/);
    expect(body.data[0]?.b64_json).toBeUndefined();

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    expect(await pngSize(png)).toEqual({ format: 'png', width: 64, height: 48 });
    expect(server.downloads).toBe(1);
    expect(server.generatedImages).toBe(2);

    const b64Body = await generateOk(server, { aspect_ratio: '4:3', seed: 1 });
    expect(b64(b64Body.data[0]).equals(png)).toBe(true);
  });

  it('answers 403 to a wrong signature and 404 to an unknown file', async () => {
    const url = new URL((await generateOk(server, { response_format: 'url' })).data[0]?.url ?? '');
    url.searchParams.set('sig', 'forged');
    expect((await fetch(url)).status).toBe(403);
    expect((await fetch(new URL('/files/0000.png?sig=x', url))).status).toBe(404);
    expect(server.downloads).toBe(2);
  });

  it('answers 403 once the link has expired', async () => {
    const shortLived = await startTestServer({ longEdge: SMALL, urlTtlMs: 100 });
    try {
      const url = (await generateOk(shortLived, { response_format: 'url' })).data[0]?.url ?? '';
      expect((await fetch(url)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 150));
      const expired = await fetch(url);
      expect(expired.status).toBe(403);
      expect(await expired.text()).toContain('expired');
      expect(shortLived.downloads).toBe(2);
    } finally {
      await shortLived.close();
    }
  });
});

describe('routing', () => {
  it('answers 404 JSON to unknown paths', async () => {
    const res = await fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect((await errorOf(res)).type).toBe('not_found');
    expect(server.requests).toHaveLength(0);
  });

  it('answers 405 to other methods on the endpoint and the links', async () => {
    const res = await fetch(`${server.baseUrl}/images/generations`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    const url = (await generateOk(server, { response_format: 'url' })).data[0]?.url ?? '';
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(405);
  });
});

describe('counting and reset', () => {
  it('records every generation request in arrival order, failed ones too', async () => {
    await generateOk(server, { prompt: 'one' });
    await post(server, { model: MODEL, prompt: 'two', n: 0 });
    await generateOk(server, { prompt: 'three', n: 2 });
    expect(server.requests.map((r) => (r.body as { prompt: string }).prompt)).toEqual(['one', 'two', 'three']);
    expect(server.generatedImages).toBe(3);
  });

  it('reset() clears requests, counters, faults and credits', async () => {
    await generateOk(server, { response_format: 'url' }).then((body) => fetch(body.data[0]?.url ?? ''));
    server.enqueue({ kind: 'error', status: 502 });
    server.always({ kind: 'error', status: 429 });
    server.reset();
    expect([server.requests.length, server.downloads, server.generatedImages, server.creditsSpent]).toEqual([0, 0, 0, 0]);
    expect((await post(server, { model: MODEL, prompt: 'p' })).status).toBe(200);
  });
});

describe('credits', () => {
  it('answers 402 insufficient_credits when a request would pass the balance', async () => {
    const poor = await startTestServer({ longEdge: SMALL, balance: 25, creditPerImage: 10 });
    try {
      expect((await generateOk(poor, { n: 2 })).credit).toBe(20);
      const error = await errorOf(await post(poor, { model: MODEL, prompt: 'p', n: 1 }));
      expect(error).toMatchObject({ status: 402, type: 'insufficient_credits' });
      expect(poor.creditsSpent).toBe(20);
      expect(poor.generatedImages).toBe(2);
    } finally {
      await poor.close();
    }
  });
});

describe('rateLimit', () => {
  it('answers 429 with Retry-After to a request beyond maxInFlight, and serves it once a slot is free', async () => {
    const limited = await startTestServer({ longEdge: SMALL, rateLimit: { maxInFlight: 2, retryAfterSeconds: 1 } });
    try {
      limited.always({ kind: 'delay', ms: 200 });
      const first = [post(limited, REQUEST_FOR_LIMIT), post(limited, REQUEST_FOR_LIMIT)];
      await until(() => limited.peakInFlight === 2);
      const third = await post(limited, REQUEST_FOR_LIMIT);
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('1');
      expect((await errorOf(third)).type).toBe('rate_limit_error');
      expect((await Promise.all(first)).map((res) => res.status)).toEqual([200, 200]);
      expect((await post(limited, REQUEST_FOR_LIMIT)).status).toBe(200);
      expect([limited.rateLimited, limited.peakInFlight]).toEqual([1, 2]);
    } finally {
      await limited.close();
    }
  });

  it('refuses a maxInFlight that is not a positive integer', async () => {
    await expect(startTestServer({ rateLimit: { maxInFlight: 0, retryAfterSeconds: 1 } })).rejects.toThrow(
      'Expected `rateLimit.maxInFlight` to be an integer from 1 and up, got 0',
    );
  });
});

const REQUEST_FOR_LIMIT = { model: MODEL, prompt: 'a red fox' };
