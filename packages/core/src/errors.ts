/**
 * The error catalog. Every error genimage raises on purpose has a stable `code`, a `title`
 * (what happened), a message (why, with specifics) and a `hint` (what to do), following
 * Astro's error guidelines: no "Error:" prefix, first what happened, then what to do.
 */

/** Where in a source file something went wrong. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface ErrorDefinition {
  /** Stable identifier: tests, `--json` output and users' scripts may match on it. */
  readonly code: string;
  readonly title: string;
  readonly hint?: string;
}

function define<const T extends ErrorDefinition>(definition: T): T {
  return definition;
}

// --- The image API (one per row of the contract's error table, plus transport failures) ---
export const InvalidRequest = define({
  code: 'InvalidRequest',
  title: 'The image API rejected the request as invalid',
  hint: 'Check the prompt and parameters against the API reference; this request is not retried.',
});
export const ContentModeration = define({
  code: 'ContentModeration',
  title: "The image API's safety system blocked this prompt",
  hint: 'Rephrase the prompt. Blocked prompts are not retried.',
});
export const InputTooLarge = define({
  code: 'InputTooLarge',
  title: 'The request exceeds the model input limit',
  hint: 'Shorten the prompt or use fewer or smaller reference images.',
});
export const AuthFailed = define({
  code: 'AuthFailed',
  title: 'The image API refused the API key',
  hint: 'Set a valid key in SHARK_API_KEY (or the `apiKey` option). The run stopped; images already generated stay cached.',
});
export const MissingApiKey = define({
  code: 'MissingApiKey',
  title: 'No API key is set',
  hint: 'Export SHARK_API_KEY (keep it out of committed files), or use provider: "local" for offline placeholders.',
});
export const InsufficientCredits = define({
  code: 'InsufficientCredits',
  title: 'The image API account has run out of credits',
  hint: 'Top up the account, then run again. The run stopped; images already generated stay cached.',
});
export const RateLimited = define({
  code: 'RateLimited',
  title: 'The image API kept rate-limiting the requests',
  hint: 'Lower `concurrency` or raise `retries.maxAttempts`, then run again.',
});
export const ProviderFailed = define({
  code: 'ProviderFailed',
  title: 'The image API reported an upstream failure',
  hint: 'This is usually transient: run again later.',
});
export const ProviderTimeout = define({
  code: 'ProviderTimeout',
  title: 'The image generation timed out',
  hint: 'Run again, or raise the `timeout` option. A timed-out generation may still have been billed.',
});
export const NetworkFailed = define({
  code: 'NetworkFailed',
  title: 'Could not reach the image API',
  hint: 'Check the network and SHARK_BASE_URL, then run again.',
});
export const InvalidResponse = define({
  code: 'InvalidResponse',
  title: 'The image API sent a response genimage cannot use',
  hint: 'Run again; if it persists, the provider may have changed its API.',
});

// --- Cache ---
export const CacheCorrupt = define({
  code: 'CacheCorrupt',
  title: 'A cached image failed verification',
  hint: 'Generate it again (`genimage generate` replaces a corrupt entry); a corrupt entry is never served.',
});
export const CacheLockTimeout = define({
  code: 'CacheLockTimeout',
  title: 'Timed out waiting for another process to finish writing a cache entry',
  hint: 'Another build may be stuck; a lock left by a killed process is reclaimed automatically after a short time.',
});

export const CacheUnwritable = define({
  code: 'CacheUnwritable',
  title: 'The cache cannot be written: its disk is full, read-only or failing',
  hint: 'Free space on the disk that holds the cache folder (or make it writable), then run again. The run sent no more requests once this happened; the images generated but not stored are generated, and paid for, again.',
});

export const CacheDirLinked = define({
  code: 'CacheDirLinked',
  title: 'The cache folder is a symbolic link',
  hint: "genimage never reads or writes through a link in its cache: its writes, and prune's deletions, would land wherever it points. Replace the link with a real folder (a copy of what it points to, `cp -R`), then run again.",
});

// --- Reports ---
export const GalleryLinked = define({
  code: 'GalleryLinked',
  title: 'The gallery would be written through a symbolic link',
  hint: 'genimage never writes its gallery through a linked folder: the page would land wherever the link points. Replace the link with a real folder, or choose another place with `--out`.',
});

// --- The remote cache (a shared bucket) ---
export const RemoteUnavailable = define({
  code: 'RemoteUnavailable',
  title: 'The remote cache could not be reached',
  hint: 'Check the network, `remote.endpoint` and `remote.url`. Builds go on with the local cache meanwhile; `genimage push` uploads what they generated once the bucket is back.',
});
export const RemoteAccessDenied = define({
  code: 'RemoteAccessDenied',
  title: 'The remote cache refused the credentials',
  hint: 'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or give the machine a role) for an identity that may read and write the bucket: s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on the prefix.',
});
export const RemoteNoCredentials = define({
  code: 'RemoteNoCredentials',
  title: 'No credentials were found for the remote cache',
  hint: 'Nothing was sent to the bucket. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or give the machine a role) for an identity that may read the bucket (and write it, outside frozen CI builds).',
});
export const RemoteObjectChanged = define({
  code: 'RemoteObjectChanged',
  title: 'An object in the remote cache changed while it was being replaced',
  hint: 'Another machine replaced it at the same moment, and its copy stays (verified when it is read). The entry generated here is in the local cache; nothing else to do.',
});
export const RemoteNoETag = define({
  code: 'RemoteNoETag',
  title: 'The remote cache gives its objects no ETag',
  hint: 'genimage times the lease of a machine generating an image, and takes it over when that machine died, by the lease object\'s ETag; without one, the other machines would wait for it until they give up. This run goes on with the local cache (`genimage push` uploads what it generated). Use a service that gives every object an ETag, as AWS S3, Cloudflare R2 and MinIO do (see "Teams and CI" in the README).',
});
export const RemoteSdkMissing = define({
  code: 'RemoteSdkMissing',
  title: 'The remote cache needs @aws-sdk/client-s3',
  hint: 'Install it beside genimage (`npm install @aws-sdk/client-s3`, or `pnpm add @aws-sdk/client-s3`), or remove the `remote` option.',
});
export const RemoteNotConfigured = define({
  code: 'RemoteNotConfigured',
  title: 'No remote cache is configured',
  hint: 'Add `remote: { url: "s3://bucket/prefix" }` (and `endpoint` for a service other than AWS) to genimage.config.*; see "Teams and CI" in the README.',
});

// --- Inputs ---
export const InvalidOptions = define({
  code: 'InvalidOptions',
  title: 'Invalid genimage options',
  hint: 'Fix the options named above.',
});
export const InvalidParams = define({
  code: 'InvalidParams',
  title: 'Invalid generation parameters',
});
export const ReferenceNotFound = define({
  code: 'ReferenceNotFound',
  title: 'A reference image could not be read',
  hint: 'Relative paths resolve against the file that contains the marker.',
});
export const ReferenceOutsideRoot = define({
  code: 'ReferenceOutsideRoot',
  title: 'A reference image lies outside the project root',
  hint: 'Move the image into the project; references may not leave the project root.',
});

// --- Markers (the scanner) ---
export const MarkerSyntax = define({
  code: 'MarkerSyntax',
  title: 'A <GenImage> marker could not be parsed',
});
export const DynamicAttribute = define({
  code: 'DynamicAttribute',
  title: 'A <GenImage> attribute needs a literal value',
  hint: 'genimage reads markers at build time, before any code runs: write the value literally, e.g. prompt="a red fox" or seed={42}.',
});
export const UnsupportedMarkerFile = define({
  code: 'UnsupportedMarkerFile',
  title: 'Markers in this kind of file are not supported yet',
  hint: 'Move the image into an .astro, .md, .mdx, .html, .jsx or .tsx file; nothing is generated for this one.',
});

export const UnknownAttribute = define({
  code: 'UnknownAttribute',
  title: 'A <GenImage> attribute is not one genimage knows',
});
export const MissingImport = define({
  code: 'MissingImport',
  title: 'A <GenImage> is used without importing the component',
});

export const InvalidAttribute = define({
  code: 'InvalidAttribute',
  title: 'A <GenImage> attribute has an invalid value',
});

// --- Rendering ---
export const RenderFailed = define({
  code: 'RenderFailed',
  title: 'An image could not be rendered',
  hint: 'Run `genimage check`: it decodes every cached image as the build does and says which entry to replace.',
});

export const UnscannedMarker = define({
  code: 'UnscannedMarker',
  title: 'A build renders a <GenImage> its scan did not list',
});

// --- Runs ---
export const FrozenMissing = define({
  code: 'FrozenMissing',
  title: 'Images are missing from the cache and generation is frozen',
  hint: 'Run `genimage generate` locally and commit the cache folder, or set GENIMAGE_FROZEN=0 to allow generation here on purpose.',
});
export const BudgetExceeded = define({
  code: 'BudgetExceeded',
  title: 'The generation budget would be exceeded',
  hint: 'Raise `budget.maxImages` / `budget.maxCredits`, or generate fewer images.',
});
export const RunStopped = define({
  code: 'RunStopped',
  title: 'Not attempted: the run stopped early',
  hint: 'Fix the error that stopped the run, then run again; nothing already generated is lost.',
});
export const Aborted = define({
  code: 'Aborted',
  title: 'The generation was cancelled',
});

// --- The review loop ---
export const ReviewInvalid = define({
  code: 'ReviewInvalid',
  title: 'The review request is invalid',
});
export const ReviewRefused = define({
  code: 'ReviewRefused',
  title: 'The review action was refused',
});
export const DeclarationChanged = define({
  code: 'DeclarationChanged',
  title: 'The declaration changed since it was listed',
  hint: 'Reload the list of images (the page does after a save) and try again. Nothing was written.',
});

export interface GenImageErrorOptions {
  hint?: string;
  location?: SourceLocation;
  cause?: unknown;
}

/** An error genimage raised on purpose. Foreign errors are wrapped once, at the boundary. */
export class GenImageError extends Error {
  override name = 'GenImageError';
  readonly code: string;
  readonly title: string;
  readonly hint: string | undefined;
  readonly location: SourceLocation | undefined;

  constructor(definition: ErrorDefinition, message: string, options: GenImageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = definition.code;
    this.title = definition.title;
    this.hint = options.hint ?? definition.hint;
    this.location = options.location;
  }
}

export function isGenImageError(value: unknown, definition?: ErrorDefinition): value is GenImageError {
  return value instanceof GenImageError && (definition === undefined || value.code === definition.code);
}

export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** The message of any thrown value (an `Error`'s message, anything else as text); no location, no stack. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Human-readable text for any thrown value: location, title, message, hint. Never a stack. */
export function formatError(error: unknown): string {
  if (!(error instanceof GenImageError)) return messageOf(error);
  const where = error.location ? `${formatLocation(error.location)}: ` : '';
  const lines = [`${where}${error.title}: ${error.message}`];
  if (error.hint) lines.push(`  hint: ${error.hint}`);
  return lines.join('\n');
}

export interface ApiErrorOptions extends GenImageErrorOptions {
  status?: number;
  apiType?: string;
}

/** A failure talking to an image API, with what is known about the HTTP exchange. */
export class ApiError extends GenImageError {
  override name = 'ApiError';
  readonly status: number | undefined;
  /** The provider's `error.type`, when the body had one. */
  readonly apiType: string | undefined;
  /** Attempts made before giving up, retries included. */
  attempts = 1;
  /** Attempts that failed after the provider may already have billed them. */
  possiblyBilledAttempts = 0;

  constructor(definition: ErrorDefinition, message: string, options: ApiErrorOptions = {}) {
    super(definition, message, options);
    this.status = options.status;
    this.apiType = options.apiType;
  }
}

/** Errors after which no further request may be sent in this run: every one would fail the same way (or, with the cache unwritable, be paid for and lost). */
export function stopsTheRun(error: unknown): boolean {
  return (
    isGenImageError(error) &&
    ([AuthFailed.code, MissingApiKey.code, InsufficientCredits.code, CacheUnwritable.code] as string[]).includes(error.code)
  );
}
