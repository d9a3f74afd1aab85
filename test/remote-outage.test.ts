/**
 * A dev server on a bucket that stops answering (a listener that accepts and never answers): one
 * look costs at most one `timeoutMs`, once; then the local cache serves at once, the bucket is
 * looked at again only in the background, and its return is said once. The real S3Store and
 * TieredStore, as the engine builds them, against a real S3-compatible server (fauxqs).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileSystemStore, type Logger, S3Store, TieredStore } from '@genimage/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type S3Server, startS3Server } from './fixtures/remote-s3/s3-server.ts';

const TIMEOUT_MS = 300;
const KEY = 'a'.repeat(64);

let dir: string | undefined;
let silent: { server: Server; sockets: Set<Socket> } | undefined;
let s3: S3Server | undefined;
afterEach(async () => {
  for (const socket of silent?.sockets ?? []) socket.destroy();
  if (silent) await new Promise((resolve) => silent!.server.close(resolve));
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  silent = s3 = dir = undefined;
});

async function listenSilently(port = 0): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket)); // accepts, never answers
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  silent = { server, sockets };
  return (server.address() as { port: number }).port;
}

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const add = (message: string) => lines.push(message);
  return { logger: { debug: () => {}, info: add, warn: add, error: add }, lines };
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await run();
  return { value, ms: Date.now() - started };
}

describe('a dev server whose bucket goes silent', () => {
  it('pays one timeoutMs once, then serves from the local cache at once; the return of the bucket is said once', async () => {
    const port = await listenSilently();
    dir = await mkdtemp(path.join(tmpdir(), 'genimage-outage-'));
    const { logger, lines } = recordingLogger();
    const env = {
      AWS_ACCESS_KEY_ID: 'GENIMAGETESTKEY',
      AWS_SECRET_ACCESS_KEY: 'genimage-test-secret-0123456789abcdef',
      AWS_REGION: 'us-east-1',
    };
    const remote = new S3Store({ url: 's3://genimage/dev', endpoint: `http://127.0.0.1:${port}`, timeoutMs: TIMEOUT_MS, env, logger });
    const store = new TieredStore(new FileSystemStore(path.join(dir, '.genimage')), remote, { logger, retryRemoteAfterMs: 200 });

    // A page's first look: one timeoutMs (no retry after a silence), said once.
    const first = await timed(() => store.readMeta(KEY));
    expect(first.value).toBeUndefined();
    expect(first.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(first.ms).toBeLessThan(2 * TIMEOUT_MS);
    expect(lines.filter((line) => line.includes('The remote cache could not be reached'))).toHaveLength(1);
    expect(lines.join('\n')).toContain('only until it answers again');

    // Every later page, past the retry delay too: at once, the bucket looked at in the background only.
    for (let page = 0; page < 4; page++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect((await timed(() => store.readMeta(KEY))).ms).toBeLessThan(50);
    }
    await store.settled();
    expect(lines.filter((line) => line.includes('could not be reached'))).toHaveLength(1);

    // The bucket answers again on the same address: the next background look says so, once, and it is used again.
    for (const socket of silent!.sockets) socket.destroy();
    await new Promise((resolve) => silent!.server.close(resolve));
    silent = undefined;
    s3 = await startS3Server({ buckets: ['genimage'], port });
    await new Promise((resolve) => setTimeout(resolve, 250));
    await store.readMeta(KEY); // starts the look
    await store.settled();
    expect(store.remoteAvailable).toBe(true);
    expect(lines.filter((line) => /^The remote cache \S+ answers again\.$/.test(line))).toHaveLength(1);
    s3.requests.length = 0;
    await store.readMeta(KEY);
    expect(s3.requests).toEqual([`GET /genimage/dev/${KEY}/meta.json`]);
  });
});
