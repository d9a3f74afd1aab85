import { realpath, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { request } from './http.ts';
import { GenImageError, InputTooLarge, InvalidParams, ReferenceNotFound, ReferenceOutsideRoot, messageOf } from '../errors.ts';
import { sha256Hex } from '../hash.ts';
import { inspectImage } from './image.ts';
import { isSecureUrl } from '../secure-url.ts';
import type { ResolvedReference } from '../params.ts';

export interface ReferenceContext {
  /** Absolute path of the source file that contains the marker: relative references resolve against its folder. */
  file: string;
  /** Absolute project root: no local reference may lie outside it, and a leading `/` starts here. */
  root: string;
  /** Time allowed to download one https reference, redirects included. @default 30000 */
  fetchTimeoutMs?: number;
  /** Largest reference accepted, local or downloaded, in bytes. @default 20971520 (20 MB) */
  maxBytes?: number;
  /**
   * Content hashes of URLs already downloaded once (kept in cache entries' metadata): such a URL
   * is not fetched again, so scanning, planning and checking a committed cache need no network,
   * even after a signed link has expired.
   */
  knownUrlHashes?: ReadonlyMap<string, string>;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_REFERENCE_BYTES = 20 * 1024 * 1024;
const MAX_REDIRECTS = 5;

/**
 * Reads each reference of a marker so that its content (not its name) enters the cache key.
 *
 * - An `https://` URL is downloaded once to hash it (unless `knownUrlHashes` has it); the API
 *   receives the URL itself.
 *   `http://` is refused, except to 127.0.0.1 / localhost.
 * - Anything else is a local file. A relative path resolves against the folder of
 *   `context.file`; a path starting with `/` is root-relative: it resolves against
 *   `context.root`, not the file system root (as a site's public path would). The file must lie
 *   inside the root after symlinks are followed; the API receives its bytes as a `data:` URL.
 *
 * Every reference must be a complete png, jpeg, webp, avif or gif image.
 * `source` is the URL, or the file's path relative to the root with forward slashes, so it is
 * the same on every machine.
 */
export async function resolveReferences(references: string[], context: ReferenceContext): Promise<ResolvedReference[]> {
  return Promise.all(references.map((reference) => resolveReference(reference, context)));
}

async function resolveReference(reference: string, context: ReferenceContext): Promise<ResolvedReference> {
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(reference)?.[1]?.toLowerCase();
  if (scheme === undefined) return resolveLocal(reference, context);
  const url = checkedUrl(reference, reference);
  const known = context.knownUrlHashes?.get(reference);
  if (known !== undefined) return { source: reference, sha256: known, apiValue: reference };
  const bytes = await download(url, reference, context);
  await checkImage(bytes, reference);
  return { source: reference, sha256: sha256Hex(bytes), apiValue: reference };
}

// --- local files ---

async function resolveLocal(reference: string, context: ReferenceContext): Promise<ResolvedReference> {
  const maxBytes = context.maxBytes ?? DEFAULT_MAX_REFERENCE_BYTES;
  const candidate = reference.startsWith('/') ? path.join(context.root, reference) : path.resolve(path.dirname(context.file), reference);
  let realRoot: string;
  try {
    realRoot = await realpath(context.root);
  } catch (error) {
    throw new GenImageError(ReferenceNotFound, `the project root ${context.root} does not exist`, { cause: error });
  }
  // Checked before touching the disk too, so nothing outside the root is even probed. Either
  // spelling of the root counts: the marker's file path may come with symlinks resolved or not.
  if (!isInside(path.resolve(context.root), candidate) && !isInside(realRoot, candidate)) {
    throw outsideRoot(reference, candidate);
  }

  let real: string;
  try {
    real = await realpath(candidate);
  } catch (error) {
    throw new GenImageError(ReferenceNotFound, `"${reference}" does not exist (looked for ${candidate})`, {
      cause: error,
    });
  }
  // A symlink inside the project may point anywhere: the real path decides.
  if (!isInside(realRoot, real)) throw outsideRoot(reference, real);

  const info = await stat(real);
  if (!info.isFile()) {
    throw new GenImageError(ReferenceNotFound, `"${reference}" is not a file (${candidate})`);
  }
  if (info.size > maxBytes) throw tooLarge(reference, info.size, maxBytes);
  const bytes = new Uint8Array(await readFile(real));
  const { format } = await checkImage(bytes, reference);
  return {
    source: path.relative(realRoot, real).split(path.sep).join('/'),
    sha256: sha256Hex(bytes),
    apiValue: `data:image/${format};base64,${Buffer.from(bytes).toString('base64')}`,
  };
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative);
}

function outsideRoot(reference: string, resolved: string): GenImageError {
  return new GenImageError(ReferenceOutsideRoot, `"${reference}" resolves to ${resolved}, outside the project root`);
}

// --- URLs ---

/** Parses `value` and refuses every scheme but https (and http to this machine). */
function checkedUrl(value: string, reference: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new GenImageError(InvalidParams, `reference "${reference}" is not a valid URL`, { cause: error });
  }
  if (!isSecureUrl(url)) {
    const what = value === reference ? `"${reference}"` : `"${reference}" redirects to ${value}, which`;
    throw new GenImageError(InvalidParams, `reference ${what} is not an https URL or a local file`, {
      hint: 'Use an https:// URL or a path to an image inside the project.',
    });
  }
  return url;
}

async function download(start: URL, reference: string, context: ReferenceContext): Promise<Uint8Array> {
  const timeoutMs = context.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const maxBytes = context.maxBytes ?? DEFAULT_MAX_REFERENCE_BYTES;
  const signal = AbortSignal.timeout(timeoutMs);
  const hint = 'Check that the URL is public and still valid: genimage downloads each reference to hash its content.';
  let url = start;
  try {
    // Redirects are followed by hand so each hop passes the same https-only check.
    for (let hop = 0; ; hop++) {
      const response = await request(url, { method: 'GET', signal });
      const { statusCode, headers, body } = response;
      if (statusCode >= 300 && statusCode < 400 && typeof headers.location === 'string') {
        await body.dump();
        if (hop === MAX_REDIRECTS) {
          throw new GenImageError(ReferenceNotFound, `"${reference}" redirected more than ${MAX_REDIRECTS} times`, { hint });
        }
        url = checkedUrl(new URL(headers.location, url).href, reference);
        continue;
      }
      if (statusCode !== 200) {
        await body.dump();
        throw new GenImageError(ReferenceNotFound, `"${reference}" answered HTTP ${statusCode}`, { hint });
      }
      const declared = Number(headers['content-length']);
      if (declared > maxBytes) {
        await body.dump();
        throw tooLarge(reference, declared, maxBytes);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of body) {
        total += (chunk as Buffer).byteLength;
        // Content-Length may be absent or wrong: count what actually arrives.
        if (total > maxBytes) {
          body.destroy();
          throw tooLarge(reference, total, maxBytes, 'at least ');
        }
        chunks.push(chunk as Buffer);
      }
      return new Uint8Array(Buffer.concat(chunks, total));
    }
  } catch (error) {
    if (error instanceof GenImageError) throw error;
    const why = signal.aborted ? `timed out after ${timeoutMs} ms` : `could not be downloaded: ${messageOf(error)}`;
    throw new GenImageError(ReferenceNotFound, `"${reference}" ${why}`, { hint, cause: error });
  }
}

// --- shared ---

/** Rethrows inspectImage's verdict as a problem of this reference, not of the image API. */
async function checkImage(bytes: Uint8Array, reference: string): ReturnType<typeof inspectImage> {
  try {
    return await inspectImage(bytes);
  } catch (error) {
    throw new GenImageError(InvalidParams, `reference "${reference}" is not a usable image: ${messageOf(error)}`, {
      hint: 'References must be complete png, jpeg, webp, avif or gif images.',
      cause: error,
    });
  }
}

function tooLarge(reference: string, size: number, maxBytes: number, qualifier = ''): GenImageError {
  return new GenImageError(InputTooLarge, `reference "${reference}" is ${qualifier}${size} bytes, above the limit of ${maxBytes} bytes`, {
    hint: 'Use a smaller reference image, or raise the reference size limit.',
  });
}
