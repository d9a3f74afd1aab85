/**
 * A small site for the review tests, in a temporary folder: a page with a seeded tag, a seedless
 * tag and an image function call, and a post whose frontmatter declares its hero. The review API
 * runs on a real `node:http` server on 127.0.0.1; the image API is the test server.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type IncomingHttpHeaders, type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Engine, type EngineInit } from '../../src/engine.ts';
import type { GenImageEnv } from '../../src/config/config.ts';
import { REVIEW_BASE, REVIEW_TOKEN_HEADER } from '../../src/review/protocol.ts';
import { type ReviewHandler, createReviewHandler } from '../../src/review/http.ts';
import type { ReviewSession } from '../../src/review/session.ts';

export const PAGE = 'src/pages/index.astro';
export const POST = 'src/content/blog/post.md';

export const PAGE_SOURCE = `---
import { GenImage } from '@genimage/astro/components';
import { genImage } from '@genimage/astro/image';
const og = await genImage({ prompt: 'an og card', seed: 5, aspectRatio: '16:9' });
---
<html>
  <body>
    <GenImage prompt="a red fox" seed={42} alt="A fox" />
    <GenImage
      prompt="a seedless owl"
      alt="An owl"
    />
  </body>
</html>
`;

export const POST_SOURCE = `---
title: A night
hero:
  prompt: a lighthouse at dusk # the first one
  alt: A lighthouse
---
# A night
`;

export async function makeSite(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'genimage-review-'));
  await mkdir(path.join(root, 'src/pages'), { recursive: true });
  await mkdir(path.join(root, 'src/content/blog'), { recursive: true });
  await writeFile(path.join(root, PAGE), PAGE_SOURCE);
  await writeFile(path.join(root, POST), POST_SOURCE);
  return root;
}

export function removeSite(root: string): Promise<void> {
  return rm(root, { recursive: true, force: true });
}

export function readSite(root: string, file: string): Promise<string> {
  return readFile(path.join(root, file), 'utf8');
}

export function loadEngine(root: string, env: GenImageEnv, init: Partial<EngineInit> = {}): Promise<Engine> {
  return Engine.load({ root, configFile: false, env, ...init });
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  bytes: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field in the tests.
  json: any;
}

export interface ReviewServer {
  session: ReviewSession;
  port: number;
  /** Every answer's text, to check that a secret never appears in one. */
  answers: string[];
  /** A request as the panel sends it (token, same origin, JSON); `headers` overrides or removes (undefined) any of them. */
  call(method: string, route: string, body?: unknown, headers?: Record<string, string | undefined>): Promise<Reply>;
  close(): Promise<void>;
}

/**
 * Serves `session` on 127.0.0.1. `remoteAddress` makes every request look as if it came from that
 * address (a machine on the network), which a test cannot bind to.
 */
export async function serveReview(session: ReviewSession, options: { remoteAddress?: string } = {}): Promise<ReviewServer> {
  const handler: ReviewHandler = createReviewHandler(session);
  const server: Server = createServer((req, res) => {
    if (options.remoteAddress) Object.defineProperty(req.socket, 'remoteAddress', { value: options.remoteAddress, configurable: true });
    handler(req, res, () => {
      res.statusCode = 404;
      res.end('not the review API');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const answers: string[] = [];
  const call: ReviewServer['call'] = (method, route, body, headers = {}) => {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const all: Record<string, string | undefined> = {
      host: `127.0.0.1:${port}`,
      [REVIEW_TOKEN_HEADER]: session.token,
      ...(method === 'POST' && { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }),
      ...headers,
    };
    const sent = Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined));
    return new Promise<Reply>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method,
        path: route.startsWith('/') ? route : `${REVIEW_BASE}/${route}`,
        headers: sent,
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const replyText = bytes.toString('utf8');
          answers.push(replyText);
          let json: unknown;
          try {
            json = JSON.parse(replyText);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: replyText, bytes, json });
        });
      });
      req.end(text);
    });
  };
  return {
    session,
    port,
    answers,
    call,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
