/**
 * Finds the sources under a project root and the markers in them. The I/O half of the scanner:
 * parsing is `parseMarkers` in `markers.ts`.
 */
import { readFile as readFileCallback, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import fg from 'fast-glob';
import pLimit from 'p-limit';
import { sortByLocation, type Diagnostic } from '../diagnostics.ts';
import { parseAllMarkers } from './all-markers.ts';
import { IMAGE_FUNCTION } from './call-markers.ts';
import { FRONTMATTER_FILE } from './frontmatter-markers.ts';
import { GITIGNORE, gitignoreFilter } from './gitignore.ts';
import { MARKER_TAG, type Marker, type MarkerParseResult } from './markers.ts';

/**
 * Sources scanned when `include` is not given: every file of a kind a build compiles, wherever it
 * lies under the root (a component in `lib/`, a content collection loaded from `content/`), except
 * `ALWAYS_EXCLUDE`, the cache and what the site's `.gitignore` files exclude.
 */
export const DEFAULT_INCLUDE: readonly string[] = ['**/*.{astro,md,mdx,markdown,html,jsx,tsx,vue,svelte}'];

/**
 * Never scanned, whatever `include` says: dependencies, build output, git, `public/` (copied as it
 * is, never rendered, so a marker there would be paid for and shipped raw), the gallery and
 * (added) the cache.
 */
export const ALWAYS_EXCLUDE: readonly string[] = [
  '**/node_modules/**',
  'dist/**',
  '.astro/**',
  '.output/**',
  'build/**',
  '.git/**',
  'public/**',
  'genimage-gallery/**',
];

export const DEFAULT_CACHE_DIR = '.genimage';

export interface MarkerScanOptions {
  /** The project root; patterns and reported paths are relative to it. */
  root: string;
  /** Glob patterns (fast-glob syntax) of the sources to scan. @default DEFAULT_INCLUDE */
  include?: readonly string[];
  /** More patterns to skip, on top of `ALWAYS_EXCLUDE`. @default [] */
  exclude?: readonly string[];
  /** The cache folder, relative to the root or absolute; never scanned. @default ".genimage" */
  cacheDir?: string;
  /** Files read at once when the storage is slow (see `scan`). @default 32 */
  concurrency?: number;
  /**
   * The only HTML pages the build renders, absolute (a Vite site's entries, `viteHtmlPages`): any
   * other `.html` file is not scanned, and those holding markers are listed in `unbuiltPages`.
   * @default every HTML page is scanned
   */
  htmlPages?: readonly string[];
}

export interface MarkerScanResult {
  /** Files that matched the patterns. */
  files: number;
  /** Files with at least one marker. */
  filesWithMarkers: number;
  /** Sorted by file, then position. `file` is relative to the root, with forward slashes. */
  markers: Marker[];
  /** Syntax problems, sorted like the markers. */
  diagnostics: Diagnostic[];
  /** HTML pages with markers that the build does not render (not in `htmlPages`), relative, sorted. */
  unbuiltPages: string[];
}

const NEEDLE = Buffer.from(`<${MARKER_TAG}`);
const CALL_NEEDLE = Buffer.from(IMAGE_FUNCTION);
const DECLARATION_NEEDLE = Buffer.from('prompt');

/** Files read synchronously between two turns of the event loop. */
const BATCH = 100;
/** Average milliseconds per synchronous read above which the storage counts as slow. */
const SLOW_READ_MS = 1;

// The callback readFile, promisified: `fs.promises.readFile` costs about twice as much per small
// file (https://github.com/nodejs/node/issues/37583).
const readFile = promisify(readFileCallback);

/**
 * Scans the sources under `root` for `<GenImage>` markers.
 *
 * Reading is adaptive. On local storage a synchronous read of a small file is several times
 * cheaper than an asynchronous one (each of those is four thread-pool round trips; see
 * bench/scan.ts), so files are read synchronously in batches of 100, yielding to the event loop
 * between batches. When a batch shows slow storage (a network mount, a cold disk) the remaining
 * files are read in parallel, `concurrency` at a time, so that their latencies overlap.
 * @example const { markers, diagnostics } = await scan({ root: process.cwd() });
 */
export async function scan(options: MarkerScanOptions): Promise<MarkerScanResult> {
  const concurrency = options.concurrency ?? 32;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TypeError(`Expected \`concurrency\` to be an integer from 1 and up, got ${String(concurrency)}`);
  }
  const root = path.resolve(options.root);
  const ignore = [...ALWAYS_EXCLUDE, ...cacheDirPatterns(root, options.cacheDir ?? DEFAULT_CACHE_DIR), ...(options.exclude ?? [])];
  const { files, unbuilt } = await listSources(root, options, ignore);

  const markers: Marker[] = [];
  const diagnostics: Diagnostic[] = [];
  let filesWithMarkers = 0;
  const collect = (file: string, bytes: Buffer | undefined): void => {
    const result = bytes === undefined ? undefined : parseSource(file, bytes);
    if (result === undefined) return;
    if (result.markers.length > 0) filesWithMarkers++;
    markers.push(...result.markers);
    diagnostics.push(...result.diagnostics);
  };

  let next = 0;
  while (next < files.length) {
    const end = Math.min(next + BATCH, files.length);
    const count = end - next;
    let readMs = 0;
    for (; next < end; next++) {
      const file = files[next] as string;
      const start = performance.now();
      const bytes = readSource(() => readFileSync(path.join(root, file)));
      readMs += performance.now() - start;
      collect(file, bytes);
    }
    if (readMs / count > SLOW_READ_MS) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const limit = pLimit(concurrency);
  await Promise.all(
    files.slice(next).map((file) => limit(async () => collect(file, await readSourceAsync(() => readFile(path.join(root, file)))))),
  );

  sortByLocation(markers);
  sortByLocation(diagnostics);
  // Read only to be named: a page the build does not render is neither paid for nor checked.
  const holdsMarkers = (file: string) => {
    const bytes = readSource(() => readFileSync(path.join(root, file)));
    return bytes !== undefined && (parseSource(file, bytes)?.markers.length ?? 0) > 0;
  };
  return { files: files.length, filesWithMarkers, markers, diagnostics, unbuiltPages: unbuilt.filter(holdsMarkers).sort() };
}

/**
 * The sources to scan, in one walk: with the default include, the `.gitignore` files are listed
 * beside them and applied; an explicit `include` is taken as it is. HTML pages the build does not
 * render (`htmlPages`) come apart, as `unbuilt`.
 */
async function listSources(root: string, options: MarkerScanOptions, ignore: string[]): Promise<{ files: string[]; unbuilt: string[] }> {
  const byDefault = options.include === undefined;
  const patterns = [...(options.include ?? DEFAULT_INCLUDE), ...(byDefault ? [`**/${GITIGNORE}`] : [])];
  let listed = await fg(patterns, { cwd: root, ignore, onlyFiles: true, unique: true });
  if (byDefault) {
    const isGitignore = (file: string) => path.posix.basename(file) === GITIGNORE;
    const ignored = gitignoreFilter(root, listed.filter(isGitignore));
    listed = listed.filter((file) => !isGitignore(file) && !ignored(file));
  }
  if (options.htmlPages === undefined) return { files: listed, unbuilt: [] };
  const built = new Set(options.htmlPages.map((page) => path.resolve(page)));
  const isUnbuilt = (file: string) => file.endsWith('.html') && !built.has(path.join(root, file));
  return { files: listed.filter((file) => !isUnbuilt(file)), unbuilt: listed.filter(isUnbuilt) };
}

/**
 * Parses a file only when it contains the opening bytes of a marker, a call or (in Markdown) a
 * frontmatter declaration: most files are skipped undecoded.
 */
function parseSource(file: string, bytes: Buffer): MarkerParseResult | undefined {
  const declarations = FRONTMATTER_FILE.test(file) && bytes.indexOf(DECLARATION_NEEDLE) !== -1;
  if (bytes.indexOf(NEEDLE) === -1 && !declarations && bytes.indexOf(CALL_NEEDLE) === -1) return undefined;
  return parseAllMarkers(bytes.toString('utf8'), file);
}

function readSource(read: () => Buffer): Buffer | undefined {
  try {
    return read();
  } catch (error) {
    return vanished(error);
  }
}

async function readSourceAsync(read: () => Promise<Buffer>): Promise<Buffer | undefined> {
  try {
    return await read();
  } catch (error) {
    return vanished(error);
  }
}

/** Deleted (or replaced by a folder) between listing and reading, by an editor or a generator: skipped. */
function vanished(error: unknown): undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EISDIR') return undefined;
  throw error;
}

function cacheDirPatterns(root: string, cacheDir: string): string[] {
  const relative = path.relative(root, path.resolve(root, cacheDir)).split(path.sep).join('/');
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return [];
  return [`${fg.escapePath(relative)}/**`];
}
