/**
 * S3Store and TieredStore in this process against real S3-compatible servers from the npm
 * registry: fauxqs (with the conditional writes of test/fixtures/remote-s3) and s3rver. Pins
 * what the servers themselves do with conditional and streamed uploads, which is why the fixture
 * and the SDK settings are what they are.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  type CacheEntryMeta,
  Engine,
  FileSystemStore,
  GenImageError,
  ImageCache,
  type RemoteStore,
  RemoteUnavailable,
  S3Store,
  TieredStore,
  cacheKey,
  sha256Hex,
} from '@genimage/core';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CREDENTIALS, type S3Server, startS3Server } from './fixtures/remote-s3/s3-server.ts';

let fauxqs: S3Server;
let plain: S3Server;
beforeAll(async () => {
  [fauxqs, plain] = await Promise.all([startS3Server(), startS3Server({ conditionalWrites: false })]);
});
afterAll(async () => {
  await Promise.all([fauxqs?.stop(), plain?.stop()]);
});

let prefixes = 0;
const store = (server: S3Server, options: { leaseMs?: number } = {}) =>
  new S3Store({ url: `s3://genimage/unit-${++prefixes}`, endpoint: server.endpoint, env: server.env, ...options });

/** A valid entry with one image of `bytes`, filed under the key its request hashes to. */
function entry(bytes: Uint8Array, prompt = 'a test image'): { meta: CacheEntryMeta; images: Uint8Array[] } {
  const params = { seed: 1, n: 1, imageSize: '1K', aspectRatio: '1:1', references: [] } as const;
  const key = cacheKey({ provider: 'shark', params: { ...params, model: 'test/model', prompt }, referenceHashes: [] });
  return {
    meta: {
      version: 1,
      key,
      provider: 'shark',
      model: 'test/model',
      prompt,
      params: { ...params, references: [] },
      created: '2026-11-29T00:00:00.000Z',
      images: [{ file: '0.png', sha256: sha256Hex(bytes), bytes: bytes.byteLength, width: 1, height: 1, format: 'png' }],
    },
    images: [bytes],
  };
}

describe('the servers themselves', () => {
  it('fauxqs alone overwrites an object despite If-None-Match: * and a wrong If-Match (so the fixture adds both)', async () => {
    const send = (body: string, condition: object) =>
      plain.client.send(new PutObjectCommand({ Bucket: 'genimage', Key: 'pinned', Body: body, ...condition }));
    await send('one', {});
    await send('two', { IfNoneMatch: '*' });
    await send('three', { IfMatch: '"not-its-etag"' });
    const body = await (await plain.client.send(new GetObjectCommand({ Bucket: 'genimage', Key: 'pinned' }))).Body!.transformToString();
    expect(body).toBe('three');
  });

  it('s3rver ignores If-None-Match: * too, and stores a streamed upload with its aws-chunked framing unless checksums are WHEN_REQUIRED', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'genimage-s3rver-'));
    const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true });
    const { port } = await server.run();
    try {
      const client = (mode: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED') =>
        new S3Client({
          endpoint: `http://127.0.0.1:${port}`,
          region: 'us-east-1',
          forcePathStyle: true,
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
          requestChecksumCalculation: mode,
          responseChecksumValidation: mode,
        });
      const strict = client('WHEN_REQUIRED');
      await strict.send(new CreateBucketCommand({ Bucket: 'genimage' }));
      const streamed = async (s3: S3Client, key: string) => {
        await s3.send(
          new PutObjectCommand({ Bucket: 'genimage', Key: key, Body: Readable.from([Buffer.from('streamed')]), ContentLength: 8 }),
        );
        return (await strict.send(new GetObjectCommand({ Bucket: 'genimage', Key: key }))).Body!.transformToString();
      };
      expect(await streamed(client('WHEN_SUPPORTED'), 'default')).toMatch(/^8\r\nstreamed\r\n0\r\nx-amz-checksum-crc32:/);
      expect(await streamed(strict, 'strict')).toBe('streamed');
      await strict.send(new PutObjectCommand({ Bucket: 'genimage', Key: 'once', Body: 'one' }));
      await strict.send(new PutObjectCommand({ Bucket: 'genimage', Key: 'once', Body: 'two', IfNoneMatch: '*' }));
      expect(await (await strict.send(new GetObjectCommand({ Bucket: 'genimage', Key: 'once' }))).Body!.transformToString()).toBe('two');

      // genimage's own uploads arrive byte for byte, and read back verified.
      const remote = new S3Store({
        url: 's3://genimage/team',
        endpoint: `http://127.0.0.1:${port}`,
        env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
      });
      const bytes = new Uint8Array(100_000).map((_, index) => index % 251);
      const { meta, images } = entry(bytes);
      expect(await remote.putEntry(meta, images)).toBe('uploaded');
      expect((await remote.getEntry(meta.key))?.images[0]).toEqual(bytes);
    } finally {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('S3Store', () => {
  it('uploads write-once: a second upload of the same key leaves the first one', async () => {
    const remote = store(fauxqs);
    const first = entry(new Uint8Array([1, 2, 3]));
    const second = entry(new Uint8Array([4, 5, 6]));
    expect(await remote.putEntry(first.meta, first.images)).toBe('uploaded');
    expect(await remote.putEntry(second.meta, second.images)).toBe('exists');
    expect((await remote.getEntry(first.meta.key))?.images).toEqual(first.images);
    expect(await remote.listKeys()).toEqual([first.meta.key]);
  });

  it('metadata that belongs to another key is corrupt, never served', async () => {
    const remote = store(fauxqs);
    const { meta, images } = entry(new Uint8Array([1, 2, 3]));
    await remote.putEntry(meta, images);
    const other = 'b'.repeat(64);
    await fauxqs.client.send(
      new PutObjectCommand({ Bucket: 'genimage', Key: `${remote.prefix}${other}/meta.json`, Body: JSON.stringify(meta) }),
    );
    await expect(remote.getEntry(other)).rejects.toMatchObject({
      code: 'CacheCorrupt',
      message: expect.stringContaining(`belongs to key ${meta.key}`),
    });
  });

  it('one of two claims on a key wins; the other is told who holds it', async () => {
    const a = store(fauxqs);
    const b2 = new S3Store({ url: `s3://genimage/${a.prefix}`, endpoint: fauxqs.endpoint, env: fauxqs.env });
    const key = 'c'.repeat(64);
    const [first, second] = await Promise.all([a.tryLease(key), b2.tryLease(key)]);
    expect([first.held, second.held].sort()).toEqual([false, true]);
    const lost = (first.held ? second : first) as Extract<typeof first, { held: false }>;
    expect(lost.owner).toBe((first.held ? a : b2).owner);
    await (first.held ? first : (second as Extract<typeof first, { held: true }>)).lease.release();
    expect((await b2.tryLease(key)).held).toBe(true);
  });

  it('a renewed lease changes its version; taking over a stale version fails while the holder renews', async () => {
    const holder = store(fauxqs, { leaseMs: 1200 });
    const waiter = new S3Store({ url: `s3://genimage/${holder.prefix}`, endpoint: fauxqs.endpoint, env: fauxqs.env, leaseMs: 1200 });
    const key = 'd'.repeat(64);
    const held = await holder.tryLease(key);
    expect(held.held).toBe(true);
    const seen = await waiter.tryLease(key);
    if (seen.held) throw new Error('the lease was taken twice');
    // Once the holder has renewed (every 400 ms): the lease object's version changes.
    await vi.waitFor(
      async () => {
        const head = await fauxqs.client.send(new HeadObjectCommand({ Bucket: 'genimage', Key: `${holder.prefix}.leases/${key}.json` }));
        expect(head.ETag).not.toBe(seen.version);
      },
      { timeout: 5000, interval: 50 },
    );
    const later = await waiter.tryLease(key, seen.version);
    expect(later.held).toBe(false);
    expect((later as typeof seen).version).not.toBe(seen.version);
    if (held.held) await held.lease.release();
  });
});

/**
 * An S3 endpoint that answers every GET (objects, and listings as `?list-type=2` on the bucket)
 * from `answer(objectKey, response, query)` and counts the body bytes it got out and the requests;
 * everything else is 404.
 */
async function hostileS3(
  answer: (objectKey: string, response: ServerResponse, query: URLSearchParams) => Promise<void> | void,
  options: { timeoutMs?: number; maxListPages?: number } = {},
) {
  let sent = 0;
  let requests = 0;
  const server = createServer((request, response) => {
    const write = response.write.bind(response) as (chunk: Uint8Array) => boolean;
    response.write = ((chunk: Uint8Array) => {
      sent += chunk.byteLength;
      return write(chunk);
    }) as typeof response.write;
    requests++;
    const url = new URL(request.url ?? '/', 'http://localhost');
    const objectKey = decodeURIComponent(url.pathname.replace(/^\/genimage\/?/, ''));
    if (request.method !== 'GET') return void response.writeHead(404).end();
    void answer(objectKey, response, url.searchParams);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    store: new S3Store({
      url: 's3://genimage/hostile',
      endpoint,
      env: fauxqs.env,
      timeoutMs: options.timeoutMs ?? 2000,
      ...(options.maxListPages !== undefined && { maxListPages: options.maxListPages }),
    }),
    sent: () => sent,
    requests: () => requests,
    stop: () => new Promise((resolve) => server.close(resolve).closeAllConnections()),
  };
}

/** Writes `total` bytes in 64 KiB chunks, waiting while the client is behind, until it hangs up. */
async function stream(response: ServerResponse, total: number): Promise<void> {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  for (let written = 0; written < total && !response.destroyed; written += chunk.byteLength) {
    if (response.write(chunk)) continue;
    await new Promise<void>((resolve) => {
      const done = () => {
        response.off('drain', done).off('close', done);
        resolve();
      };
      response.on('drain', done).on('close', done);
    });
  }
  response.end();
}

describe('S3Store on a service that gives no ETags', () => {
  it('a claim answered without an ETag is removed and refused as RemoteNoETag; so is a lease read without one', async () => {
    const server = await startS3Server({ dropETags: true });
    try {
      const remote = store(server);
      const key = 'c'.repeat(64);
      const leases = `${remote.prefix}.leases/`;
      await expect(remote.tryLease(key)).rejects.toMatchObject({
        code: 'RemoteNoETag',
        message: `${remote.location} (${server.endpoint}): PUT ${leases}${key}.json came back without an ETag; the service must give every object one.`,
      });
      const left = await server.client.send(new ListObjectsV2Command({ Bucket: 'genimage', Prefix: leases }));
      expect(left.Contents ?? []).toEqual([]);
      // Another machine's lease (it may have died): never waited for.
      await server.client.send(new PutObjectCommand({ Bucket: 'genimage', Key: `${leases}${key}.json`, Body: '{"owner":"dead"}' }));
      await expect(remote.tryLease(key)).rejects.toMatchObject({
        code: 'RemoteNoETag',
        message: expect.stringContaining(`GET ${leases}${key}.json came back without an ETag`),
      });
    } finally {
      await server.stop();
    }
  });
});

describe('S3Store downloads no more than an object may hold', () => {
  it('a meta.json over 1 MiB (no Content-Length, streamed) is corrupt, and reading stops at the cap', async () => {
    const key = 'a'.repeat(64);
    const server = await hostileS3((_objectKey, response) => {
      response.writeHead(200, { etag: '"huge-meta"', 'content-type': 'application/json' }); // chunked: no length to check first
      return stream(response, 64 * 1024 * 1024);
    });
    try {
      await expect(server.store.getEntry(key)).rejects.toMatchObject({
        code: 'CacheCorrupt',
        message: `s3://genimage/hostile/${key}/meta.json has more than 1048576 bytes (reading stopped there); a meta.json has at most 1048576, so it was not downloaded`,
      });
      expect(server.sent()).toBeLessThan(16 * 1024 * 1024); // the rest of the 64 MiB was never sent
    } finally {
      await server.stop();
    }
  });

  it('an image object larger than its verified metadata says is corrupt on its Content-Length, before its body is read', async () => {
    const { meta } = entry(new Uint8Array([1, 2, 3]));
    const image = `hostile/${meta.key}/${meta.images[0]!.sha256}-0.png`;
    const server = await hostileS3((objectKey, response) => {
      if (objectKey.endsWith('meta.json')) return void response.writeHead(200, { etag: '"meta"' }).end(JSON.stringify(meta));
      if (objectKey !== image) return void response.writeHead(404).end();
      // Says 10 GiB, sends one byte, then nothing: read whole, this would wait for the rest.
      response.writeHead(200, { etag: '"huge"', 'content-length': String(10 * 1024 ** 3) });
      response.write(new Uint8Array([1]));
    });
    try {
      const startedAt = Date.now();
      await expect(server.store.getEntry(meta.key)).rejects.toMatchObject({
        code: 'CacheCorrupt',
        message: `s3://genimage/${image} is 10737418240 bytes (its Content-Length), but the metadata says 3, so it was not downloaded`,
      });
      expect(Date.now() - startedAt).toBeLessThan(1500);
    } finally {
      await server.stop();
    }
  });
});

describe('S3Store takes every byte of the bucket for untrusted input', () => {
  /** What a stalled server does: the headers, `sent` bytes of the body, then nothing, for ever. Says when the client hangs up. */
  function stall(response: ServerResponse, headers: Record<string, string>, sent: Uint8Array | string, closed: { done: boolean }) {
    response.on('close', () => {
      closed.done = true;
    });
    response.writeHead(200, headers);
    response.write(sent);
  }

  it('a meta.json that goes silent mid-body is corrupt once timeoutMs passes without a byte, and its request is aborted', async () => {
    const { meta } = entry(new Uint8Array([1, 2, 3]));
    const closed = { done: false };
    const server = await hostileS3(
      (_objectKey, response) => stall(response, { etag: '"stalled"', 'content-length': '1000' }, '{"version":', closed),
      {
        timeoutMs: 500,
      },
    );
    try {
      const startedAt = Date.now();
      await expect(server.store.getEntry(meta.key)).rejects.toMatchObject({
        code: 'CacheCorrupt',
        message: `s3://genimage/hostile/${meta.key}/meta.json sent nothing for 500 ms after 11 bytes of its body, so it was not used (the request was aborted)`,
      });
      expect(Date.now() - startedAt).toBeLessThan(5000);
      await vi.waitFor(() => expect(closed.done).toBe(true), { timeout: 2000, interval: 20 });
    } finally {
      await server.stop();
    }
  });

  it('an image that goes silent mid-body is corrupt, named by its object, once timeoutMs passes without a byte', async () => {
    const { meta } = entry(new Uint8Array([1, 2, 3]));
    const image = `hostile/${meta.key}/${meta.images[0]!.sha256}-0.png`;
    const closed = { done: false };
    const server = await hostileS3(
      (objectKey, response) => {
        if (objectKey.endsWith('meta.json')) return void response.writeHead(200, { etag: '"meta"' }).end(JSON.stringify(meta));
        stall(response, { etag: '"stalled"', 'content-length': '3' }, new Uint8Array([1]), closed);
      },
      { timeoutMs: 500 },
    );
    try {
      await expect(server.store.getEntry(meta.key)).rejects.toMatchObject({
        code: 'CacheCorrupt',
        message: `s3://genimage/${image} sent nothing for 500 ms after 1 bytes of its body, so it was not used (the request was aborted)`,
      });
      await vi.waitFor(() => expect(closed.done).toBe(true), { timeout: 2000, interval: 20 });
    } finally {
      await server.stop();
    }
  });

  it.each([1e12, 2.5 * 1024 ** 3])('a meta.json claiming a %d-byte image is corrupt at once: no image is asked for', async (claimed) => {
    const { meta } = entry(new Uint8Array([1, 2, 3]));
    const text = JSON.stringify({ ...meta, images: [{ ...meta.images[0]!, bytes: claimed }] });
    const server = await hostileS3((objectKey, response) => {
      if (objectKey.endsWith('meta.json')) return void response.writeHead(200, { etag: '"meta"' }).end(text);
      return stream(response, 1024 ** 3); // a GiB for whoever asks: nobody should
    });
    try {
      const startedAt = Date.now();
      const error = await server.store.getEntry(meta.key).catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        code: 'CacheCorrupt',
        message: expect.stringContaining(`s3://genimage/hostile/${meta.key}/meta.json is not valid cache metadata`),
      });
      expect((error as Error).message).toContain('images.0.bytes: must be at most 67108864 (the largest image accepted)');
      expect(Date.now() - startedAt).toBeLessThan(2000);
      expect(server.requests()).toBe(1);
      expect(server.sent()).toBe(0); // the GiB stream never started (the meta.json goes out through end(), uncounted)
    } finally {
      await server.stop();
    }
  });

  it('an entry filed under one key whose metadata is another request is corrupt; the good entry beside it is served', async () => {
    const remote = store(fauxqs);
    const good = entry(new Uint8Array([1, 2, 3]), 'a fox');
    const bad = entry(new Uint8Array([4, 5, 6]), 'a lighthouse');
    await remote.putEntry(good.meta, good.images);
    // Valid metadata under the lighthouse's key, but for another prompt: whoever asks for the lighthouse would get a fox.
    await remote.putEntry({ ...bad.meta, prompt: 'a fox' }, bad.images);
    const tiered = new TieredStore(new FileSystemStore(await mkdtemp(path.join(tmpdir(), 'genimage-tiered-'))), remote);
    await expect(tiered.readMeta(bad.meta.key)).rejects.toMatchObject({
      code: 'CacheCorrupt',
      message: `s3://genimage/${remote.prefix}${bad.meta.key}/meta.json does not hash to its key: its provider, model, prompt, seed, size or references are not those of the request filed under it (copied or edited by hand)`,
    });
    expect(await tiered.readMeta(good.meta.key)).toEqual(good.meta);
    expect(tiered.remoteAvailable).toBe(true);
    await rm(tiered.local.location, { recursive: true, force: true });
  });

  it('metadata asking for 4 images that holds 1 is corrupt, though it hashes to its key', async () => {
    const remote = store(fauxqs);
    const { meta, images } = entry(new Uint8Array([1, 2, 3]));
    const params = { ...meta.params, n: 4 };
    const key = cacheKey({
      provider: 'shark',
      params: { ...params, model: meta.model, prompt: meta.prompt } as never,
      referenceHashes: [],
    });
    const objectKey = `${remote.prefix}${key}/meta.json`;
    await fauxqs.client.send(
      new PutObjectCommand({ Bucket: 'genimage', Key: `${remote.prefix}${key}/${meta.images[0]!.sha256}-0.png`, Body: images[0] }),
    );
    await fauxqs.client.send(new PutObjectCommand({ Bucket: 'genimage', Key: objectKey, Body: JSON.stringify({ ...meta, key, params }) }));
    await expect(remote.getEntry(key)).rejects.toMatchObject({
      code: 'CacheCorrupt',
      message: `s3://genimage/${objectKey} is not valid cache metadata:\n  images: must hold as many images as params.n`,
    });
  });

  /** A listing page: one entry, and a next page behind `token`. */
  function listingPage(response: ServerResponse, token: string): void {
    response
      .writeHead(200, { 'content-type': 'application/xml' })
      .end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>genimage</Name><Prefix>hostile/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>${token}</NextContinuationToken><Contents><Key>hostile/${'a'.repeat(64)}/meta.json</Key><Size>1</Size></Contents></ListBucketResult>`,
      );
  }

  it('a listing that repeats its continuation token ends with an error naming the bucket, after two pages', async () => {
    const server = await hostileS3((_objectKey, response) => listingPage(response, 'again'));
    try {
      await expect(server.store.listKeys()).rejects.toMatchObject({
        code: 'RemoteUnavailable',
        message: `s3://genimage/hostile/ (${server.endpoint}): LIST hostile/ gave continuation token "again" again on page 2; the listing was stopped, as it would never end.`,
      });
      expect(server.requests()).toBe(2);
    } finally {
      await server.stop();
    }
  });

  it('a listing that never ends (a new token on every page) ends at maxListPages with an error naming the bucket', async () => {
    let page = 0;
    const server = await hostileS3((_objectKey, response) => listingPage(response, `token-${++page}`), { maxListPages: 20 });
    try {
      await expect(server.store.listKeys()).rejects.toMatchObject({
        code: 'RemoteUnavailable',
        message: expect.stringContaining('s3://genimage/hostile/ (http://127.0.0.1:'),
      });
      await expect(server.store.listKeys()).rejects.toThrow(/LIST hostile\/ went on past 20 pages; the listing was stopped/);
      expect(server.requests()).toBe(40);
    } finally {
      await server.stop();
    }
  });
});

describe('TieredStore', () => {
  it('a remote hit is verified and copied into the local cache; where it was found is kept', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'genimage-tiered-'));
    try {
      const remote = store(fauxqs);
      const { meta, images } = entry(new Uint8Array([9, 8, 7]));
      await remote.putEntry(meta, images);
      const tiered = new TieredStore(new FileSystemStore(dir), remote);
      expect(await tiered.readMeta(meta.key)).toEqual(meta);
      expect(tiered.foundIn(meta.key)).toBe('remote');
      expect(await readFile(path.join(dir, meta.key, '0.png'))).toEqual(Buffer.from(images[0]!));
      expect(await tiered.readMeta(meta.key)).toEqual(meta);
      expect(tiered.foundIn(meta.key)).toBe('remote');
      expect(tiered.fetched).toBe(1);
      expect(await tiered.readMeta('e'.repeat(64))).toBeUndefined();
      expect(tiered.foundIn('e'.repeat(64))).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('credentials refused: said once as an error, then the remote is left alone', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'genimage-tiered-'));
    try {
      const errors: string[] = [];
      const logger = { debug() {}, info() {}, warn: (line: string) => errors.push(line), error: (line: string) => errors.push(line) };
      const remote = new S3Store({
        url: 's3://genimage/denied',
        endpoint: fauxqs.endpoint,
        env: { AWS_ACCESS_KEY_ID: 'AKIAWRONG', AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey },
      });
      const tiered = new TieredStore(new FileSystemStore(dir), remote, { logger });
      fauxqs.requests.length = 0;
      for (const letter of 'abc') expect(await tiered.readMeta(letter.repeat(64))).toBeUndefined();
      expect(fauxqs.requests).toHaveLength(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('The remote cache refused the credentials');
      expect(errors[0]).not.toContain(CREDENTIALS.secretAccessKey);
      expect(tiered.remoteAvailable).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an object another machine replaced first is said as such, and the remote stays in use', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'genimage-tiered-'));
    // Another machine replaces the image object just before each of this one's conditional replacements.
    let racing = '';
    let overwrites = 0;
    const server = await startS3Server({
      beforeConditionalPut: async (objectPath) => {
        if (objectPath !== `/genimage/${racing}`) return;
        await server.client.send(new PutObjectCommand({ Bucket: 'genimage', Key: racing, Body: new Uint8Array([++overwrites, 0, 0]) }));
      },
    });
    try {
      const warnings: string[] = [];
      const logger = { debug() {}, info() {}, warn: (line: string) => warnings.push(line), error: (line: string) => warnings.push(line) };
      const remote = store(server);
      const { meta, images } = entry(new Uint8Array([7, 7, 7]));
      const image = `${remote.prefix}${meta.key}/${meta.images[0]!.sha256}-0.png`;
      await remote.putEntry(meta, images);
      await server.client.send(new PutObjectCommand({ Bucket: 'genimage', Key: image, Body: new Uint8Array([7, 0, 7]) }));
      const tiered = new TieredStore(new FileSystemStore(dir), remote, { logger });
      await expect(tiered.readMeta(meta.key)).rejects.toMatchObject({ code: 'CacheCorrupt' });
      racing = image;
      await tiered.write(meta, images);
      expect(overwrites).toBe(2);
      expect(warnings.at(-1)).toContain(
        `An object in the remote cache changed while it was being replaced: s3://genimage/${image} was replaced by another machine while this one was replacing it; the entry ${meta.key} was not uploaded.`,
      );
      expect(warnings.join('\n')).not.toContain('could not be reached');
      expect(tiered.remoteAvailable).toBe(true);
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('no credentials at all: said as such (not as refused), nothing sent, then the remote is left alone', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'genimage-tiered-'));
    // The SDK's chain reads process.env: nothing there, no profile files, no instance metadata.
    const saved = { ...process.env };
    for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
    Object.assign(process.env, {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
      AWS_CONFIG_FILE: path.join(dir, 'none'),
    });
    try {
      const errors: string[] = [];
      const logger = { debug() {}, info() {}, warn: (line: string) => errors.push(line), error: (line: string) => errors.push(line) };
      const remote = new S3Store({ url: 's3://genimage/nobody', endpoint: fauxqs.endpoint, env: {} });
      const tiered = new TieredStore(new FileSystemStore(dir), remote, { logger });
      fauxqs.requests.length = 0;
      for (const letter of 'ab') expect(await tiered.readMeta(letter.repeat(64))).toBeUndefined();
      expect(fauxqs.requests).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('No credentials were found for the remote cache: s3://genimage/nobody/: GET');
      expect(errors[0]).toContain('Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE');
      expect(errors[0]).not.toContain('refused');
      expect(tiered.remoteAvailable).toBe(false);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a local entry that fails verification is replaced by the verified remote copy, said once, and fingerprinted as repaired', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'genimage-tiered-'));
    try {
      const warnings: string[] = [];
      const logger = { debug() {}, info() {}, warn: (line: string) => warnings.push(line), error: (line: string) => warnings.push(line) };
      // The engine's own cache: a TieredStore under an ImageCache with its index of verified entries.
      const engine = await Engine.load({
        root: dir,
        configFile: false,
        options: { remote: { url: `s3://genimage/unit-${++prefixes}`, endpoint: fauxqs.endpoint } },
        env: fauxqs.env,
        logger,
      });
      const { cache, remote: tiered } = engine;
      const remote = tiered!.remote;
      const { meta, images } = entry(new Uint8Array([5, 6, 7, 8]));
      await remote.putEntry(meta, images);
      await tiered!.local.write(meta, images);
      const file = path.join(dir, '.genimage', meta.key, '0.png');
      await writeFile(file, new Uint8Array([5, 6, 0, 8]));
      expect(await cache.status(meta.key)).toBe('cached');
      expect(await readFile(file)).toEqual(Buffer.from(images[0]!));
      expect(engine.foundIn(meta.key)).toBe('remote');
      expect(tiered!.repaired).toBe(1);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`Image 0.png of entry ${path.join(dir, '.genimage', meta.key)} has sha256`);
      expect(warnings[0]).toContain(`Replaced by the verified copy from ${remote.location}${meta.key}/`);
      // The index holds the repaired files' fingerprint, not the corrupt ones'.
      await cache.saveIndex();
      const next = await Engine.load({
        root: dir,
        configFile: false,
        options: { remote: { url: `s3://genimage/unit-${prefixes}`, endpoint: fauxqs.endpoint } },
        env: fauxqs.env,
        logger,
      });
      const readImage = vi.spyOn(next.cache.store, 'readImage');
      expect(await next.cache.status(meta.key)).toBe('cached');
      expect(readImage).not.toHaveBeenCalled();
      expect((await new ImageCache(tiered!).get(meta.key))?.images).toEqual(images);
      expect(warnings).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a local entry that fails verification stays corrupt when the remote has no copy', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'genimage-tiered-'));
    try {
      const { meta, images } = entry(new Uint8Array([1, 1, 1]));
      const local = new FileSystemStore(dir);
      await local.write(meta, images);
      await writeFile(path.join(dir, meta.key, '0.png'), new Uint8Array([1, 0, 1]));
      const tiered = new TieredStore(local, store(fauxqs));
      expect(await new ImageCache(tiered).status(meta.key)).toBe('corrupt');
      expect(tiered.repaired).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a lease claimed just before the remote fails is released, not renewed for as long as the process runs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'genimage-tiered-'));
    try {
      const s3 = store(fauxqs, { leaseMs: 1200 });
      let looks = 0;
      // The remote answers the first look and the claim, then times out.
      const flaky: RemoteStore = Object.assign(Object.create(s3) as S3Store, {
        hasEntry: async (key: string) => {
          if (++looks > 1) throw new GenImageError(RemoteUnavailable, 'no answer within 1 s');
          return s3.hasEntry(key);
        },
        tryLease: (key: string, version?: string) => s3.tryLease(key, version),
        getEntry: (key: string) => s3.getEntry(key),
      });
      const tiered = new TieredStore(new FileSystemStore(dir), flaky);
      const key = 'f'.repeat(64);
      const release = await tiered.lock(key);
      expect(tiered.remoteAvailable).toBe(false);
      const leases = await fauxqs.client.send(new ListObjectsV2Command({ Bucket: 'genimage', Prefix: `${s3.prefix}.leases/` }));
      expect(leases.Contents ?? []).toEqual([]);
      // Nothing renews it behind our back either. A lease claimed after it, with the same leaseMs,
      // renews first: once that one has (its claim and a renewal), this one would have too.
      fauxqs.requests.length = 0;
      const control = 'e'.repeat(64);
      const held = await s3.tryLease(control);
      const puts = (of: string) =>
        fauxqs.requests.filter((request) => request.startsWith('PUT ') && request.includes(`.leases/${of}.json`)).length;
      await vi.waitFor(() => expect(puts(control)).toBeGreaterThanOrEqual(2), { timeout: 5000, interval: 20 });
      if (held.held) await held.lease.release();
      expect(fauxqs.requests.filter((request) => request.includes(`.leases/${key}`))).toEqual([]);
      await release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
