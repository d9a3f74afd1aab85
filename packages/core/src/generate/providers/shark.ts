import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { BodyTooLarge, MAX_IMAGE_BYTES, discardBody, forEachChunkCapped, readCapped } from '../../capped-body.ts';
import { request } from '../http.ts';
import {
  Aborted,
  ApiError,
  type ErrorDefinition,
  InvalidResponse,
  NetworkFailed,
  ProviderTimeout,
  RateLimited,
  isGenImageError,
} from '../../errors.ts';
import { inspectImage } from '../image.ts';
import { type Logger, silentLogger } from '../../logger.ts';
import { backoffDelay, DEFAULT_RETRY_OPTIONS, parseRetryAfter, RetryBudget, type RetryClass, type RetryOptions } from '../retry.ts';
import type { GeneratedImage, GenerateOptions, GenerationResult, Provider, ProviderJob } from './provider.ts';
import { type Blob, blobIndex, JsonBlobReader } from './json-blobs.ts';
import { redactForeignText } from '../../secrets.ts';
import {
  DEFAULT_SHARK_BASE_URL,
  buildRequestBody,
  classifyErrorResponse,
  decodeBase64,
  generationResponseSchema,
  generationsEndpoint,
  toUsage,
} from './shark-contract.ts';
import { formatDuration } from '../../terminal-text.ts';
import { isSecureUrl } from '../../secure-url.ts';
import { type Permit, RateLimiter } from '../rate-limiter.ts';

// The contract's public part stays importable from here (and so from the package's index).
export { DEFAULT_SHARK_BASE_URL, buildRequestBody, classifyErrorResponse } from './shark-contract.ts';

export interface SharkProviderOptions {
  /** Sent as a bearer token; never logged, stored or emitted. */
  apiKey: string;
  /** @default "https://shark.ai/api/v1" */
  baseUrl?: string;
  /** @default "b64_json" */
  responseFormat?: 'b64_json' | 'url';
  /** Per attempt, covering the whole exchange. Generations are slow. @default 300000 (5 minutes) */
  timeoutMs?: number;
  retries?: Partial<RetryOptions>;
  /** Largest JSON response accepted. @default 268435456 (256 MiB) */
  maxResponseBytes?: number;
  /** Largest image accepted from a `url` download. @default 67108864 (64 MiB) */
  maxDownloadBytes?: number;
  /** Passed to sharp's `limitInputPixels` when validating images. */
  maxPixels?: number;
  logger?: Logger;
  /** For tests: the clock and randomness of backoff. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  dispatcher?: Dispatcher;
}

/** Connection failures where the request never reached the server: retrying cannot double-bill. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Every `code` along the cause chain (and inside AggregateErrors, as connection attempts raise). */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 4) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  return [
    ...(typeof code === 'string' ? [code] : []),
    ...(Array.isArray(errors) ? errors.flatMap((inner) => errorCodes(inner, depth + 1)) : []),
    ...errorCodes(cause, depth + 1),
  ];
}

/** A failed attempt: the error to report and how the failure may be retried. */
interface AttemptFailure {
  error: ApiError;
  retryClass: RetryClass;
  retryAfterMs?: number;
}

function failure(
  definition: ErrorDefinition,
  message: string,
  retryClass: RetryClass,
  extra: { status?: number; apiType?: string; cause?: unknown; retryAfterMs?: number } = {},
): AttemptFailure {
  const error = new ApiError(definition, message, {
    ...(extra.status !== undefined && { status: extra.status }),
    ...(extra.apiType !== undefined && { apiType: extra.apiType }),
    ...(extra.cause !== undefined && { cause: extra.cause }),
  });
  return { error, retryClass, ...(extra.retryAfterMs !== undefined && { retryAfterMs: extra.retryAfterMs }) };
}

/** A 429 that says to slow down (not one whose type says the credits are gone). */
function isRateLimit(failure: AttemptFailure): boolean {
  return failure.error.status === 429 && failure.retryClass === 'free';
}

/** A 200 answer, read within the size cap into a reader that decodes its images as they arrive. */
async function readDocument(body: Dispatcher.ResponseData['body'], maxBytes: number, declaredBytes: number): Promise<JsonBlobReader> {
  const reader = new JsonBlobReader(Math.min(declaredBytes, maxBytes));
  await forEachChunkCapped(body, maxBytes, 'The response body', (chunk) => reader.write(chunk as Buffer));
  return reader;
}

/** The hosted text-to-image API (see shared/api/images-generations.md), over undici. */
export class SharkProvider implements Provider {
  readonly id = 'shark';
  readonly #apiKey: string;
  readonly #endpoint: string;
  readonly #responseFormat: 'b64_json' | 'url';
  readonly #timeoutMs: number;
  readonly #retry: RetryOptions;
  readonly #maxResponseBytes: number;
  readonly #maxDownloadBytes: number;
  readonly #maxPixels: number | undefined;
  readonly #logger: Logger;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #random: () => number;
  readonly #dispatcher: Dispatcher | undefined;
  /** Paces requests made without a run's shared limiter: 429s still slow them down, never fail them. */
  readonly #limiter: RateLimiter;

  constructor(options: SharkProviderOptions) {
    this.#apiKey = options.apiKey;
    this.#endpoint = generationsEndpoint(options.baseUrl ?? DEFAULT_SHARK_BASE_URL);
    this.#responseFormat = options.responseFormat ?? 'b64_json';
    this.#timeoutMs = options.timeoutMs ?? 300_000;
    this.#retry = { ...DEFAULT_RETRY_OPTIONS, ...options.retries };
    this.#maxResponseBytes = options.maxResponseBytes ?? 256 * 1024 * 1024;
    this.#maxDownloadBytes = options.maxDownloadBytes ?? MAX_IMAGE_BYTES;
    this.#maxPixels = options.maxPixels;
    this.#logger = options.logger ?? silentLogger;
    this.#sleep = options.sleep ?? ((ms, signal) => sleep(ms, undefined, signal ? { signal } : undefined));
    this.#random = options.random ?? Math.random;
    this.#dispatcher = options.dispatcher;
    this.#limiter = new RateLimiter({
      maxConcurrency: Number.POSITIVE_INFINITY,
      maxRateLimitedMs: this.#retry.maxRateLimitedMs,
      random: this.#random,
    });
  }

  async generate(job: ProviderJob, options: GenerateOptions = {}): Promise<GenerationResult> {
    const budget = new RetryBudget(this.#retry);
    const limiter = options.limiter ?? this.#limiter;
    // Every error leaving here carries the attempts made, so that summaries count what may have been billed.
    const counted = (error: ApiError): ApiError => {
      error.attempts = budget.attempts;
      error.possiblyBilledAttempts = budget.billedFailures;
      return error;
    };
    let afterRateLimit = false;
    let lastError: ApiError | undefined;
    for (;;) {
      if (options.signal?.aborted)
        throw counted(new ApiError(Aborted, 'Cancelled before the request was sent.', { cause: options.signal.reason }));
      let permit: Permit | undefined;
      try {
        permit = await limiter.acquire(options.signal, { retry: afterRateLimit });
      } catch (cause) {
        throw counted(new ApiError(Aborted, 'Cancelled before the request was sent.', { cause }));
      }
      if (!permit) throw counted(this.#refusedTooLong());
      // The run may have stopped (a 401 or 402 elsewhere) while this request waited for its slot.
      if (options.maySend?.() === false) {
        permit.released();
        throw counted(lastError ?? new ApiError(Aborted, 'Not sent: the run stopped first.'));
      }
      budget.begin();
      // The slot is held for the HTTP exchange only: checking the images happens while the next
      // request is already in flight.
      const exchange = this.#redacted(await this.#exchange(job, options.signal));
      let outcome: Omit<GenerationResult, 'attempts' | 'possiblyBilledAttempts'> | AttemptFailure;
      if ('error' in exchange) {
        outcome = exchange;
        options.onFailedAttempt?.(exchange.error);
        if (!isRateLimit(exchange)) permit.released();
      } else {
        permit.accepted();
        outcome = this.#redacted(await this.#readImages(job, exchange.document, exchange.attemptSignal, options.signal, exchange.timeout));
      }
      if (!('error' in outcome)) {
        return { ...outcome, attempts: budget.attempts, possiblyBilledAttempts: budget.billedFailures };
      }
      const { error, retryClass, retryAfterMs } = outcome;
      lastError = error;
      let delay: number;
      if (isRateLimit(outcome)) {
        // Paced by the limiter rather than counted against maxAttempts: a rate limit is not a failure.
        budget.rateLimited++;
        if (retryAfterMs !== undefined && retryAfterMs > this.#retry.maxRetryAfterMs) {
          permit.released();
          throw counted(
            new ApiError(
              RateLimited,
              `The API asked to wait ${Math.ceil(retryAfterMs / 1000)} s before retrying, more than retries.maxRetryAfterMs (${this.#retry.maxRetryAfterMs} ms) allows.`,
              { ...(error.status !== undefined && { status: error.status }), cause: error },
            ),
          );
        }
        // Retry-After is the least wait; refusals of the same request in a row back off beyond it.
        const wait = permit.rateLimited(Math.max(retryAfterMs ?? 0, backoffDelay(budget.rateLimited, this.#retry, this.#random)));
        if (wait === undefined) throw counted(this.#refusedTooLong(error));
        if (options.signal?.aborted || options.maySend?.() === false) throw counted(error);
        delay = wait;
        afterRateLimit = true;
      } else {
        afterRateLimit = false;
        const retryAllowed = budget.allowsRetry(retryClass);
        if (!retryAllowed || options.signal?.aborted || options.maySend?.() === false) throw counted(error);
        delay = backoffDelay(budget.attempts - budget.rateLimited, this.#retry, this.#random);
      }
      this.#logger.debug(`${error.title} (attempt ${budget.attempts}); retrying in ${delay} ms`);
      try {
        await this.#sleep(delay, options.signal);
      } catch (cause) {
        throw counted(new ApiError(Aborted, 'Cancelled while waiting to retry.', { cause }));
      }
      // The run may have stopped (401/402 elsewhere) while this request waited.
      if (options.maySend?.() === false) throw counted(error);
    }
  }

  /**
   * A failed attempt's text comes from outside: an API answer may echo the request's
   * Authorization header. Cleaned here, where it enters, so nothing downstream can leak the key.
   */
  #redacted<T>(outcome: T | AttemptFailure): T | AttemptFailure {
    if (typeof outcome !== 'object' || outcome === null || !('error' in outcome)) return outcome;
    outcome.error.message = redactForeignText(outcome.error.message, [this.#apiKey]);
    return outcome;
  }

  /** The API has answered nothing but 429 for `retries.maxRateLimitedMs`. */
  #refusedTooLong(cause?: ApiError): ApiError {
    const limit = this.#retry.maxRateLimitedMs;
    return new ApiError(
      RateLimited,
      `The API refused every request for ${formatDuration(limit)} (429 rate_limit_error); retries.maxRateLimitedMs (${limit} ms) says when to give up.`,
      {
        status: 429,
        ...(cause && { cause }),
      },
    );
  }

  /** One HTTP exchange: the request, then the whole answer, read within the size cap. */
  async #exchange(
    job: ProviderJob,
    signal: AbortSignal | undefined,
  ): Promise<{ document: JsonBlobReader; attemptSignal: AbortSignal; timeout: AbortSignal } | AttemptFailure> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const attemptSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let statusCode: number;
    let rawBody: Buffer | undefined;
    let document: JsonBlobReader | undefined;
    let headers: Record<string, string | string[] | undefined>;
    try {
      const response = await request(this.#endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(buildRequestBody(job, this.#responseFormat)),
        signal: attemptSignal,
        ...(this.#dispatcher && { dispatcher: this.#dispatcher }),
      });
      statusCode = response.statusCode;
      headers = response.headers;
      // An answer with images is decoded as it streams in; an error answer is small text.
      if (statusCode === 200) document = await readDocument(response.body, this.#maxResponseBytes, Number(headers['content-length']) || 0);
      else rawBody = await readCapped(response.body, this.#maxResponseBytes, 'The response body');
    } catch (cause) {
      return this.#transportFailure(cause, signal, timeout);
    }

    if (document === undefined) {
      const text = redactForeignText(rawBody?.toString('utf8') ?? '', [this.#apiKey]);
      const { definition, retryClass, apiType, apiMessage } = classifyErrorResponse(statusCode, text);
      const detail = apiMessage ? `: ${apiMessage}` : '';
      return failure(definition, `HTTP ${statusCode}${apiType ? ` ${apiType}` : ''}${detail}`, retryClass, {
        status: statusCode,
        ...(apiType && { apiType }),
        ...(definition === RateLimited && { retryAfterMs: parseRetryAfter(headers) }),
      });
    }
    return { document, attemptSignal, timeout };
  }

  async #readImages(
    job: ProviderJob,
    document: JsonBlobReader,
    attemptSignal: AbortSignal,
    signal: AbortSignal | undefined,
    timeout: AbortSignal,
  ) {
    // A 200 was billed; anything wrong with it from here on is a possibly-billed failure.
    let json: unknown;
    let blobs: Blob[];
    try {
      ({ json, blobs } = document.end());
    } catch (cause) {
      return failure(InvalidResponse, 'The 200 response body is not valid JSON.', 'billed', { status: 200, cause });
    }
    const parsed = generationResponseSchema.safeParse(json);
    if (!parsed.success) {
      return failure(
        InvalidResponse,
        `The 200 response does not match the API contract: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ')}`,
        'billed',
        { status: 200 },
      );
    }
    const { data, usage, credit } = parsed.data;
    if (data.length < job.params.n) {
      return failure(InvalidResponse, `Asked for ${job.params.n} image(s), the API returned ${data.length}.`, 'billed', { status: 200 });
    }
    const images: GeneratedImage[] = [];
    for (const [index, item] of data.slice(0, job.params.n).entries()) {
      let bytes: Uint8Array | undefined;
      if (item.b64_json !== undefined) {
        const blob = blobIndex(item.b64_json);
        bytes = blob === undefined ? decodeBase64(item.b64_json) : blobs[blob]?.bytes;
        if (!bytes) return failure(InvalidResponse, `Image ${index} is not valid base64.`, 'billed', { status: 200 });
      } else if (item.url !== undefined) {
        try {
          bytes = await this.#download(item.url, attemptSignal);
        } catch (cause) {
          if (signal?.aborted)
            return failure(Aborted, 'Cancelled while downloading the image; the generation was billed.', 'billed', { cause });
          const reason = timeout.aborted ? 'timed out' : cause instanceof Error ? cause.message : String(cause);
          return failure(InvalidResponse, `Downloading image ${index} failed: ${reason}.`, 'billed', { status: 200, cause });
        }
      } else {
        return failure(InvalidResponse, `Image ${index} has neither b64_json nor url.`, 'billed', { status: 200 });
      }
      try {
        const info = await inspectImage(bytes, this.#maxPixels === undefined ? {} : { maxPixels: this.#maxPixels });
        images.push({ bytes, ...info });
      } catch (cause) {
        const reason = isGenImageError(cause) ? cause.message : String(cause);
        return failure(InvalidResponse, `Image ${index} is not a usable image: ${reason}`, 'billed', { status: 200, cause });
      }
    }
    return { images, ...(usage && { usage: toUsage(usage) }), ...(credit !== undefined && { credit }) };
  }

  async #download(url: string, signal: AbortSignal): Promise<Uint8Array> {
    // The link is signed and short-lived: fetched at once, never stored. No API key is sent to it.
    if (!isSecureUrl(new URL(url)))
      throw new Error('the API answered a link that is neither https nor to this machine; it was not fetched');
    const response = await request(url, { method: 'GET', signal, ...(this.#dispatcher && { dispatcher: this.#dispatcher }) });
    if (response.statusCode !== 200) {
      discardBody(response.body);
      throw new Error(`HTTP ${response.statusCode}`);
    }
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.#maxDownloadBytes) {
      discardBody(response.body);
      throw new Error(`the image is ${declared} bytes, over the ${this.#maxDownloadBytes}-byte cap`);
    }
    const bytes = await readCapped(response.body, this.#maxDownloadBytes, 'The image download', Number.isFinite(declared) ? declared : 0);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #transportFailure(cause: unknown, signal: AbortSignal | undefined, timeout: AbortSignal): AttemptFailure {
    // Aborted after the request was sent: it may have been billed; the retry budget still refuses it.
    if (signal?.aborted) return failure(Aborted, 'Cancelled after the request was sent; it may have been billed.', 'billed', { cause });
    if (timeout.aborted) {
      return failure(ProviderTimeout, `No complete answer within ${formatDuration(this.#timeoutMs)} (the \`timeout\` option).`, 'billed', {
        cause,
      });
    }
    if (cause instanceof BodyTooLarge) {
      return failure(InvalidResponse, cause.message, 'billed', { cause });
    }
    const codes = errorCodes(cause);
    const notSent = codes.find((code) => NOT_SENT_CODES.has(code));
    if (notSent !== undefined) {
      return failure(NetworkFailed, `Could not connect to ${new URL(this.#endpoint).origin} (${notSent}).`, 'free', { cause });
    }
    // The request was sent and the connection failed before a complete answer: it may have been billed.
    const reason = codes[0] ?? (cause instanceof Error ? cause.message : String(cause));
    return failure(NetworkFailed, `The connection failed after the request was sent (${reason}).`, 'billed', { cause });
  }
}
