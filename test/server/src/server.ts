/**
 * The test server: the generation endpoint and the download links over real HTTP on
 * 127.0.0.1, with faults, counters and the recorded requests.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { API_PREFIX, ERROR_TABLE, FILES_PREFIX, GENERATIONS_PATH, IMAGE_SIZES, TEST_API_KEY } from './contract.ts';
import { FaultPlan, replacesAnswer, type Fault } from './faults.ts';
import { FileStore } from './files.ts';
import { generate, type GenerationContext } from './generate.ts';
import { errorReply, isJsonContentType, jsonReply, lowercaseKeys, readBody, recordHeaders, send, type Body, type Reply } from './http.ts';
import { DEFAULT_LONG_EDGES, type LongEdges } from './images.ts';
import { validateRequest } from './validate.ts';

export interface TestServerOptions {
  /** The only key accepted as `Authorization: Bearer <apiKey>`. @default TEST_API_KEY */
  apiKey?: string;
  /** Credits charged per requested image; a response's `credit` is `creditPerImage * n`. @default 10 */
  creditPerImage?: number;
  /** The account balance. A request that would take the credits spent past it gets 402. @default unlimited */
  balance?: number;
  /**
   * Pixel long edge per size class. Tests pass small values for speed.
   * @default { '1K': 1024, '2K': 2048, '4K': 4096 }
   * @example { '1K': 64, '2K': 96, '4K': 128 }
   */
  longEdge?: Partial<Record<'1K' | '2K' | '4K', number>>;
  /** How long a response_format=url link stays valid; after that it answers 403. @default 60000 */
  urlTtlMs?: number;
  /** Larger request bodies get 400 input_too_large. @default 20 MiB */
  maxRequestBytes?: number;
  /**
   * A plan's concurrency limit, as hosted APIs enforce it: a generation request arriving while
   * `maxInFlight` others are being answered gets 429 rate_limit_error with `Retry-After`.
   * @default none
   * @example { maxInFlight: 2, retryAfterSeconds: 1 }
   */
  rateLimit?: { maxInFlight: number; retryAfterSeconds: number };
  /**
   * The PNG to answer with instead of the gradient, asked for each image of each answer; it must
   * be `width` × `height`, the size the request's size class and aspect ratio make. Benchmarks
   * answer with photo-like images, which cost what a real image costs to encode.
   * @default a gradient made from a hash of the request (`renderPng`)
   */
  image?: (request: ImageRequest) => Promise<Uint8Array> | Uint8Array;
}

/** What one image of an answer is made for: the request's fields, and its size and place in `data`. */
export interface ImageRequest {
  model: string;
  prompt: string;
  seed: number;
  index: number;
  width: number;
  height: number;
}

export interface RecordedRequest {
  method: string;
  /** The request target, path and query. */
  path: string;
  /** Lowercased names; `authorization` redacted to `Bearer ***`. */
  headers: Record<string, string>;
  /** Whether the authorization header carried exactly `Bearer <apiKey>`. */
  authorized: boolean;
  /** The parsed JSON body, or the raw text when it is not JSON. Filled in once the body is read. */
  body: unknown;
  /** The fault this request got, if any. */
  fault?: Fault;
}

export interface TestServer {
  /** e.g. `http://127.0.0.1:41234/api/v1`; the endpoint is `POST {baseUrl}/images/generations`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Every request to the generation endpoint, in arrival order (a copy). */
  readonly requests: RecordedRequest[];
  /** GETs of download links, whatever they answered. */
  readonly downloads: number;
  /** Real PNGs sent in successful answers (as base64 or as links). */
  readonly generatedImages: number;
  /** Credits charged so far; reset() sets it back to 0. */
  readonly creditsSpent: number;
  /** Requests turned away by `rateLimit` with a 429. */
  readonly rateLimited: number;
  /** The most generation requests that were being answered at once (rate-limited ones not counted). */
  readonly peakInFlight: number;
  /** The next generation requests get these faults, one each, in order; then normal behaviour resumes. */
  enqueue(...faults: Fault[]): void;
  /** The next generation requests with this prompt get these faults, one each, before any queued with `enqueue`. */
  enqueueFor(prompt: string, ...faults: Fault[]): void;
  /** Every request not served by a queued fault gets this one, until cleared with `undefined`. */
  always(fault: Fault | undefined): void;
  /** Clears the counters, the recorded requests, the faults and the credits spent. Issued links stay valid. */
  reset(): void;
  /** Closes the server and destroys every open connection, hanging ones too. */
  close(): Promise<void>;
}

interface Resolved {
  apiKey: string;
  creditPerImage: number;
  balance: number | undefined;
  longEdges: LongEdges;
  urlTtlMs: number;
  maxRequestBytes: number;
  rateLimit: { maxInFlight: number; retryAfterSeconds: number } | undefined;
  image: TestServerOptions['image'];
}

function resolveOptions(options: TestServerOptions): Resolved {
  const check = (name: string, value: number, integer: boolean, min: number): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      throw new TypeError(`Expected \`${name}\` to be ${integer ? 'an integer' : 'a number'} from ${min} and up, got ${String(value)}`);
    }
    return value;
  };
  const apiKey = options.apiKey ?? TEST_API_KEY;
  if (typeof apiKey !== 'string' || apiKey === '') throw new TypeError('Expected `apiKey` to be a non-empty string');
  const longEdges = { ...DEFAULT_LONG_EDGES, ...options.longEdge };
  for (const size of IMAGE_SIZES) check(`longEdge.${size}`, longEdges[size], true, 1);
  return {
    apiKey,
    creditPerImage: check('creditPerImage', options.creditPerImage ?? 10, false, 0),
    balance: options.balance === undefined ? undefined : check('balance', options.balance, false, 0),
    longEdges,
    urlTtlMs: check('urlTtlMs', options.urlTtlMs ?? 60_000, true, 0),
    maxRequestBytes: check('maxRequestBytes', options.maxRequestBytes ?? 20 * 1024 * 1024, true, 1),
    rateLimit: options.rateLimit && {
      maxInFlight: check('rateLimit.maxInFlight', options.rateLimit.maxInFlight, true, 1),
      retryAfterSeconds: check('rateLimit.retryAfterSeconds', options.rateLimit.retryAfterSeconds, false, 0),
    },
    image: options.image,
  };
}

const GARBAGE = randomBytes(64 * 1024);
/** A success body cut short: what a dropped proxy connection or a buggy gateway leaves behind. */
const BROKEN_JSON = '{"created":1700000000,"data":[{"b64_json":"iVBORw0KGgoAAAANSUhEUgAA';
const SLOW_BODY_CHUNKS = 4;
const SLOW_BODY_GAP_MS = 5;

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const config = resolveOptions(options);
  const plan = new FaultPlan();
  const files = new FileStore(config.urlTtlMs);
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let requests: RecordedRequest[] = [];
  let downloads = 0;
  let generatedImages = 0;
  let creditsSpent = 0;
  let rateLimited = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  let closing: Promise<void> | undefined;

  const later = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };
  // Never resolves once the server closes: the abandoned handler is then garbage.
  const sleep = (ms: number) => new Promise<void>((resolve) => later(ms, resolve));

  async function answer(req: IncomingMessage, body: Body, authorized: boolean, fault: Fault | undefined) {
    if (!authorized) return { reply: errorReply(401, 'auth_error', 'Invalid API key'), images: 0 };
    if (body.tooLarge) {
      const message = `The request body has ${body.bytes} bytes, more than the limit of ${config.maxRequestBytes}`;
      return { reply: errorReply(400, 'input_too_large', message), images: 0 };
    }
    const invalid = (message: string) => ({ reply: errorReply(400, 'invalid_request_error', message), images: 0 });
    if (!isJsonContentType(req.headers['content-type'])) {
      return invalid(`Expected \`Content-Type: application/json\`, got ${JSON.stringify(req.headers['content-type'] ?? null)}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(body.text);
    } catch (error) {
      return invalid(`Expected the request body to be valid JSON: ${(error as Error).message}`);
    }
    const validation = validateRequest(json);
    if (!validation.ok) return invalid(validation.message);

    const credit = config.creditPerImage * validation.request.n;
    if (config.balance !== undefined && creditsSpent + credit > config.balance) {
      const left = config.balance - creditsSpent;
      const message = `This request costs ${credit} credits; the account has ${left} left`;
      return { reply: errorReply(402, 'insufficient_credits', message), images: 0 };
    }
    creditsSpent += credit;
    const ctx: GenerationContext = { ...config, files, origin: origin() };
    const generation = await generate(validation.request, fault, ctx);
    return { reply: jsonReply(200, generation.body), images: generation.images };
  }

  /** Status and headers now, the body in chunks after `delayMs`. */
  function sendSlowly(res: ServerResponse, reply: Reply, delayMs: number): void {
    const body = Buffer.from(reply.body);
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
    res.flushHeaders();
    const size = Math.ceil(body.length / SLOW_BODY_CHUNKS);
    const writeFrom = (offset: number): void => {
      if (res.destroyed) return;
      if (offset + size >= body.length) return void res.end(body.subarray(offset));
      res.write(body.subarray(offset, offset + size));
      later(SLOW_BODY_GAP_MS, () => writeFrom(offset + size));
    };
    later(delayMs, () => writeFrom(0));
  }

  function replyToFault(req: IncomingMessage, res: ServerResponse, fault: Fault): void {
    switch (fault.kind) {
      case 'error': {
        const row = ERROR_TABLE.find((entry) => entry.status === fault.status);
        const headers = lowercaseKeys(fault.headers);
        if (fault.rawBody === undefined) {
          const message = fault.message ?? row?.description ?? `HTTP ${fault.status}`;
          const echoed = fault.echoAuthorization
            ? `${message} You sent ${req.headers.authorization ?? 'no Authorization header'}.`
            : message;
          const reply = errorReply(fault.status, fault.type ?? row?.type ?? 'api_error', echoed);
          return send(res, { ...reply, headers: { ...reply.headers, ...headers } });
        }
        return send(res, {
          status: fault.status,
          headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
          body: fault.rawBody,
        });
      }
      case 'reset':
        // A TCP RST rather than a FIN: the client sees ECONNRESET, not a clean end.
        req.socket.resetAndDestroy();
        return;
      case 'hang':
        return;
      case 'brokenJson':
        return send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: BROKEN_JSON });
      default:
        throw new Error(`Fault ${fault.kind} does not replace the answer`);
    }
  }

  async function handleGeneration(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const authorized = req.headers.authorization === `Bearer ${config.apiKey}`;
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: recordHeaders(req.headers),
      authorized,
      body: undefined,
    };
    requests.push(record);

    const body = await readBody(req, config.maxRequestBytes);
    record.body = parseRecorded(body);
    const prompt = (record.body as { prompt?: unknown } | undefined)?.prompt;
    const fault = plan.next(typeof prompt === 'string' ? prompt : undefined);
    if (fault) record.fault = fault;
    if (fault && replacesAnswer(fault)) return replyToFault(req, res, fault);
    const limit = config.rateLimit;
    if (limit && inFlight >= limit.maxInFlight) {
      rateLimited += 1;
      const reply = errorReply(429, 'rate_limit_error', `At most ${limit.maxInFlight} requests at once on this plan`);
      return send(res, { ...reply, headers: { ...reply.headers, 'retry-after': String(limit.retryAfterSeconds) } });
    }
    inFlight += 1;
    peakInFlight = Math.max(peakInFlight, inFlight);
    res.once('close', () => (inFlight -= 1));
    // The latency of a `delay` covers the server's own work, as a hosted API's does.
    const answering = answer(req, body, authorized, fault);
    if (fault?.kind === 'delay') await sleep(fault.ms);
    const { reply, images } = await answering;
    if (res.destroyed) return;
    if (images > 0) res.once('finish', () => (generatedImages += images));
    if (fault?.kind === 'slowBody') return sendSlowly(res, reply, fault.delayMs);
    send(res, reply);
  }

  function handleDownload(url: URL, res: ServerResponse): void {
    downloads += 1;
    const lookup = files.get(url.pathname.slice(FILES_PREFIX.length), url.searchParams.get('sig'));
    if (!lookup.found) return send(res, errorReply(lookup.status, lookup.status === 403 ? 'forbidden' : 'not_found', lookup.message));
    const content = lookup.content;
    switch (content.kind) {
      case 'bytes':
        return send(res, { status: 200, headers: { 'content-type': content.contentType }, body: content.bytes });
      case 'status':
        return send(res, {
          status: content.status,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          body: `Download failed with status ${content.status}\n`,
        });
      case 'garbage':
        return sendGarbage(res, content.bytes, content.chunked);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? '';
    const notAllowed = (allow: string): void => {
      req.resume();
      send(res, errorReply(405, 'method_not_allowed', `${method} is not allowed on ${url.pathname}; use ${allow}`, { allow }));
    };
    if (url.pathname === GENERATIONS_PATH) {
      return method === 'POST' ? handleGeneration(req, res) : notAllowed('POST');
    }
    if (url.pathname.startsWith(FILES_PREFIX)) {
      req.resume();
      return method === 'GET' ? handleDownload(url, res) : notAllowed('GET');
    }
    req.resume();
    send(res, errorReply(404, 'not_found', `No route for ${method} ${url.pathname}`));
  }

  const server = createServer((req, res) => {
    res.on('error', () => {}); // The client may go away at any time; that is not the server's failure.
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return void res.destroy();
      send(res, errorReply(500, 'server_error', `The test server failed: ${(error as Error).message}`));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const origin = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const baseUrl = origin() + API_PREFIX;

  return {
    baseUrl,
    apiKey: config.apiKey,
    get requests() {
      return [...requests];
    },
    get downloads() {
      return downloads;
    },
    get generatedImages() {
      return generatedImages;
    },
    get creditsSpent() {
      return creditsSpent;
    },
    get rateLimited() {
      return rateLimited;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    enqueue: (...faults) => plan.enqueue(faults),
    enqueueFor: (prompt, ...faults) => plan.enqueueFor(prompt, faults),
    always: (fault) => plan.always(fault),
    reset() {
      requests = [];
      downloads = 0;
      generatedImages = 0;
      creditsSpent = 0;
      rateLimited = 0;
      peakInFlight = inFlight;
      plan.clear();
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** The recorded form of a body: parsed JSON when it parses, the raw text otherwise. */
function parseRecorded(body: Body): unknown {
  if (body.tooLarge) return `[${body.bytes} bytes, over the limit]`;
  try {
    return JSON.parse(body.text);
  } catch {
    return body.text;
  }
}

/** `bytes` bytes of noise as image/png, written with back-pressure so gigabytes cost no memory. */
function sendGarbage(res: ServerResponse, bytes: number, chunked: boolean): void {
  res.writeHead(200, chunked ? { 'content-type': 'image/png' } : { 'content-type': 'image/png', 'content-length': String(bytes) });
  let remaining = bytes;
  const write = (): void => {
    while (remaining > 0 && !res.destroyed) {
      const chunk = remaining >= GARBAGE.length ? GARBAGE : GARBAGE.subarray(0, remaining);
      remaining -= chunk.length;
      if (!res.write(chunk)) return void res.once('drain', write);
    }
    if (!res.destroyed) res.end();
  };
  write();
}
