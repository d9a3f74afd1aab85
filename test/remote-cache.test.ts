/**
 * The shared remote cache through the real CLI: several machines (processes, each with its own
 * local cache) share one bucket on a real S3-compatible server (fauxqs, test/fixtures/remote-s3),
 * and the fake image API counts what is paid for.
 */
import type { ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { resolveConfig } from '@genimage/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  PLACEHOLDERS,
  cacheKeys,
  copyFixture,
  corruptImage,
  parseJson,
  run,
  start,
  useTestServer,
  waitFor,
} from './fixtures/cli-harness/harness.ts';
import { CREDENTIALS, type S3Server, startS3Server } from './fixtures/remote-s3/s3-server.ts';

const API_KEY = 'sk-remote-cache-secret-913';
const api = useTestServer(API_KEY);
const BUCKET = 'genimage';
/** cli-basic: 4 markers, 3 distinct images (the fox twice, a lighthouse, a lake with n=2). */
const IMAGES = 3;

let s3: S3Server;
let prefixes = 0;
beforeAll(async () => {
  s3 = await startS3Server({ buckets: [BUCKET] });
});
afterAll(async () => {
  await s3?.stop();
});
let prefix: string;
beforeEach(() => {
  // A fresh prefix per test: the bucket is shared by the file's tests.
  prefix = `team-${++prefixes}`;
  s3.requests.length = 0;
});

/** A copy of cli-basic (a "machine") whose genimage.config.json points at the bucket. */
async function machine(remote: Record<string, unknown> = {}): Promise<string> {
  const root = await copyFixture('cli-basic');
  const options = { remote: { url: `s3://${BUCKET}/${prefix}`, endpoint: s3.endpoint, leaseMs: 2000, timeoutMs: 500, ...remote } };
  await writeFile(path.join(root, 'genimage.config.json'), JSON.stringify(options));
  return root;
}

const env = (extra: Record<string, string | undefined> = {}) => ({ ...api.env(), ...s3.env, ...extra });
/** A CI machine: frozen, no API key. */
const ciEnv = () => ({ ...s3.env, CI: '1', SHARK_API_KEY: undefined, SHARK_BASE_URL: api.server().baseUrl });

async function bucketObjects(): Promise<string[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/` }));
  return (listed.Contents ?? []).map((object) => object.Key!.slice(prefix.length + 1)).sort();
}
const entriesIn = (objects: string[]) => objects.filter((name) => /^[0-9a-f]{64}\/meta\.json$/.test(name)).map((name) => name.slice(0, 64));

describe('several machines, one bucket', () => {
  it('3 processes with separate local caches generate 3 new images with exactly 3 API requests and 3 entries in the bucket', async () => {
    const roots = await Promise.all([machine(), machine(), machine()]);
    const results = await Promise.all(roots.map((root) => run(['generate'], { cwd: root, env: env() })));
    for (const result of results) expect(result.code, result.all).toBe(0);
    expect(api.server().requests).toHaveLength(IMAGES);
    const objects = await bucketObjects();
    expect(entriesIn(objects)).toHaveLength(IMAGES);
    // Images and metadata only: every lease was released.
    expect(objects.filter((name) => name.startsWith('.leases/'))).toEqual([]);
    // Every machine ends with every image, verified.
    for (const root of roots) {
      expect(await cacheKeys(root)).toEqual(entriesIn(objects));
      expect((await run(['check'], { cwd: root, env: ciEnv() })).code).toBe(0);
    }
  });

  it('a lease holder killed with SIGKILL is taken over once its lease expires, and the other machine finishes the image', async () => {
    const [first, second] = await Promise.all([machine(), machine()]);
    await writeFile(path.join(first, 'src/pages/about.md'), 'nothing here\n');
    await writeFile(path.join(second, 'src/pages/about.md'), 'nothing here\n');
    // The first machine's generation never ends: it holds the leases when it is killed.
    api.server().always({ kind: 'hang' });
    const killed = start(['generate', '--concurrency', '2'], { cwd: first, env: env() });
    await waitFor(() => api.server().requests.length === 2, 'the first machine to send its requests');
    const leases = (await bucketObjects()).filter((name) => name.startsWith('.leases/'));
    expect(leases).toHaveLength(2);
    killed.child.kill('SIGKILL');
    await killed.result;
    api.server().always(undefined);

    const startedAt = Date.now();
    const result = await run(['generate'], { cwd: second, env: env() });
    expect(result.code, result.all).toBe(0);
    expect(result.stderr).toMatch(
      /Waiting for another machine \(\S+:\d+\), which is generating "a (red fox|lighthouse)[^"]*" \(src\/pages\/index\.astro:\d+:\d+\) for s3:\/\/genimage\/team-\d+\/ \(a machine that died is taken over after 2 s\)/,
    );
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2000);
    expect(api.server().requests).toHaveLength(4); // 2 paid by the killed machine, 2 by the one that finished
    const objects = await bucketObjects();
    expect(entriesIn(objects)).toHaveLength(2);
    expect(objects.filter((name) => name.startsWith('.leases/'))).toEqual([]);
  });
});

describe('frozen CI with a warm bucket', () => {
  it('builds with no committed images and zero API requests; check says where each image was found', async () => {
    const author = await machine();
    expect((await run(['generate'], { cwd: author, env: env() })).code).toBe(0);
    api.server().reset();

    const ci = await machine();
    const checked = await run(['check', '--json'], { cwd: ci, env: ciEnv() });
    expect(checked.code, checked.all).toBe(0);
    const document = parseJson<{ remote: string; found: Record<string, number>; locations: { key: string; found: string }[] }>(
      checked.stdout,
    );
    expect(document.remote).toBe(`s3://genimage/${prefix}/`);
    expect(document.found).toEqual({ local: 0, remote: IMAGES, missing: 0, corrupt: 0 });
    expect(document.locations.map((item) => item.found)).toEqual(['remote', 'remote', 'remote']);
    // Copied in: the next look finds them here.
    const again = await run(['check'], { cwd: ci, env: ciEnv() });
    expect(again.stdout).toContain(`Found ${IMAGES} in .genimage/, 0 in s3://genimage/${prefix}/ (copied into .genimage/), 0 missing.`);
    expect((await run(['generate'], { cwd: ci, env: ciEnv() })).code).toBe(0);
    expect(api.server().requests).toHaveLength(0);
  });

  it('frozen, an image in neither cache fails naming both, as missing', async () => {
    const ci = await machine();
    const result = await run(['check'], { cwd: ci, env: ciEnv() });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`Found 0 in .genimage/, 0 in s3://genimage/${prefix}/ (copied into .genimage/), ${IMAGES} missing.`);
    const generated = await run(['generate'], { cwd: ci, env: ciEnv() });
    expect(generated.code).toBe(1);
    expect(generated.stderr).toContain(
      `${IMAGES} image(s) not in .genimage/ nor in s3://genimage/${prefix}/ (generation is frozen because CI is set)`,
    );
  });
});

describe('a corrupt object in the bucket', () => {
  /** Generates the images on one machine, then flips a byte of one image object in the bucket. */
  async function corruptBucket(): Promise<string> {
    const author = await machine();
    expect((await run(['generate'], { cwd: author, env: env() })).code).toBe(0);
    const image = (await bucketObjects()).find((name) => /^[0-9a-f]{64}\/[0-9a-f]{64}-0\.png$/.test(name))!;
    const key = `${prefix}/${image}`;
    const bytes = await (await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray();
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes }));
    api.server().reset();
    return image;
  }

  it('is reported and never served; generate makes the image again and replaces the object', async () => {
    const image = await corruptBucket();
    const other = await machine();
    const result = await run(['generate'], { cwd: other, env: env() });
    expect(result.code, result.all).toBe(0);
    expect(result.stderr).toContain(`s3://genimage/${prefix}/${image} has sha256`);
    expect(result.stderr).toContain('Not used: the remote entry');
    expect(api.server().requests).toHaveLength(1);
    // Replaced by the verified one: a third machine gets all of them from the bucket.
    api.server().reset();
    const third = await machine();
    const checked = parseJson<{ ok: boolean; found: Record<string, number> }>(
      (await run(['check', '--json'], { cwd: third, env: ciEnv() })).stdout,
    );
    expect(checked).toMatchObject({ ok: true, found: { local: 0, remote: IMAGES, missing: 0, corrupt: 0 } });
  });

  it('frozen, is an error that says what failed, and nothing is copied into the local cache', async () => {
    const image = await corruptBucket();
    const ci = await machine();
    const result = await run(['check', '--json'], { cwd: ci, env: ciEnv() });
    expect(result.code).toBe(1);
    const document = parseJson<{ found: Record<string, number>; problems: { status: string; reason: string }[] }>(result.stdout);
    expect(document.found).toEqual({ local: 0, remote: IMAGES - 1, missing: 0, corrupt: 1 });
    expect(document.problems).toHaveLength(1);
    expect(document.problems[0]!.status).toBe('corrupt');
    expect(document.problems[0]!.reason).toContain(`s3://genimage/${prefix}/${image} has sha256`);
    expect(await cacheKeys(ci)).toHaveLength(IMAGES - 1);
    expect(api.server().requests).toHaveLength(0);
  });
});

describe('a corrupt local entry', () => {
  /** A machine whose images are all in the bucket and in its local cache; then a byte of one local image is flipped. */
  async function corruptLocal(): Promise<{ root: string; key: string }> {
    const root = await machine();
    expect((await run(['generate'], { cwd: root, env: env() })).code).toBe(0);
    const key = (await cacheKeys(root))[0]!;
    await corruptImage(root, key);
    api.server().reset();
    return { root, key };
  }
  const replaced = (key: string) =>
    new RegExp(`Replaced by the verified copy from s3://genimage/${prefix}/${key}/: nothing generated`, 'g');

  it('is replaced by the verified copy in the bucket: no API request, one warning naming the entry, and it verifies afterwards', async () => {
    const { root, key } = await corruptLocal();
    const result = await run(['generate'], { cwd: root, env: env() });
    expect(result.code, result.all).toBe(0);
    expect(api.server().requests).toHaveLength(0);
    expect(result.stderr.match(replaced(key))).toHaveLength(1);
    expect(result.stderr.match(new RegExp(`Image 0\\.png of entry \\S*${key} has sha256`, 'g'))).toHaveLength(1);
    expect(result.stderr).not.toContain('generating it again');
    // The bytes of the bucket's object, and a run after it finds nothing to say.
    const meta = parseJson<{ images: { sha256: string }[] }>(await readFile(path.join(root, '.genimage', key, 'meta.json'), 'utf8'));
    const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${key}/${meta.images[0]!.sha256}-0.png` }));
    expect(await readFile(path.join(root, '.genimage', key, '0.png'))).toEqual(Buffer.from(await object.Body!.transformToByteArray()));
    const again = await run(['generate'], { cwd: root, env: env() });
    expect(again.code, again.all).toBe(0);
    expect(again.stderr).not.toContain('Replaced by');
    expect((await run(['check'], { cwd: root, env: ciEnv() })).code).toBe(0);
    expect(api.server().requests).toHaveLength(0);
  });

  it("frozen (CI), check passes from the bucket's copy and says where it was found; the build then needs nothing", async () => {
    const { root, key } = await corruptLocal();
    const checked = await run(['check'], { cwd: root, env: ciEnv() });
    expect(checked.code, checked.all).toBe(0);
    expect(checked.stderr.match(replaced(key))).toHaveLength(1);
    expect(checked.stdout).toContain(
      `Found ${IMAGES - 1} in .genimage/, 1 in s3://genimage/${prefix}/ (copied into .genimage/), 0 missing.`,
    );
    const generated = await run(['generate'], { cwd: root, env: ciEnv() });
    expect(generated.code, generated.all).toBe(0);
    expect(generated.stderr).not.toContain('Replaced by');
    expect(api.server().requests).toHaveLength(0);
  });

  it('with no copy in the bucket, is generated again as before', async () => {
    const { root, key } = await corruptLocal();
    // The same machine, pointed at an empty prefix.
    prefix = `${prefix}-empty`;
    await writeFile(
      path.join(root, 'genimage.config.json'),
      JSON.stringify({ remote: { url: `s3://${BUCKET}/${prefix}`, endpoint: s3.endpoint, leaseMs: 2000, timeoutMs: 500 } }),
    );
    const result = await run(['generate'], { cwd: root, env: env() });
    expect(result.code, result.all).toBe(0);
    expect(result.stderr).toContain('the cached image failed verification and is not used; generating it again');
    expect(result.stderr).not.toContain('Replaced by');
    expect(api.server().requests).toHaveLength(1);
    expect(entriesIn(await bucketObjects())).toEqual([key]);
    expect((await run(['check'], { cwd: root, env: ciEnv() })).code).toBe(0);
  });

  it('with a corrupt copy in the bucket too, frozen, is an error naming both', async () => {
    const { root, key } = await corruptLocal();
    const image = (await bucketObjects()).find((name) => name.startsWith(`${key}/`) && name.endsWith('-0.png'))!;
    const objectKey = `${prefix}/${image}`;
    const bytes = await (await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey }))).Body!.transformToByteArray();
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: objectKey, Body: bytes }));
    const result = await run(['generate'], { cwd: root, env: ciEnv() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`s3://genimage/${objectKey} has sha256`);
    expect(result.stderr).toContain(`Not used: the remote entry ${key} failed verification.`);
    expect(result.stderr).toContain(`1 image(s) not in .genimage/ nor in s3://genimage/${prefix}/`);
    expect(result.stderr).not.toContain('Replaced by');
    expect(api.server().requests).toHaveLength(0);
  });
});

describe('when the remote cannot be used', () => {
  /** An address where nothing listens any more. */
  async function closedPort(): Promise<string> {
    const server = await startS3Server({ buckets: [] });
    await server.stop();
    return server.endpoint;
  }

  it('a stopped server: the build goes on with the local cache and says so once', async () => {
    const root = await machine({ endpoint: await closedPort() });
    // Warm locally, but one image is new: the only one that needs the remote.
    const warm = await run(['generate'], { cwd: root, env: env() });
    expect(warm.code, warm.all).toBe(0);
    await writeFile(path.join(root, 'src/pages/new.md'), '<GenImage prompt="a new image" seed={1} alt="new" />\n');
    api.server().reset();
    const result = await run(['generate'], { cwd: root, env: env() });
    expect(result.code, result.all).toBe(0);
    expect(result.stderr.match(/The remote cache could not be reached/g)).toHaveLength(1);
    expect(result.stderr).toContain('Going on with the local cache');
    expect(api.server().requests).toHaveLength(1);
    // All local: frozen, the build needs nothing from the remote and says nothing about it.
    const frozen = await run(['check'], { cwd: root, env: ciEnv() });
    expect(frozen.code, frozen.all).toBe(0);
    expect(frozen.stderr).not.toContain('remote cache');
  });

  it('a server that never answers: given up after timeoutMs, once', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket)); // accepts connections, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const root = await machine({ endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs: 300 });
      const startedAt = Date.now();
      const result = await run(['generate'], { cwd: root, env: env() });
      expect(result.code, result.all).toBe(0);
      expect(result.stderr.match(/The remote cache could not be reached/g)).toHaveLength(1);
      expect(result.stderr).toContain('no answer within 300 ms');
      expect(api.server().requests).toHaveLength(IMAGES);
      expect(Date.now() - startedAt).toBeLessThan(10_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("a service that gives no ETags: said once, and a dead machine's lease is not waited for; the images are generated here", async () => {
    const bare = await startS3Server({ buckets: [BUCKET], dropETags: true });
    try {
      const root = await machine({ endpoint: bare.endpoint });
      const scan = parseJson<{ images: { key: string }[] }>((await run(['scan', '--json'], { cwd: root, env: env() })).stdout);
      // A machine that died while generating the first image: its lease could never be taken over.
      const dead = scan.images[0]!.key;
      await bare.client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `${prefix}/.leases/${dead}.json`,
          Body: JSON.stringify({ owner: 'dead-machine:1:0', key: dead }),
        }),
      );
      const startedAt = Date.now();
      const result = await run(['generate'], { cwd: root, env: env() });
      expect(result.code, result.all).toBe(0);
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      expect(result.stderr.match(/The remote cache gives its objects no ETag/g)).toHaveLength(1);
      expect(result.stderr).toContain('came back without an ETag; the service must give every object one.');
      expect(result.stderr).toContain('Going on with the local cache');
      expect(result.stderr).not.toContain('Waiting for');
      expect(api.server().requests).toHaveLength(IMAGES);
      expect((await cacheKeys(root)).sort()).toEqual(scan.images.map((image) => image.key).sort());
      // Only the dead machine's lease is left: any this one made was removed.
      const left = await bare.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/.leases/` }));
      expect((left.Contents ?? []).map((object) => object.Key)).toEqual([`${prefix}/.leases/${dead}.json`]);
    } finally {
      await bare.stop();
    }
  });

  it('refused credentials are one clear error, not a retry storm, and never printed', async () => {
    const root = await machine();
    const wrong = { AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG', AWS_SECRET_ACCESS_KEY: 'wrong-secret-never-printed-42' };
    const result = await run(['generate'], { cwd: root, env: env(wrong) });
    expect(result.code, result.all).toBe(0);
    expect(result.stderr.match(/The remote cache refused the credentials/g)).toHaveLength(1);
    expect(result.stderr).toContain('InvalidAccessKeyId');
    expect(s3.requests.length).toBeLessThanOrEqual(IMAGES); // the first look of each image, sent at once; nothing after the refusal
    expect(result.all).not.toContain(wrong.AWS_SECRET_ACCESS_KEY);
    const pushed = await run(['push'], { cwd: root, env: env(wrong) });
    expect(pushed.code).toBe(1);
    expect(pushed.stderr).toContain('The remote cache refused the credentials');
    expect(pushed.all).not.toContain(wrong.AWS_SECRET_ACCESS_KEY);
  });
});

describe('a misbehaving bucket', () => {
  /** What the bucket does instead of answering, for the test under way (undefined: it behaves). */
  let fault: ((method: string, path: string, query: URLSearchParams) => ((response: ServerResponse) => void) | undefined) | undefined;
  let hostile: S3Server;
  beforeAll(async () => {
    hostile = await startS3Server({ buckets: [BUCKET], misbehave: (method, objectPath, query) => fault?.(method, objectPath, query) });
  });
  afterAll(async () => {
    await hostile?.stop();
  });
  beforeEach(() => {
    fault = undefined;
    hostile.requests.length = 0;
  });

  const onHostile = () => machine({ endpoint: hostile.endpoint });
  /** The bucket's object names for an entry: its meta.json and its first image. */
  async function objectsOf(root: string, key: string) {
    const meta = JSON.parse(await readFile(path.join(root, '.genimage', key, 'meta.json'), 'utf8')) as {
      images: { file: string; sha256: string; bytes: number }[];
    } & Record<string, unknown>;
    const image = meta.images[0]!;
    return {
      meta,
      metaObject: `${prefix}/${key}/meta.json`,
      imageObject: `${prefix}/${key}/${image.sha256}-${image.file}`,
      bytes: image.bytes,
    };
  }
  /** Generates cli-basic into the bucket from one machine; the API's count starts again after. */
  async function authored(): Promise<{ author: string; keys: string[] }> {
    const author = await onHostile();
    const generated = await run(['generate'], { cwd: author, env: env() });
    expect(generated.code, generated.all).toBe(0);
    api.server().reset();
    hostile.requests.length = 0;
    return { author, keys: await cacheKeys(author) };
  }
  const putObject = (Key: string, Body: string) => hostile.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
  const gets = (objectKey: string) => hostile.requests.filter((request) => request === `GET /${BUCKET}/${objectKey}`).length;

  it('an image whose body stalls mid-way: check names it after timeoutMs, pull skips it, generate replaces it; each process ends', async () => {
    const { author, keys } = await authored();
    const { imageObject, bytes } = await objectsOf(author, keys[0]!);
    // Its headers and 10 bytes, then silence for as long as the client waits.
    fault = (method, objectPath) =>
      method === 'GET' && objectPath === `/${BUCKET}/${imageObject}`
        ? (response) => {
            response.writeHead(200, { 'content-length': String(bytes), etag: '"stalled"', 'content-type': 'image/png' });
            response.write(new Uint8Array(10));
          }
        : undefined;
    const said = `s3://${BUCKET}/${imageObject} sent nothing for 500 ms after 10 bytes of its body, so it was not used (the request was aborted)`;

    const startedAt = Date.now();
    const checked = await run(['check', '--json'], { cwd: await onHostile(), env: ciEnv() });
    expect(checked.code, checked.all).toBe(1);
    const document = parseJson<{ found: Record<string, number>; problems: { reason: string }[] }>(checked.stdout);
    expect(document.found).toEqual({ local: 0, remote: IMAGES - 1, missing: 0, corrupt: 1 });
    expect(document.problems.map((problem) => problem.reason).join('\n')).toContain(said);
    expect(Date.now() - startedAt).toBeLessThan(30_000);

    const pulled = await run(['pull'], { cwd: await onHostile(), env: env() });
    expect(pulled.code, pulled.all).toBe(1);
    expect(pulled.all).toContain(said);
    expect(pulled.stdout).toContain(`${IMAGES - 1} downloaded to .genimage/`);

    const generated = await run(['generate'], { cwd: await onHostile(), env: env() });
    expect(generated.code, generated.all).toBe(0);
    expect(generated.stderr.split(said)).toHaveLength(2); // said once
    expect(api.server().requests).toHaveLength(1);
  });

  it.each([
    ['generate', 1e12],
    ['pull', 2.5 * 1024 ** 3],
  ])('%s: a meta.json claiming a %d-byte image is refused at once, located, and its image is never asked for', async (command, claimed) => {
    const { author, keys } = await authored();
    const { meta, metaObject, imageObject } = await objectsOf(author, keys[0]!);
    await putObject(metaObject, JSON.stringify({ ...meta, images: [{ ...meta.images[0]!, bytes: claimed }, ...meta.images.slice(1)] }));
    const startedAt = Date.now();
    const result = await run([command], { cwd: await onHostile(), env: env() });
    expect(result.code, result.all).toBe(command === 'generate' ? 0 : 1);
    expect(result.all).toContain(`s3://${BUCKET}/${metaObject} is not valid cache metadata`);
    expect(result.all).toContain('images.0.bytes: must be at most 67108864 (the largest image accepted)');
    expect(result.all).not.toContain('RangeError');
    // Never downloaded for the entry: the one GET `generate` may make is its upload's look at the object
    // already under the new image's name, after its PUT was refused, bounded by the new metadata.
    const firstGet = hostile.requests.indexOf(`GET /${BUCKET}/${imageObject}`);
    expect(firstGet === -1 || firstGet > hostile.requests.indexOf(`PUT /${BUCKET}/${imageObject}`)).toBe(true);
    if (command === 'pull') expect(gets(imageObject)).toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expect(api.server().requests).toHaveLength(command === 'generate' ? 1 : 0);
  });

  it('an entry whose metadata is another request, and one holding fewer images than params.n: frozen check names both, generate replaces both', async () => {
    const { author, keys } = await authored();
    const entries = await Promise.all(keys.map((key) => objectsOf(author, key)));
    const lake = entries.find((entry) => entry.meta.images.length === 2)!;
    const other = entries.find((entry) => entry !== lake)!;
    await putObject(other.metaObject, JSON.stringify({ ...other.meta, prompt: 'another marker’s prompt' }));
    await putObject(lake.metaObject, JSON.stringify({ ...lake.meta, images: lake.meta.images.slice(0, 1) }));

    const checked = await run(['check', '--json'], { cwd: await onHostile(), env: ciEnv() });
    expect(checked.code, checked.all).toBe(1);
    const document = parseJson<{ found: Record<string, number>; problems: { reason: string }[] }>(checked.stdout);
    expect(document.found).toEqual({ local: 0, remote: IMAGES - 2, missing: 0, corrupt: 2 });
    const reasons = document.problems.map((problem) => problem.reason).join('\n');
    expect(reasons).toContain(`s3://${BUCKET}/${other.metaObject} does not hash to its key`);
    expect(reasons).toContain(
      `s3://${BUCKET}/${lake.metaObject} is not valid cache metadata:\n  images: must hold as many images as params.n`,
    );

    const generated = await run(['generate'], { cwd: await onHostile(), env: env() });
    expect(generated.code, generated.all).toBe(0);
    expect(api.server().requests).toHaveLength(2);
  });

  it('a listing that repeats its continuation token: push and pull end with an error naming the bucket', async () => {
    const { author } = await authored();
    fault = (method, objectPath, query) =>
      method === 'GET' && objectPath.replace(/\/$/, '') === `/${BUCKET}` && query.get('list-type') === '2'
        ? (response) => {
            response.writeHead(200, { 'content-type': 'application/xml' });
            response.end(
              `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${BUCKET}</Name><Prefix>${prefix}/</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>again</NextContinuationToken></ListBucketResult>`,
            );
          }
        : undefined;
    for (const [command, root] of [
      ['pull', await onHostile()],
      ['push', author],
    ] as const) {
      hostile.requests.length = 0;
      const result = await run([command], { cwd: root, env: env() });
      expect(result.code, result.all).not.toBe(0);
      expect(result.stderr).toContain(
        `s3://${BUCKET}/${prefix}/ (${hostile.endpoint}): LIST ${prefix}/ gave continuation token "again" again on page 2; the listing was stopped, as it would never end.`,
      );
      expect(hostile.requests.filter((request) => /^GET \/genimage\/?$/.test(request))).toHaveLength(2);
    }
  });
});

describe('push and pull', () => {
  it('placeholders never reach the bucket: a machine without a key draws them locally, and push skips one an older version left in .genimage/', async () => {
    const root = await machine();
    const offline = { ...s3.env, SHARK_API_KEY: undefined, SHARK_BASE_URL: api.server().baseUrl };
    expect((await run(['generate'], { cwd: root, env: offline })).code).toBe(0);
    expect(await bucketObjects()).toEqual([]);
    const [leftover] = await cacheKeys(root, PLACEHOLDERS);
    await cp(path.join(root, PLACEHOLDERS, leftover!), path.join(root, '.genimage', leftover!), { recursive: true });
    const pushed = await run(['push', '--json'], { cwd: root, env: offline });
    expect(parseJson(pushed.stdout)).toMatchObject({ ok: true, entries: 1, copied: 0, placeholders: 1 });
    expect(await bucketObjects()).toEqual([]);
    expect(api.server().requests).toHaveLength(0);
  });

  it('round trip between two empty local caches: push uploads what the bucket lacks, pull downloads it, verified', async () => {
    const down = await startS3Server({ buckets: [] });
    await down.stop();
    // Generated while the bucket could not be reached: only the local cache has the images.
    const first = await machine({ endpoint: down.endpoint });
    expect((await run(['generate'], { cwd: first, env: env() })).code).toBe(0);
    await writeFile(
      path.join(first, 'genimage.config.json'),
      JSON.stringify({ remote: { url: `s3://${BUCKET}/${prefix}`, endpoint: s3.endpoint } }),
    );
    expect(entriesIn(await bucketObjects())).toEqual([]);

    const pushed = await run(['push', '--json'], { cwd: first, env: env() });
    expect(pushed.code, pushed.all).toBe(0);
    expect(parseJson(pushed.stdout)).toMatchObject({
      command: 'push',
      ok: true,
      from: '.genimage/',
      to: `s3://genimage/${prefix}/`,
      entries: IMAGES,
      copied: IMAGES,
      present: 0,
      corrupt: [],
    });
    expect(entriesIn(await bucketObjects())).toEqual(await cacheKeys(first));

    const again = await run(['push'], { cwd: first, env: env() });
    expect(again.stdout).toMatch(
      new RegExp(`^${IMAGES} entries in \\.genimage/: 0 uploaded to s3://genimage/${prefix}/, ${IMAGES} already there · \\d+\\.\\d s\\n$`),
    );

    const second = await machine();
    const pulled = await run(['pull'], { cwd: second, env: env() });
    expect(pulled.code, pulled.all).toBe(0);
    expect(pulled.stderr.match(/^downloaded [0-9a-f]{12} \(\d\/3\)$/gm)).toHaveLength(IMAGES);
    expect(pulled.stdout).toMatch(
      new RegExp(
        `^${IMAGES} entries used by the markers in s3://genimage/${prefix}/: ${IMAGES} downloaded to \\.genimage/, 0 already there · `,
      ),
    );
    expect(await cacheKeys(second)).toEqual(await cacheKeys(first));
    expect((await run(['check'], { cwd: second, env: ciEnv() })).code).toBe(0);
    expect(api.server().requests).toHaveLength(IMAGES);
  });

  it('an entry another machine replaced first is reported as changed and skipped; exit 0 when its copy verifies, 1 when not', async () => {
    // Another machine replaces an image object just before this one's conditional replacement of it.
    const armed = new Map<string, { calls: number; write: () => Promise<void> }>();
    const racing = await startS3Server({
      buckets: [BUCKET],
      beforeConditionalPut: async (objectPath) => {
        const race = armed.get(objectPath);
        if (race && ++race.calls === 2) await race.write(); // 1: If-None-Match (refused), 2: If-Match on the corrupt object
      },
    });
    try {
      // Generated while no bucket could be reached: only the local cache has the images.
      const down = await startS3Server({ buckets: [] });
      await down.stop();
      const root = await machine({ endpoint: down.endpoint });
      expect((await run(['generate'], { cwd: root, env: env() })).code).toBe(0);
      const keys = await cacheKeys(root);
      const put = (Key: string, Body: Uint8Array | string) => racing.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
      /** A corrupt image object of `key` in the bucket, which the other machine replaces (with the good entry, or garbage) while push replaces it. */
      async function arm(at: string, key: string, other: 'good copy' | 'garbage') {
        const metaText = await readFile(path.join(root, '.genimage', key, 'meta.json'), 'utf8');
        const images = (JSON.parse(metaText) as { images: { file: string; sha256: string }[] }).images;
        const image = images[0]!;
        const objectKey = `${at}/${key}/${image.sha256}-${image.file}`;
        await put(objectKey, new Uint8Array([1, 2, 3]));
        armed.set(`/${BUCKET}/${objectKey}`, {
          calls: 0,
          write: async () => {
            if (other === 'garbage') return void (await put(objectKey, new Uint8Array([4, 5, 6])));
            for (const each of images)
              await put(`${at}/${key}/${each.sha256}-${each.file}`, await readFile(path.join(root, '.genimage', key, each.file)));
            await put(`${at}/${key}/meta.json`, metaText);
          },
        });
      }
      const pushTo = async (at: string, args = ['--json']) => {
        await writeFile(
          path.join(root, 'genimage.config.json'),
          JSON.stringify({ remote: { url: `s3://${BUCKET}/${at}`, endpoint: racing.endpoint } }),
        );
        return run(['push', ...args], { cwd: root, env: env() });
      };

      await arm(`${prefix}-a`, keys[0]!, 'good copy');
      const verified = await pushTo(`${prefix}-a`);
      expect(verified.code, verified.all).toBe(0);
      expect(parseJson(verified.stdout)).toMatchObject({
        ok: true,
        entries: IMAGES,
        copied: IMAGES - 1,
        present: 0,
        corrupt: [],
        changed: [{ key: keys[0], verified: true }],
      });
      expect(parseJson<{ changed: { reason: string }[] }>(verified.stdout).changed[0]!.reason).toContain(
        'An object in the remote cache changed while it was being replaced',
      );
      expect(verified.stderr).toMatch(/^changed [0-9a-f]{12}: not uploaded, another machine replaced it first \(\d\/3\)$/m);

      await arm(`${prefix}-b`, keys[1]!, 'garbage');
      const lost = await pushTo(`${prefix}-b`);
      expect(lost.code, lost.all).toBe(1);
      expect(parseJson(lost.stdout)).toMatchObject({ ok: false, copied: IMAGES - 1, changed: [{ key: keys[1], verified: false }] });
      // Once the other machine is done, a push replaces its corrupt object.
      const again = await pushTo(`${prefix}-b`);
      expect(again.code, again.all).toBe(0);
      expect(parseJson(again.stdout)).toMatchObject({ ok: true, copied: 1, present: IMAGES - 1, changed: [] });

      await arm(`${prefix}-c`, keys[2]!, 'garbage');
      const text = await pushTo(`${prefix}-c`, []);
      expect(text.code, text.all).toBe(1);
      expect(text.stdout).toContain(
        `changed  ${keys[2]!.slice(0, 12)}  not uploaded: another machine replaced it first, and its copy in the bucket does not verify; run \`genimage push\` again:\n  An object in the remote cache changed`,
      );
      expect(text.stdout).toMatch(
        new RegExp(
          `${IMAGES} entries in \\.genimage/: ${IMAGES - 1} uploaded to s3://genimage/${prefix}-c/, 0 already there, 1 changed by another machine \\(0 verified\\) · `,
        ),
      );
    } finally {
      await racing.stop();
    }
  });

  it('without the remote option, push is a configuration error (exit 2)', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['pull', '--json'], { cwd: root, env: env() });
    expect(result.code).toBe(2);
    expect(parseJson<{ error: { code: string } }>(result.stdout).error.code).toBe('RemoteNotConfigured');
  });
});

describe('the remote option', () => {
  it('refuses an access key in the config, with the reason and without printing it', async () => {
    const root = await machine({ secretAccessKey: CREDENTIALS.secretAccessKey });
    const result = await run(['check'], { cwd: root, env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "remote.secretAccessKey: credentials are never read from genimage's options (a key in a committed file is a leaked key); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment",
    );
    expect(result.all).not.toContain(CREDENTIALS.secretAccessKey);
  });

  it('refuses a lease that a slow renewal could lose: leaseMs under 4 × timeoutMs, naming both and why', async () => {
    const root = await machine({ leaseMs: 5000, timeoutMs: 2000 });
    const result = await run(['check'], { cwd: root, env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'remote.leaseMs: must be at least 4 × remote.timeoutMs (8000 with timeoutMs 2000), got 5000: a renewal starts a third of leaseMs after the previous one and may take two attempts of timeoutMs each',
    );
    // The default lease counts too; the defaults themselves pass.
    expect(() => resolveConfig({ remote: { url: 's3://bucket', timeoutMs: 20_000 } })).toThrow(
      'remote.leaseMs: must be at least 4 × remote.timeoutMs (80000 with timeoutMs 20000), got 60000',
    );
    expect(resolveConfig({ remote: { url: 's3://bucket' } }).remote).toMatchObject({ leaseMs: 60_000, timeoutMs: 10_000 });
    expect(resolveConfig({ remote: { url: 's3://bucket', leaseMs: 4000, timeoutMs: 1000 } }).remote).toMatchObject({ leaseMs: 4000 });
  });

  it('names a malformed url and what is allowed', async () => {
    const root = await machine({ url: 'https://bucket/prefix' });
    const result = await run(['check'], { cwd: root, env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('remote.url: must be s3://bucket or s3://bucket/prefix');
  });
});
