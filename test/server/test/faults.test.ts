import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type Fault } from '../src/index.ts';
import { b64, errorOf, generateOk, MODEL, pngSize, post, SMALL, until } from './helpers.ts';

const server = await startTestServer({ longEdge: SMALL });
afterAll(() => server.close());
beforeEach(() => server.reset());

const REQUEST = { model: MODEL, prompt: 'a red fox' };
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

describe('fault: error', () => {
  it('answers the status with the error table type and description by default', async () => {
    server.enqueue({ kind: 'error', status: 429, headers: { 'Retry-After': '2' } });
    const res = await post(server, REQUEST);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await errorOf(res)).toEqual({ status: 429, type: 'rate_limit_error', message: 'Too many requests' });
  });

  it('takes a custom type and message', async () => {
    server.enqueue({ kind: 'error', status: 400, type: 'content_moderation', message: 'Blocked' });
    expect(await errorOf(await post(server, REQUEST))).toEqual({ status: 400, type: 'content_moderation', message: 'Blocked' });
  });

  it('sends rawBody as is', async () => {
    server.enqueue({ kind: 'error', status: 502, rawBody: '<html>Bad Gateway</html>', headers: { 'content-type': 'text/html' } });
    const res = await post(server, REQUEST);
    expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([502, 'text/html', '<html>Bad Gateway</html>']);
  });

  it('fires before authentication, as an upstream failure would', async () => {
    server.enqueue({ kind: 'error', status: 504 });
    expect((await errorOf(await post(server, REQUEST, { key: 'wrong' }))).type).toBe('timeout_error');
  });
});

describe('fault: reset', () => {
  it('drops the connection after reading the request', async () => {
    server.enqueue({ kind: 'reset' });
    const error: unknown = await post(server, REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as { cause?: unknown }).cause)).toMatch(/ECONNRESET|other side closed|socket/i);
    expect(server.requests[0]?.body).toEqual(REQUEST);
    expect((await post(server, REQUEST)).status).toBe(200);
  });
});

describe('fault: hang', () => {
  it('never answers, until the client gives up', async () => {
    server.enqueue({ kind: 'hang' });
    const started = Date.now();
    await expect(post(server, REQUEST, { signal: AbortSignal.timeout(150) })).rejects.toThrow(/abort|timeout/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(server.requests).toHaveLength(1);
    expect((await post(server, REQUEST)).status).toBe(200);
  });

  it('does not keep close() waiting', async () => {
    const own = await startTestServer({ longEdge: SMALL });
    own.always({ kind: 'hang' });
    const pending = post(own, REQUEST).then(
      () => 'answered',
      () => 'failed',
    );
    await until(() => own.requests[0]?.body !== undefined);
    const closed = await Promise.race([
      own.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 1000, 'still open')),
    ]);
    expect(closed).toBe('closed');
    expect(await pending).toBe('failed');
  });
});

describe('fault: brokenJson', () => {
  it('answers 200 with a body that does not parse', async () => {
    server.enqueue({ kind: 'brokenJson' });
    const res = await post(server, REQUEST);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    await expect(res.json()).rejects.toThrow(SyntaxError);
    expect(server.generatedImages).toBe(0);
  });
});

describe('fault: invalidBase64', () => {
  it('answers 200 with b64_json that is not base64', async () => {
    server.enqueue({ kind: 'invalidBase64' });
    const body = await generateOk(server, { n: 2 });
    expect(body.data).toHaveLength(2);
    for (const item of body.data) expect(item.b64_json).not.toMatch(BASE64);
    expect(server.generatedImages).toBe(0);
  });
});

describe('fault: notImage', () => {
  it('answers valid base64 of bytes that are not an image', async () => {
    server.enqueue({ kind: 'notImage' });
    const item = (await generateOk(server, {})).data[0];
    expect(item?.b64_json).toMatch(BASE64);
    await expect(pngSize(b64(item))).rejects.toThrow();
  });

  it('serves bytes that are not an image at the download link', async () => {
    server.enqueue({ kind: 'notImage' });
    const res = await fetch((await generateOk(server, { response_format: 'url' })).data[0]?.url ?? '');
    expect(res.status).toBe(200);
    await expect(pngSize(Buffer.from(await res.arrayBuffer()))).rejects.toThrow();
  });
});

describe('fault: fewerImages', () => {
  it.each([
    [3, 2],
    [1, 0],
  ])('answers %i requested images with %i', async (n, returned) => {
    server.enqueue({ kind: 'fewerImages' });
    expect((await generateOk(server, { n })).data).toHaveLength(returned);
    expect(server.generatedImages).toBe(returned);
  });
});

describe('fault: slowBody', () => {
  it('sends the headers at once and the body after the delay', async () => {
    server.enqueue({ kind: 'slowBody', delayMs: 300 });
    const started = Date.now();
    const res = await post(server, REQUEST);
    const headersAfter = Date.now() - started;
    const body = (await res.json()) as { data: unknown[] };
    const bodyAfter = Date.now() - started;
    expect(res.status).toBe(200);
    expect(headersAfter).toBeLessThan(250);
    expect(bodyAfter).toBeGreaterThanOrEqual(290);
    expect(body.data).toHaveLength(1);
  });

  it('lets a client time out while reading the body', async () => {
    server.enqueue({ kind: 'slowBody', delayMs: 2000 });
    const res = await post(server, REQUEST, { signal: AbortSignal.timeout(200) });
    await expect(res.text()).rejects.toThrow(/abort|timeout/i);
  });
});

describe('fault: delay', () => {
  it('answers normally after the delay', async () => {
    server.enqueue({ kind: 'delay', ms: 200 });
    const started = Date.now();
    const body = await generateOk(server, {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(await pngSize(b64(body.data[0]))).toMatchObject({ format: 'png' });
  });
});

describe('fault: oversizedDownload', () => {
  it('serves that many bytes with an accurate content-length', async () => {
    server.enqueue({ kind: 'oversizedDownload', bytes: 300_000 });
    const res = await fetch((await generateOk(server, { response_format: 'url' })).data[0]?.url ?? '');
    expect(res.headers.get('content-length')).toBe('300000');
    expect((await res.arrayBuffer()).byteLength).toBe(300_000);
    expect(server.generatedImages).toBe(0);
  });

  it('can stream chunked, without a content-length', async () => {
    server.enqueue({ kind: 'oversizedDownload', bytes: 200_000, chunked: true });
    const res = await fetch((await generateOk(server, { response_format: 'url' })).data[0]?.url ?? '');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect((await res.arrayBuffer()).byteLength).toBe(200_000);
  });

  it('survives a client that stops reading early', async () => {
    server.enqueue({ kind: 'oversizedDownload', bytes: 1024 ** 3 });
    const controller = new AbortController();
    const res = await fetch((await generateOk(server, { response_format: 'url' })).data[0]?.url ?? '', { signal: controller.signal });
    expect(res.headers.get('content-length')).toBe(String(1024 ** 3));
    controller.abort();
    expect((await generateOk(server, {})).data).toHaveLength(1);
  });
});

describe('fault: downloadFails', () => {
  it('answers the status at the download link', async () => {
    server.enqueue({ kind: 'downloadFails', status: 503 });
    const body = await generateOk(server, { response_format: 'url', n: 2 });
    for (const item of body.data) expect((await fetch(item.url ?? '')).status).toBe(503);
    expect(server.downloads).toBe(2);
    expect(server.generatedImages).toBe(0);
  });
});

describe('modifying faults', () => {
  it('leave an invalid request its normal 400, and are used up', async () => {
    server.enqueue({ kind: 'fewerImages' });
    expect((await post(server, { model: MODEL, prompt: '' })).status).toBe(400);
    expect((await generateOk(server, { n: 2 })).data).toHaveLength(2);
  });
});

describe('enqueue and always', () => {
  it('gives queued faults to the next requests in order, then behaves normally', async () => {
    const faults: Fault[] = [{ kind: 'error', status: 429 }, { kind: 'error', status: 502 }, { kind: 'fewerImages' }];
    server.enqueue(...faults);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(server, { ...REQUEST, n: 2 })).status);
    expect(statuses).toEqual([429, 502, 200, 200]);
    expect(server.requests.map((r) => r.fault)).toEqual([...faults, undefined]);
    expect(server.generatedImages).toBe(1 + 2);
  });

  it('hands faults out in arrival order to concurrent requests', async () => {
    server.enqueue({ kind: 'error', status: 429 }, { kind: 'error', status: 502 });
    const [first, second] = await Promise.all([post(server, REQUEST), post(server, REQUEST)]);
    expect([first?.status, second?.status].sort()).toEqual([429, 502]);
    expect(server.requests.map((r) => r.fault?.kind)).toEqual(['error', 'error']);
  });

  it('applies a standing fault until cleared, after the queued ones', async () => {
    server.always({ kind: 'error', status: 502 });
    server.enqueue({ kind: 'error', status: 429 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(server, REQUEST)).status);
    server.always(undefined);
    statuses.push((await post(server, REQUEST)).status);
    expect(statuses).toEqual([429, 502, 502, 200]);
  });

  it('rejects faults that cannot be acted out', () => {
    expect(() => server.enqueue({ kind: 'error', status: 99 })).toThrow(TypeError);
    expect(() => server.enqueue({ kind: 'delay', ms: -1 })).toThrow('ms');
    expect(() => server.always({ kind: 'bogus' } as unknown as Fault)).toThrow('bogus');
  });
});

describe('enqueueFor', () => {
  it('gives the faults to requests with that prompt only, before the shared queue', async () => {
    server.enqueueFor('an owl', { kind: 'error', status: 503 });
    server.enqueue({ kind: 'error', status: 502 });
    expect((await post(server, { model: MODEL, prompt: 'a red fox' })).status).toBe(502);
    expect((await post(server, { model: MODEL, prompt: 'an owl' })).status).toBe(503);
    expect((await post(server, { model: MODEL, prompt: 'an owl' })).status).toBe(200);
  });
});
