/**
 * The review API over HTTP: one Node request handler in the connect middleware shape, so that a
 * Vite dev server (`server.middlewares.use(handler)`, which `astro dev` runs too) and the
 * `genimage review` server mount the same code. It answers only paths under `REVIEW_BASE` and
 * hands every other request to `next()`.
 *
 * Every request passes the rules of `guards.ts` first (loopback address and Host, same origin,
 * the session's token, JSON); a refused one gets 403 and its reason, and nothing runs. Answers
 * are JSON, errors `{ error, code }` with a sentence for the author, never a stack; the API key,
 * which no answer has reason to hold, is hidden from every one all the same.
 *
 * Endpoints (under the base): `GET /images`, `POST /quote {id, k}`, `POST /try {id, k, seeds}`,
 * `POST /keep {id, seed}`, `POST /fix-seed {id}` (each also taking the `key` the list showed, refused when it no longer matches), and `GET /original/<key>/<index>`, the bytes of
 * an image the session listed. The token is read from its header only, never from a URL (where
 * history, logs and copied links would keep it): the panel fetches previews with the header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KEY_PATTERN } from '../cache/store.ts';
import { DeclarationChanged, ReviewInvalid, ReviewRefused, formatError, isGenImageError } from '../errors.ts';
import { redactSecrets } from '../secrets.ts';
import { refusal } from './guards.ts';
import { REVIEW_BASE, REVIEW_TOKEN_HEADER, type ReviewErrorBody } from './protocol.ts';
import type { ReviewSession } from './session.ts';

/** The largest request body read: every request is a few short fields. */
export const MAX_REVIEW_BODY_BYTES = 16 * 1024;

export type ReviewHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

/** The review API of `session`, for `node:http` or a connect stack (see the top of this module). */
export function createReviewHandler(session: ReviewSession): ReviewHandler {
  return (req, res, next) => {
    const url = URL.parse((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/', 'http://localhost');
    if (!url || (url.pathname !== REVIEW_BASE && !url.pathname.startsWith(`${REVIEW_BASE}/`))) {
      if (next) next();
      else sendJson(res, 404, { error: 'Not found.' }, []);
      return;
    }
    const route = url.pathname.slice(REVIEW_BASE.length);
    const original = /^\/original\/([^/]+)(?:\/(\d+))?$/.exec(route);
    const header = (name: string) => [req.headers[name]].flat()[0];
    const refused = refusal(
      {
        method: req.method ?? 'GET',
        remoteAddress: req.socket.remoteAddress,
        host: header('host'),
        origin: header('origin'),
        secFetchSite: header('sec-fetch-site'),
        contentType: header('content-type'),
        token: header(REVIEW_TOKEN_HEADER),
      },
      session.token,
    );
    if (refused) {
      req.resume();
      // Nothing of the engine's is in a refusal: it is not even loaded for one.
      sendJson(res, 403, { error: refused }, []);
      return;
    }
    answer(session, req, res, route, original)
      // An engine that cannot load (a bad config) is answered too: its error, with nothing to hide yet.
      .catch(async (error: unknown) => sendError(res, error, await session.secrets().catch(() => [])))
      .catch(() => res.destroy());
  };
}

async function answer(
  session: ReviewSession,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  original: RegExpExecArray | null,
): Promise<void> {
  const method = req.method ?? 'GET';
  const secrets = await session.secrets();
  if (original) {
    if (method !== 'GET') return methodNotAllowed(req, res, 'GET', secrets);
    const [, key, index = '0'] = original;
    const image = KEY_PATTERN.test(key!) ? await session.original(key!, Number(index)) : undefined;
    if (!image) return sendJson(res, 404, { error: `No image ${key}/${index} was listed in this review session.` }, secrets);
    res.writeHead(200, {
      // Every format an original can have (png, jpeg, webp, avif, gif) is `image/<format>`.
      'Content-Type': `image/${image.format}`,
      'Content-Length': image.bytes.byteLength,
      'Cache-Control': 'private, max-age=3600',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(image.bytes);
    return;
  }
  if (route === '/images') {
    if (method !== 'GET') return methodNotAllowed(req, res, 'GET', secrets);
    return sendJson(res, 200, await session.list(), secrets);
  }
  const action = ACTIONS[route];
  if (!action) return sendJson(res, 404, { error: `The review API has no ${route || '/'}.` }, secrets);
  if (method !== 'POST') return methodNotAllowed(req, res, 'POST', secrets);
  const body = await readJson(req, res, secrets);
  if (body === undefined) return;
  sendJson(res, 200, await action(session, body), secrets);
}

type Action = (session: ReviewSession, body: Record<string, unknown>) => Promise<unknown>;

const ACTIONS: Record<string, Action> = {
  '/quote': (session, body) => session.quote(body['id'] as string, body['k'], body['key']),
  '/try': (session, body) => session.tryCandidates(body['id'] as string, body['k'], body['seeds'], body['key']),
  '/keep': (session, body) => session.keep(body['id'] as string, body['seed'], body['key']),
  '/fix-seed': (session, body) => session.fixSeed(body['id'] as string, body['key']),
};

/** The body as a JSON object; answers 413 or 400 itself (and returns undefined) when it is not one. */
async function readJson(
  req: IncomingMessage,
  res: ServerResponse,
  secrets: readonly (string | undefined)[],
): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_REVIEW_BODY_BYTES) {
      // Answered now, and the connection closed after: the rest of the body is never read.
      res.setHeader('Connection', 'close');
      sendJson(
        res,
        413,
        { error: `The request body is over ${MAX_REVIEW_BODY_BYTES} bytes: the review API takes a few short fields.` },
        secrets,
      );
      res.once('finish', () => req.destroy());
      return undefined;
    }
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    sendJson(res, 400, { error: 'The request body is not valid JSON.' }, secrets);
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    sendJson(res, 400, { error: 'The request body must be a JSON object, e.g. {"id": "src/pages/index.astro:7:5"}.' }, secrets);
    return undefined;
  }
  return body as Record<string, unknown>;
}

function methodNotAllowed(req: IncomingMessage, res: ServerResponse, allowed: string, secrets: readonly (string | undefined)[]): void {
  res.setHeader('Allow', allowed);
  sendJson(res, 405, { error: `${req.method} is not allowed here: use ${allowed}.` }, secrets);
}

/** Status by what went wrong: a bad request 400, a refusal 409, anything else 500; always a sentence, never a stack. */
function sendError(res: ServerResponse, error: unknown, secrets: readonly (string | undefined)[]): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = isGenImageError(error, ReviewInvalid)
    ? 400
    : isGenImageError(error, ReviewRefused) || isGenImageError(error, DeclarationChanged)
      ? 409
      : 500;
  const body: ReviewErrorBody = {
    error: status === 500 && !isGenImageError(error) ? `The review server failed: ${formatError(error)}` : formatError(error),
    ...(isGenImageError(error) && { code: error.code }),
  };
  sendJson(res, status, body, secrets);
}

function sendJson(res: ServerResponse, status: number, body: unknown, secrets: readonly (string | undefined)[]): void {
  const text = redactSecrets(JSON.stringify(body), secrets);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}
