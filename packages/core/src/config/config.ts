import { z } from 'zod';
import { GenImageError, InvalidOptions } from '../errors.ts';
import { ATTRIBUTES, type RenderFormat } from '../attributes.ts';
import { generationParamsSchema } from '../params.ts';
import { SECURE_URL_RULE, serviceUrlProblem } from '../secure-url.ts';

const positiveInt = z.number().int('must be an integer').min(1, 'must be 1 or more');
const nonNegativeInt = z.number().int('must be an integer').min(0, 'must be 0 or more');

/**
 * The longest duration an option may give: a day. Node's timers hold at most 2^31 - 1 ms (about
 * 24.8 days) and fire after 1 ms past it, so an unbounded timeout would abort every request
 * right after sending it (billed), and a lease would be renewed in a loop.
 */
export const MAX_DURATION_MS = 86_400_000;

/** A duration in milliseconds, from `min` to a day; the message says the range (the path names the option). */
function durationMs(min: number) {
  const range = `must be an integer from ${min} to ${MAX_DURATION_MS} ms (a day)`;
  return z.number().int(range).min(min, range).max(MAX_DURATION_MS, range);
}

/**
 * Why an `s3://bucket/prefix` URL's prefix is refused: an empty, `.` or `..` segment is sent as it
 * is and may be read by the service, or a proxy before it, as another folder of the bucket.
 */
function s3PrefixProblem(url: string): string | undefined {
  const prefix = url.replace(/^s3:\/\/[^/]*\/?/, '').replace(/\/$/, '');
  if (prefix === '') return undefined;
  const bad = prefix.split('/').find((segment) => segment === '' || segment === '.' || segment === '..');
  return bad === undefined
    ? undefined
    : `its prefix may not have ${bad === '' ? 'an empty segment ("//")' : `a "${bad}" segment`}, got ${JSON.stringify(url)}`;
}

/** The generation parameters' own schemas (the attribute table's), without their defaults: a config sets them or leaves them. */
const param = generationParamsSchema.shape;

/** Generation parameters a config may set for every marker (a marker's own attributes win). */
const generationDefaultsSchema = z.strictObject({
  model: param.model.unwrap().optional(),
  seed: param.seed.unwrap().optional(),
  n: param.n.unwrap().optional(),
  imageSize: param.imageSize.unwrap().optional(),
  aspectRatio: param.aspectRatio.unwrap().optional(),
});

/** A named bundle chosen with `preset="..."`: parameters, plus a suffix appended to the prompt. */
export const presetSchema = generationDefaultsSchema.extend({
  /** Appended to the marker's prompt with ", ", e.g. "watercolor, soft light". */
  prompt: param.prompt.optional(),
  reference: param.reference.unwrap().optional(),
});
export type Preset = z.output<typeof presetSchema>;

/** Formats an `<img>` fallback may have: the ones every browser shows, so not AVIF. */
const FALLBACK_FORMATS = ['jpeg', 'webp', 'png'] as const satisfies readonly RenderFormat[];

/**
 * astro:assets' `LIMITED_RESOLUTIONS` (assets/layout.js), the breakpoints it uses with a local
 * image service such as sharp: common phone, tablet and desktop screen widths.
 */
export const LAYOUT_BREAKPOINTS = [640, 750, 828, 1080, 1280, 1668, 2048, 2560] as const;

/**
 * How the optimized, responsive variants of each image are made. `widths`, `formats` and
 * `quality` are the defaults of the marker attributes of those names, so they take the same values.
 */
export const renderOptionsSchema = z.strictObject({
  /** Widths of the responsive variants, in pixels; widths above the original's are dropped. @default [480, 960, 1440] */
  widths: ATTRIBUTES.widths.schema.default([480, 960, 1440]),
  /** Modern formats offered in `<source>` elements, best first. @default ["avif", "webp"] */
  formats: ATTRIBUTES.formats.schema.default(['avif', 'webp']),
  /** Format of the `<img>` fallback: compact, never the PNG original. @default "jpeg" */
  fallbackFormat: z.enum(FALLBACK_FORMATS).default('jpeg'),
  /** Encoder quality, 1-100. @default 70 */
  quality: ATTRIBUTES.quality.schema.default(70),
  /**
   * AVIF encoder effort, 0 (fastest) to 9 (smallest). AVIF dominates encode time: the default
   * trades a few percent of size for a several-fold faster build. @default 2
   */
  avifEffort: z.number().int().min(0).max(9).default(2),
  /** The markers' default `layout`; `none` keeps each marker's own widths and sizes. @default "none" */
  layout: ATTRIBUTES.layout.schema.default('none'),
  /** The markers' default `fit` when `width` and `height` change the aspect ratio. @default "cover" */
  fit: ATTRIBUTES.fit.schema.default('cover'),
  /** The markers' default `position` (crop focus and `object-position`). @default "center" */
  position: ATTRIBUTES.position.schema.default('center'),
  /**
   * Screen widths the `constrained` and `full-width` layouts make variants at (below the image's
   * own limit). @default astro:assets' list for local services: [640, 750, 828, 1080, 1280, 1668, 2048, 2560]
   */
  breakpoints: ATTRIBUTES.widths.schema.default([...LAYOUT_BREAKPOINTS]),
});

/** Names of credentials that a config file may not carry: the AWS SDK reads them from the environment, a profile or a role. */
const REMOTE_CREDENTIAL_KEYS = new Set([
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  'credentials',
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
]);

/**
 * `remote.leaseMs` is at least this many `remote.timeoutMs`. A holder renews its lease a third of
 * `leaseMs` after its previous renewal ended, and a renewal may take two attempts of `timeoutMs`
 * (the SDK's one retry): leaseMs / 3 + 2 × timeoutMs must stay below leaseMs, which needs more
 * than 3 × timeoutMs; 4 leaves two thirds of a timeout for the answer's way back and the retry's
 * backoff.
 */
export const LEASE_TIMEOUTS = 4;

/**
 * A shared cache in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, Garage, ...): read
 * through on a local miss, written through after a generation, one generation per key across
 * machines. Credentials come only from the standard AWS environment variables, profiles and roles.
 */
export const remoteOptionsSchema = z
  .strictObject({
    /** `s3://bucket` or `s3://bucket/prefix`: where the entries live. */
    url: z
      .string()
      .regex(
        /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/,
        'must be s3://bucket or s3://bucket/prefix (a bucket name of 3-63 lowercase letters, digits, "." and "-")',
      )
      .refine((url) => s3PrefixProblem(url) === undefined, { error: (issue) => s3PrefixProblem(issue.input as string) }),
    /** The S3 endpoint of a service other than AWS, e.g. `https://<account>.r2.cloudflarestorage.com` or `http://127.0.0.1:9000`. @default AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS S3 */
    endpoint: z
      .string()
      .refine((value) => serviceUrlProblem(value) === undefined, {
        error: (issue) => `${serviceUrlProblem(issue.input as string)}; use ${SECURE_URL_RULE}`,
      })
      .optional(),
    /** @default AWS_REGION, the profile's region, or "us-east-1" */
    region: z.string().trim().min(1).optional(),
    /** Bucket in the path (`endpoint/bucket/key`), as MinIO and most self-hosted servers need. @default true with an endpoint, false without */
    forcePathStyle: z.boolean().optional(),
    /**
     * How long a machine's claim on a key (a lease object) lasts without being renewed: a machine
     * that died is taken over after this long. Holders renew every third of it. At least
     * `LEASE_TIMEOUTS` × `timeoutMs` (see there). @default 60000
     */
    leaseMs: durationMs(1000).default(60_000),
    /** Per request to the bucket, in milliseconds: past it the remote counts as unreachable and the build goes on locally. @default 10000 */
    timeoutMs: durationMs(1).default(10_000),
  })
  .superRefine((remote, context) => {
    if (remote.leaseMs >= LEASE_TIMEOUTS * remote.timeoutMs) return;
    context.addIssue({
      code: 'custom',
      path: ['leaseMs'],
      message: `must be at least ${LEASE_TIMEOUTS} × remote.timeoutMs (${LEASE_TIMEOUTS * remote.timeoutMs} with timeoutMs ${remote.timeoutMs}), got ${remote.leaseMs}: a renewal starts a third of leaseMs after the previous one and may take two attempts of timeoutMs each, so a shorter lease runs out while a slow renewal is still on its way and another machine takes it over (both pay for the image); raise remote.leaseMs or lower remote.timeoutMs`,
    });
  });

export type RemoteOptions = z.output<typeof remoteOptionsSchema>;

/**
 * Everything genimage can be told, in `genimage.config.{ts,mjs,js,json}` or inline in the Vite
 * and Astro adapters. The single source of truth: the TypeScript types derive from it and
 * unknown keys are rejected.
 */
export const configSchema = z.strictObject({
  /** Where originals are cached, relative to the project root. Commit it. @default ".genimage" */
  cacheDir: z.string().trim().min(1).default('.genimage'),
  /**
   * Allows a `cacheDir` outside the project root (links followed), e.g. a cache shared by
   * several checkouts. Off, such a folder is refused: it is not committed with the project, and
   * `generate` and `prune` would write and delete there. The root itself, or a folder that
   * contains it, is refused either way. @default false
   */
  cacheDirOutsideRoot: z.boolean().default(false),
  /** Glob patterns of the sources to scan, relative to the root. */
  include: z.array(z.string().min(1)).optional(),
  /** Extra glob patterns to skip (node_modules, build output, .git and the cache always are). @default [] */
  exclude: z.array(z.string().min(1)).default([]),
  /**
   * `shark` calls the API; `local` renders offline placeholders; `auto` uses `shark` when an API
   * key is set and `local` otherwise (outside CI). @default "auto"
   */
  provider: z.enum(['auto', 'shark', 'local']).default('auto'),
  /** Prefer the SHARK_API_KEY environment variable: a key in a committed file is a leaked key. */
  apiKey: z.string().min(1).optional(),
  /** @default SHARK_BASE_URL or "https://shark.ai/api/v1" */
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** @default "b64_json" */
  responseFormat: z.enum(['b64_json', 'url']).default('b64_json'),
  /** The model for markers that name none; `defaults.model` says the same. @default "google/gemini-3.1-flash-image-preview" */
  model: z.string().trim().min(1).optional(),
  /** Generation parameters for markers that do not set them. @default {} */
  defaults: generationDefaultsSchema.default({}),
  /** Named parameter bundles, chosen with `preset="name"`. @default {} */
  presets: z.record(z.string().regex(/^[\w-]+$/, 'names may use letters, digits, "_" and "-"'), presetSchema).default({}),
  /** Generations at once. @default 4 */
  concurrency: positiveInt.max(64, 'must be 64 or less').default(4),
  retries: z
    .strictObject({
      maxAttempts: positiveInt.optional(),
      maxBilledRetries: nonNegativeInt.optional(),
      baseDelayMs: durationMs(0).optional(),
      maxDelayMs: durationMs(0).optional(),
      maxRetryAfterMs: durationMs(0).optional(),
      maxRateLimitedMs: durationMs(0).optional(),
    })
    .default({}),
  /** Per request, in milliseconds. Generations are slow. @default 300000 */
  timeout: durationMs(1).default(300_000),
  /** Dev servers only. @default {} */
  dev: z
    .strictObject({
      /**
       * How long a new or edited declaration must stay unchanged before it is sent: an editor that
       * saves while a prompt is typed pays for the prompt the author settles on, not each one on
       * the way. `0` sends at once. @default 1500
       */
      settleMs: durationMs(0).default(1500),
      /**
       * After a failure that may pass and cost nothing (a 429, a 502, a refused connection), how
       * long before the next request for its page sends it again. @default 30000
       */
      retryAfterMs: durationMs(0).default(30_000),
    })
    .default({ settleMs: 1500, retryAfterMs: 30_000 }),
  /** Caps on one run; the run stops before exceeding them. @default {} */
  budget: z.strictObject({ maxImages: nonNegativeInt.optional(), maxCredits: z.number().min(0).optional() }).default({}),
  /**
   * Never call the API: a missing image is an error. Always on when CI is set (only
   * GENIMAGE_FROZEN=0 lifts it there); `true` freezes local runs too. @default false
   */
  frozen: z.boolean().optional(),
  /** What `genimage plan` assumes one image costs, until the provider has said. @default 10 */
  estimatedCreditsPerImage: z.number().min(0).default(10),
  /** A shared cache in an S3-compatible bucket, see `remoteOptionsSchema`. @default none */
  remote: remoteOptionsSchema.optional(),
  render: renderOptionsSchema.default({
    widths: [480, 960, 1440],
    formats: ['avif', 'webp'],
    fallbackFormat: 'jpeg',
    quality: 70,
    avifEffort: 2,
    layout: 'none',
    fit: 'cover',
    position: 'center',
    breakpoints: [...LAYOUT_BREAKPOINTS],
  }),
});

export type GenImageConfig = z.input<typeof configSchema>;
export type ResolvedConfig = z.output<typeof configSchema>;
export type RenderOptions = z.output<typeof renderOptionsSchema>;

/** Turns zod issues into `option.path: message` lines. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.flatMap((issue) => {
    const at = (extra: string[] = []) => [prefix, ...issue.path.map(String), ...extra].filter(Boolean).join('.') || '(options)';
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) =>
        issue.path[issue.path.length - 1] === 'remote' && REMOTE_CREDENTIAL_KEYS.has(key)
          ? `${at([key])}: credentials are never read from genimage's options (a key in a committed file is a leaked key); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, or use AWS_PROFILE or the machine's role`
          : `${at([key])}: unknown option`,
      );
    }
    if (issue.code === 'invalid_value') return [`${at()}: must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`];
    return [`${at()}: ${issue.message}`];
  });
}

/**
 * Validates options once, at the entry point. `source` names where they came from for the message
 * (a config file path or "the Astro integration options").
 */
export function resolveConfig(input: unknown, source = 'genimage options'): ResolvedConfig {
  const parsed = configSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw new GenImageError(
    InvalidOptions,
    `${source}:\n${describeIssues(parsed.error.issues)
      .map((line) => `  ${line}`)
      .join('\n')}`,
  );
}

/** Layered options: later layers override earlier ones, objects merged one level deep. */
export function mergeConfig(...layers: (GenImageConfig | undefined)[]): GenImageConfig {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [name, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const previous = merged[name];
      const bothObjects = isPlainObject(previous) && isPlainObject(value);
      merged[name] = bothObjects ? { ...previous, ...value } : value;
    }
  }
  return merged as GenImageConfig;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The environment variables genimage reads. */
export interface GenImageEnv {
  SHARK_API_KEY?: string | undefined;
  SHARK_BASE_URL?: string | undefined;
  GENIMAGE_FROZEN?: string | undefined;
  /** `inline` encodes variants in the build's own process (see `resolveEncoder`). */
  GENIMAGE_ENCODER?: string | undefined;
  CI?: string | undefined;
  /** Read by the AWS SDK for the remote cache; named here so that they are never printed. */
  AWS_ACCESS_KEY_ID?: string | undefined;
  AWS_SECRET_ACCESS_KEY?: string | undefined;
  AWS_SESSION_TOKEN?: string | undefined;
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** Whether `CI` says this is a CI machine (any value but empty, "0" or "false"). */
export function isCI(env: GenImageEnv): boolean {
  return truthy(env.CI);
}

/**
 * Where a build encodes its variants: `process` (the default), a child process whose native
 * memory the build does not keep; `inline`, the build's own process, where a child process
 * cannot be started (more memory: BENCHMARKS.md, section 6). From GENIMAGE_ENCODER.
 */
export function resolveEncoder(env: GenImageEnv): 'process' | 'inline' {
  const value = env.GENIMAGE_ENCODER;
  if (value === undefined || value === '' || value === 'process') return 'process';
  if (value === 'inline') return 'inline';
  throw new GenImageError(InvalidOptions, `GENIMAGE_ENCODER must be "process" or "inline", got ${JSON.stringify(value)}.`, {
    hint: "Unset it to encode in a child process (the default), or set GENIMAGE_ENCODER=inline to encode in the build's own process.",
  });
}

/**
 * Frozen mode: the `--frozen` flag wins, then GENIMAGE_FROZEN (1 freezes, 0 allows generation in
 * CI on purpose), then CI, then the `frozen` option. A config file cannot unfreeze CI: that takes
 * an explicit GENIMAGE_FROZEN=0 in the CI job, so no committed file can spend credits there.
 */
export function resolveFrozen(options: { flag?: boolean; config?: boolean | undefined; env: GenImageEnv }): boolean {
  if (options.flag) return true;
  const fromEnv = options.env.GENIMAGE_FROZEN;
  if (fromEnv !== undefined && fromEnv !== '') return truthy(fromEnv);
  if (isCI(options.env)) return true;
  return options.config ?? false;
}
