import { redactForeignText } from '../../secrets.ts';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { S3Client } from '@aws-sdk/client-s3';
import { BodySilent, BodyTooLarge, discardBody, readCapped } from '../../capped-body.ts';
import {
  CacheCorrupt,
  GenImageError,
  InvalidOptions,
  RemoteAccessDenied,
  RemoteNoCredentials,
  RemoteNoETag,
  RemoteObjectChanged,
  RemoteSdkMissing,
  RemoteUnavailable,
  messageOf,
} from '../../errors.ts';
import { silentLogger, type Logger } from '../../logger.ts';
import { SECURE_URL_RULE, serviceUrlProblem } from '../../secure-url.ts';
import { escapeControls, formatDuration } from '../../terminal-text.ts';
import { type CachedEntry, imageMismatch } from '../cache.ts';
import { type CacheEntryMeta, type CachedImageMeta, KEY_PATTERN, META_FILE, parseEntryMeta } from '../store.ts';
import type { HeldLease, LeaseAttempt, RemoteEntryInfo, RemoteStore } from './remote.ts';
import { isTimeout, oneRetryUnlessSilent } from './retry-policy.ts';

type Sdk = typeof import('@aws-sdk/client-s3');

const LEASES = '.leases/';
/** The most a meta.json may hold (a real one is about 1 KiB): a larger object is corrupt, never read whole. */
export const MAX_META_BYTES = 1024 * 1024;
/** The most a lease object may hold (a real one is about 200 bytes). */
const MAX_LEASE_BYTES = 64 * 1024;
/** Pages of 1000 keys: ten million entries. A listing longer than that is a service paging for ever. */
const MAX_LIST_PAGES = 10_000;
/** Error names (and HTTP statuses) that say the bucket refused the credentials. */
const DENIED = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
]);
/** Error names of the SDK's credential chain: no credentials were found here, nothing was sent. */
const NO_CREDENTIALS = new Set(['CredentialsProviderError', 'TokenProviderError']);
/** What a call found instead of an answer: no such object, or a condition (If-None-Match, If-Match) that failed. */
const MISSING = Symbol('missing');
const CONFLICT = Symbol('conflict');

export interface S3StoreOptions {
  /** `s3://bucket` or `s3://bucket/prefix`. */
  url: string;
  /** A service other than AWS S3. @default AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, or AWS */
  endpoint?: string | undefined;
  /** @default AWS_REGION, AWS_DEFAULT_REGION, or "us-east-1" */
  region?: string | undefined;
  /** @default true when an endpoint is set */
  forcePathStyle?: boolean | undefined;
  /** A lease not renewed for this long is taken over; holders renew every third of it. At least 4 × timeoutMs (checked by the `remote` option's schema). @default 60000 */
  leaseMs?: number;
  /** Connecting, and silence while waiting for an answer or inside its body, at most this long. @default 10000 */
  timeoutMs?: number;
  /** The most pages a listing may take before it is taken for one that never ends. @default 10000 (ten million entries) */
  maxListPages?: number;
  logger?: Logger;
  /** Where the AWS variables are read for defaults and for text to hide. @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * Told the credentials the SDK's chain resolved (access key id, secret, session token) once a
   * request has used them, so that a logger can hide them too: a profile, SSO or a role yields
   * credentials that no environment variable names.
   */
  onCredentials?: (secrets: readonly string[]) => void;
}

/** The bucket and key prefix of an `s3://bucket/prefix` URL; the prefix is empty or ends with `/`. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new TypeError(`Expected an s3://bucket/prefix URL, got ${JSON.stringify(url)}`);
  const prefix = match[2]!.replace(/^\/+|\/+$/g, '');
  return { bucket: match[1]!, prefix: prefix ? `${prefix}/` : '' };
}

/**
 * The remote cache in an S3-compatible bucket, through the official AWS SDK (loaded on first use,
 * so that a build without a remote never loads it):
 *
 * ```text
 * <prefix><key>/meta.json              the entry's metadata, uploaded last: it marks the entry complete
 * <prefix><key>/<sha256>-<file>        each image, named by its content, so a half-finished upload
 *                                      never leaves an object that another entry could mistake for its own
 * <prefix>.leases/<key>.json           a machine's claim on a key while it generates it
 * ```
 *
 * Every upload is conditional (`If-None-Match: *`): a machine never overwrites another's object.
 * The one exception is an object that failed verification in this process, replaced only while it
 * is still that same object (`If-Match` on its ETag).
 */
export class S3Store implements RemoteStore {
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly leaseMs: number;
  readonly timeoutMs: number;
  readonly maxListPages: number;
  /** Names this process in the leases it takes: host, pid, and a random part. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #options: S3StoreOptions;
  readonly #logger: Logger;
  readonly #env: Record<string, string | undefined>;
  readonly #endpointUrl: string | undefined;
  /** What errors hide: the AWS variables, and the credentials the SDK resolved once it has. */
  readonly #secrets: Set<string>;
  #client: Promise<{ sdk: Sdk; client: S3Client }> | undefined;
  /** Objects that failed verification here, by object key, with the ETag they had: only these may be replaced. */
  readonly #replaceable = new Map<string, string>();

  constructor(options: S3StoreOptions) {
    const { bucket, prefix } = parseS3Url(options.url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.location = `s3://${bucket}/${prefix}`;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxListPages = options.maxListPages ?? MAX_LIST_PAGES;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#env = options.env ?? process.env;
    this.#endpointUrl = checkedEndpoint(options, this.#env);
    this.#secrets = new Set(
      [this.#env['AWS_SECRET_ACCESS_KEY'], this.#env['AWS_SESSION_TOKEN'], this.#env['AWS_ACCESS_KEY_ID']].filter(
        (value) => !!value,
      ) as string[],
    );
  }

  async getEntry(key: string): Promise<CachedEntry | undefined> {
    const metaKey = this.#object(key, META_FILE);
    const got = await this.#get(metaKey, MAX_META_BYTES);
    if (got === MISSING) return undefined;
    const corrupt = (objectKey: string, etag: string, problem: string) => {
      this.#replaceable.set(objectKey, etag);
      // The metadata goes with it: a new generation replaces the entry as a whole.
      this.#replaceable.set(metaKey, got.etag);
      return new GenImageError(CacheCorrupt, `s3://${this.bucket}/${objectKey} ${problem}`, {
        hint: 'It is not used. `genimage generate` makes the image again and replaces the object; frozen, the build fails until then.',
      });
    };
    if ('tooLarge' in got)
      throw corrupt(metaKey, got.etag, `${got.tooLarge}; a meta.json has at most ${MAX_META_BYTES}, so it was not downloaded`);
    if ('silent' in got) throw corrupt(metaKey, got.etag, got.silent);
    const parsed = parseEntryMeta(new TextDecoder().decode(got.bytes), key);
    if ('problem' in parsed) throw corrupt(metaKey, got.etag, parsed.problem);
    const images: Uint8Array[] = [];
    for (const image of parsed.meta.images) {
      const objectKey = this.#imageObject(key, image);
      // No more than the verified metadata says: a larger object is corrupt, and never read whole.
      const bytes = await this.#get(objectKey, image.bytes);
      if (bytes === MISSING) throw corrupt(metaKey, got.etag, `lists image ${image.file}, but its object ${objectKey} is missing`);
      if ('tooLarge' in bytes)
        throw corrupt(objectKey, bytes.etag, `${bytes.tooLarge}, but the metadata says ${image.bytes}, so it was not downloaded`);
      if ('silent' in bytes) throw corrupt(objectKey, bytes.etag, bytes.silent);
      const mismatch = imageMismatch(image, bytes.bytes);
      if (mismatch) throw corrupt(objectKey, bytes.etag, mismatch);
      images.push(bytes.bytes);
    }
    return { meta: parsed.meta, images };
  }

  async hasEntry(key: string): Promise<boolean> {
    const objectKey = this.#object(key, META_FILE);
    const found = await this.#send(`HEAD ${objectKey}`, (sdk, client) =>
      client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: objectKey })),
    );
    return found !== MISSING && found !== CONFLICT;
  }

  async putEntry(meta: CacheEntryMeta, images: Uint8Array[]): Promise<'uploaded' | 'exists'> {
    for (const [index, image] of meta.images.entries()) {
      const objectKey = this.#imageObject(meta.key, image);
      const bytes = images[index]!;
      if ((await this.#put(objectKey, bytes, contentType(image))) !== CONFLICT) continue;
      // Something is there under this content's name: the same bytes, unless it is corrupt.
      const there = await this.#get(objectKey, image.bytes);
      const problem =
        there === MISSING
          ? undefined
          : 'tooLarge' in there
            ? `${there.tooLarge}, but the metadata says ${image.bytes}`
            : 'silent' in there
              ? there.silent
              : imageMismatch(image, there.bytes);
      if (there !== MISSING && !problem) continue;
      if (there !== MISSING) this.#replaceable.set(objectKey, there.etag);
      if ((await this.#put(objectKey, bytes, contentType(image))) === CONFLICT) {
        throw new GenImageError(
          RemoteObjectChanged,
          `s3://${this.bucket}/${objectKey} was replaced by another machine while this one was replacing it; the entry ${meta.key} was not uploaded.`,
        );
      }
    }
    const metaKey = this.#object(meta.key, META_FILE);
    const put = await this.#put(metaKey, new TextEncoder().encode(`${JSON.stringify(meta, null, 2)}\n`), 'application/json');
    return put === CONFLICT ? 'exists' : 'uploaded';
  }

  async listKeys(): Promise<string[]> {
    return (await this.listEntries()).map((entry) => entry.key);
  }

  async listEntries(): Promise<RemoteEntryInfo[]> {
    const entries = new Map<string, RemoteEntryInfo>();
    const pattern = new RegExp(`^${escapeRegExp(this.prefix)}([0-9a-f]{64})/${escapeRegExp(META_FILE)}$`);
    for await (const object of this.#objects(this.prefix)) {
      const match = pattern.exec(object.key);
      if (match) entries.set(match[1]!, { key: match[1]!, uploaded: object.modified });
    }
    return [...entries.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  async deleteEntry(key: string): Promise<void> {
    const folder = `${this.prefix}${checkKey(key)}/`;
    const objects: string[] = [];
    for await (const object of this.#objects(folder)) objects.push(object.key);
    // The metadata first: from then on no machine takes what is left for a complete entry.
    const meta = this.#object(key, META_FILE);
    for (const objectKey of [meta, ...objects.filter((name) => name !== meta)]) {
      await this.#send(`DELETE ${objectKey}`, (sdk, client) =>
        client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey })),
      );
    }
  }

  /** Every object under `prefix`, page by page; a listing that would never end is an error naming the bucket. */
  async *#objects(prefix: string): AsyncGenerator<{ key: string; modified: Date }> {
    const what = `LIST ${prefix || '/'}`;
    // Tokens already followed: a service that hands one back again would page for ever.
    const followed = new Set<string>();
    let token: string | undefined;
    for (let pages = 1; ; pages++) {
      if (pages > this.maxListPages) throw this.#endlessListing(what, `went on past ${this.maxListPages} pages`);
      const page = await this.#send(what, (sdk, client) =>
        client.send(new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token && { ContinuationToken: token }) })),
      );
      if (page === MISSING || page === CONFLICT) return;
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, modified: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (!token) return;
      if (followed.has(token))
        throw this.#endlessListing(what, `gave continuation token ${JSON.stringify(this.#clean(token))} again on page ${pages}`);
      followed.add(token);
    }
  }

  async tryLease(key: string, version?: string): Promise<LeaseAttempt> {
    const objectKey = `${this.prefix}${LEASES}${checkKey(key)}.json`;
    const body = () =>
      new TextEncoder().encode(JSON.stringify({ owner: this.owner, key, leaseMs: this.leaseMs, renewed: new Date().toISOString() }));
    // Twice at most: a lease released between our attempt and our look at it is gone, so try again.
    for (let attempt = 0; ; attempt++) {
      const put = await this.#put(
        objectKey,
        body(),
        'application/json',
        version === undefined ? { ifNoneMatch: true } : { ifMatch: version },
      );
      if (put === '') {
        // Nobody could take this lease over if we died: remove it before saying why.
        await this.#send(`DELETE ${objectKey}`, (sdk, client) =>
          client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey })),
        );
        throw this.#noETag(`PUT ${objectKey}`);
      }
      if (put !== CONFLICT) return { held: true, lease: this.#lease(objectKey, put, body) };
      const current = await this.#get(objectKey, MAX_LEASE_BYTES);
      // Its holder could never be told dead: waiting for it would last until we give up.
      if (current !== MISSING && current.etag === '') throw this.#noETag(`GET ${objectKey}`);
      if (current !== MISSING)
        return { held: false, version: current.etag, owner: 'bytes' in current ? ownerOf(current.bytes) : 'unknown' };
      if (attempt > 0) return { held: false, version: '', owner: 'unknown' };
      version = undefined;
    }
  }

  /** Renews the lease every third of `leaseMs` while held (each renewal changes its ETag, which is how waiters see it is alive). */
  #lease(objectKey: string, etag: string, body: () => Uint8Array): HeldLease {
    let current = etag;
    let lost = false;
    let timer: NodeJS.Timeout | undefined;
    let renewing: Promise<void> = Promise.resolve();
    const renew = () => {
      renewing = (async () => {
        try {
          const put = await this.#put(objectKey, body(), 'application/json', { ifMatch: current });
          if (put === CONFLICT) {
            lost = true;
            this.#logger.warn(
              `The lease on s3://${this.bucket}/${objectKey} was taken over by another machine (this one did not renew it within ${formatDuration(this.leaseMs)}); both may generate this image.`,
            );
            return;
          }
          current = put;
        } catch (error) {
          // Not fatal: the next renewal may get through before the lease runs out.
          this.#logger.debug(`Renewing s3://${this.bucket}/${objectKey} failed: ${messageOf(error)}`);
        }
        if (!lost && timer) timer = setTimeout(renew, this.leaseMs / 3).unref();
      })();
    };
    timer = setTimeout(renew, this.leaseMs / 3).unref();
    return {
      release: async () => {
        clearTimeout(timer);
        timer = undefined;
        await renewing;
        if (lost) return;
        // Removed only while it is still ours; if this fails, the lease runs out by itself.
        try {
          const there = await this.#get(objectKey, MAX_LEASE_BYTES);
          if (there !== MISSING && there.etag === current) {
            await this.#send(`DELETE ${objectKey}`, (sdk, client) =>
              client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey })),
            );
          }
        } catch (error) {
          this.#logger.debug(`Releasing s3://${this.bucket}/${objectKey} failed: ${messageOf(error)}`);
        }
      },
    };
  }

  /**
   * Uploads one object, only where nothing is (or, given `ifMatch`, only over that version). An
   * object that failed verification here is replaced only while it is still that object.
   * Returns the new ETag, or CONFLICT when the condition failed.
   */
  async #put(
    objectKey: string,
    body: Uint8Array,
    type: string,
    condition?: { ifNoneMatch: true } | { ifMatch: string },
  ): Promise<string | typeof CONFLICT> {
    const replaceable = this.#replaceable.get(objectKey);
    const when = condition ?? (replaceable === undefined ? { ifNoneMatch: true } : { ifMatch: replaceable });
    const result = await this.#send(`PUT ${objectKey}`, (sdk, client) =>
      client.send(
        new sdk.PutObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          Body: body,
          ContentLength: body.byteLength,
          ContentType: type,
          ...('ifMatch' in when ? { IfMatch: when.ifMatch } : { IfNoneMatch: '*' }),
        }),
      ),
    );
    if (result === CONFLICT || result === MISSING) return CONFLICT;
    this.#replaceable.delete(objectKey);
    return result.ETag ?? '';
  }

  /**
   * Downloads one object of at most `maxBytes`. A larger one is not read whole: refused on its
   * ContentLength before its body is read, or as soon as its body goes past `maxBytes`, and given
   * back as `tooLarge` (what was seen of its size, for the message). A body silent for `timeoutMs`
   * (the SDK times only the wait for the headers) is dropped, its request aborted, and given back
   * as `silent`.
   */
  async #get(
    objectKey: string,
    maxBytes: number,
  ): Promise<{ bytes: Uint8Array; etag: string } | { tooLarge: string; etag: string } | { silent: string; etag: string } | typeof MISSING> {
    const result = await this.#send(`GET ${objectKey}`, async (sdk, client) => {
      const response = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      const etag = response.ETag ?? '';
      const declared = response.ContentLength;
      const body = response.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
      try {
        // No more than it declares either: an object longer than its Content-Length is not read whole.
        const bytes = await readCapped(body, Math.min(declared ?? maxBytes, maxBytes), objectKey, declared, this.timeoutMs);
        return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), etag };
      } catch (error) {
        // Whatever stopped the reading, the connection must not stay open (it would keep the process alive).
        if (body) discardBody(body);
        if (error instanceof BodySilent)
          return {
            silent: `sent nothing for ${formatDuration(error.silenceMs)} after ${error.receivedBytes} bytes of its body, so it was not used (the request was aborted)`,
            etag,
          };
        if (!(error instanceof BodyTooLarge)) throw error;
        return {
          tooLarge:
            error.declaredBytes === undefined
              ? `has more than ${error.maxBytes} bytes (reading stopped there)`
              : `is ${error.declaredBytes} bytes (its Content-Length)`,
          etag,
        };
      }
    });
    return result === CONFLICT ? MISSING : result;
  }

  /** Runs one SDK call; a missing object and a failed condition are answers, anything else a GenImageError. */
  async #send<T>(what: string, run: (sdk: Sdk, client: S3Client) => Promise<T>): Promise<T | typeof MISSING | typeof CONFLICT> {
    const { sdk, client } = await this.#ready();
    try {
      return await run(sdk, client);
    } catch (error) {
      const { name, status } = describe(error);
      // The request was signed, so the chain has resolved the credentials an error may echo.
      if (!NO_CREDENTIALS.has(name)) await this.#learnCredentials(client);
      if (name === 'NoSuchBucket')
        throw new GenImageError(
          RemoteUnavailable,
          `The bucket ${this.bucket} does not exist at ${this.#endpoint() ?? 'AWS S3'} (${what}).`,
          { cause: error },
        );
      if (status === 404 || name === 'NoSuchKey' || name === 'NotFound') return MISSING;
      if (status === 412 || status === 409 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict') return CONFLICT;
      throw this.#wrap(what, error);
    }
  }

  /** A listing that would never end: stopped, and said with the bucket it came from. */
  #endlessListing(what: string, problem: string): GenImageError {
    return new GenImageError(
      RemoteUnavailable,
      `${this.location} (${this.#endpoint() ?? 'AWS S3'}): ${what} ${problem}; the listing was stopped, as it would never end.`,
      {
        hint: 'The service (or a proxy in front of it) pages wrongly: check `remote.endpoint`. Builds are not affected; `genimage push` and `pull` need a listing that ends.',
      },
    );
  }

  /** Leases are timed and taken over by their ETags: a service that gives none cannot share generations. */
  #noETag(what: string): GenImageError {
    return new GenImageError(
      RemoteNoETag,
      `${this.location} (${this.#endpoint() ?? 'AWS S3'}): ${what} came back without an ETag; the service must give every object one.`,
    );
  }

  /** A foreign error as ours, its text cleaned of the credentials and of control characters. */
  #wrap(what: string, error: unknown): GenImageError {
    const { name, status, code, message } = describe(error);
    const detail = this.#clean(`${[code ?? name, status && `HTTP ${status}`].filter(Boolean).join(', ')}: ${message}`);
    if (NO_CREDENTIALS.has(name)) {
      return new GenImageError(RemoteNoCredentials, `${this.location}: ${what} was not sent: no credentials were found (${detail}).`, {
        cause: error,
      });
    }
    if (DENIED.has(name) || status === 401 || status === 403) {
      return new GenImageError(RemoteAccessDenied, `${this.location}: ${what} was refused (${detail}).`, { cause: error });
    }
    const why = isTimeout(error) ? `no answer within ${formatDuration(this.timeoutMs)}` : detail;
    return new GenImageError(RemoteUnavailable, `${this.location} (${this.#endpoint() ?? 'AWS S3'}): ${what} failed: ${why}.`, {
      cause: error,
    });
  }

  #clean(text: string): string {
    const line = escapeControls(redactForeignText(text, [...this.#secrets]));
    return line.length > 300 ? `${line.slice(0, 300)}…` : line;
  }

  /**
   * Adds the credentials the client's chain resolved (environment, profile, SSO, role) to what is
   * hidden. The chain memoizes them, and renews expiring ones, so asking again after each failure
   * is cheap and learns a renewed session token.
   */
  async #learnCredentials(client: S3Client): Promise<void> {
    let identity: { accessKeyId?: string; secretAccessKey?: string; sessionToken?: string | undefined };
    try {
      identity = await client.config.credentials();
    } catch {
      return; // None resolved: none can have been sent.
    }
    const learnt = [identity.accessKeyId, identity.secretAccessKey, identity.sessionToken].filter(
      (value): value is string => !!value && !this.#secrets.has(value),
    );
    if (learnt.length === 0) return;
    for (const secret of learnt) this.#secrets.add(secret);
    this.#options.onCredentials?.(learnt);
  }

  #endpoint(): string | undefined {
    return this.#endpointUrl;
  }

  #ready(): Promise<{ sdk: Sdk; client: S3Client }> {
    this.#client ??= (async () => {
      let sdk: Sdk;
      try {
        sdk = await import('@aws-sdk/client-s3');
      } catch (error) {
        throw new GenImageError(
          RemoteSdkMissing,
          `The \`remote\` option names ${this.location}, but @aws-sdk/client-s3 cannot be loaded: ${messageOf(error)}`,
          { cause: error },
        );
      }
      const endpoint = this.#endpoint();
      // The SDK's own chain (environment, profiles, roles) reads process.env; an engine given
      // another environment (tests, a host that passes its own) has its AWS variables used instead.
      const env = this.#env;
      const fromEnv =
        env !== process.env && env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']
          ? {
              accessKeyId: env['AWS_ACCESS_KEY_ID'],
              secretAccessKey: env['AWS_SECRET_ACCESS_KEY'],
              ...(env['AWS_SESSION_TOKEN'] && { sessionToken: env['AWS_SESSION_TOKEN'] }),
            }
          : undefined;
      const client = new sdk.S3Client({
        ...(fromEnv && { credentials: fromEnv }),
        region: this.#options.region ?? this.#env['AWS_REGION'] ?? this.#env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
        ...(this.#options.endpoint !== undefined && { endpoint: this.#options.endpoint }),
        forcePathStyle: this.#options.forcePathStyle ?? endpoint !== undefined,
        // One retry, none after a silence: an outage should cost the build a few seconds once, not minutes.
        maxAttempts: 2,
        retryStrategy: oneRetryUnlessSilent,
        // Without throwOnRequestTimeout, the SDK only logs a warning and keeps waiting.
        requestHandler: { connectionTimeout: this.timeoutMs, requestTimeout: this.timeoutMs, throwOnRequestTimeout: true },
        // Checksums only where the API requires them: with the SDK's default, streamed uploads go
        // out aws-chunked with a trailing checksum, which some S3-compatible servers store as it
        // is, framing included. Integrity is ours anyway: every image is checked by its sha256.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      return { sdk, client };
    })();
    return this.#client;
  }

  #object(key: string, file: string): string {
    return `${this.prefix}${checkKey(key)}/${file}`;
  }

  #imageObject(key: string, image: CachedImageMeta): string {
    return this.#object(key, `${image.sha256}-${image.file}`);
  }
}

/**
 * The endpoint from the options, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, held to the
 * rule of every service URL: https, or http to this machine, with no user name or password.
 */
function checkedEndpoint(options: S3StoreOptions, env: Record<string, string | undefined>): string | undefined {
  const candidates: [string, string | undefined][] = [
    ['remote.endpoint', options.endpoint],
    ['AWS_ENDPOINT_URL_S3', env['AWS_ENDPOINT_URL_S3']],
    ['AWS_ENDPOINT_URL', env['AWS_ENDPOINT_URL']],
  ];
  const [source, value] = candidates.find(([, value]) => value) ?? [];
  if (!source || !value) return undefined;
  const problem = serviceUrlProblem(value);
  if (problem) throw new GenImageError(InvalidOptions, `${source}: ${problem}.`, { hint: `Use ${SECURE_URL_RULE}.` });
  return value;
}

function checkKey(key: string): string {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key))
    throw new TypeError(`Expected a cache key of 64 lowercase hex characters, got ${JSON.stringify(key)}`);
  return key;
}

function contentType(image: CachedImageMeta): string {
  return `image/${image.format}`;
}

function ownerOf(bytes: Uint8Array): string {
  try {
    const owner = (JSON.parse(new TextDecoder().decode(bytes)) as { owner?: unknown }).owner;
    return typeof owner === 'string' ? escapeControls(owner.slice(0, 100)) : 'unknown';
  } catch {
    return 'unknown';
  }
}

function describe(error: unknown): { name: string; status: number | undefined; code: string | undefined; message: string } {
  const record = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const status = record.$metadata?.httpStatusCode;
  return {
    name: typeof record.name === 'string' ? record.name : 'Error',
    status: typeof status === 'number' ? status : undefined,
    code: typeof record.code === 'string' ? record.code : undefined,
    message: typeof record.message === 'string' && record.message !== '' ? record.message : String(error),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
