/**
 * Finds `<GenImage ... />` markers in a source file and reads their attributes. Pure: no I/O,
 * never throws; every problem becomes a located `Diagnostic` and parsing goes on with the next
 * marker. `scan.ts` feeds it files, `marker-params.ts` turns a marker into a generation request.
 *
 * What hides a marker (the comment rule), by kind of file:
 * - Script files (.js .jsx .ts .tsx .mjs .cjs .mts .cts), the frontmatter of .astro files and
 *   every `<script>`/`<style>` block: `//` line comments (except `://` and `\//`, so URLs and
 *   regular expressions do not start one), `/* *\/` block comments, and '...', "..." and `...`
 *   strings. A quote right after a letter or digit is an apostrophe (`Don't`), not a string.
 * - Markup (.astro templates, .html, .vue and .svelte templates, .md, .mdx): `<!-- -->`,
 *   `{/* *\/}`, and `//` or `/*` only when they are the first thing on their line. A `//` in the
 *   middle of prose (`see https://example.com`) is text, as the browser renders it. Attribute
 *   values of other tags (`<Code code={`<GenImage />`} />`, `title="<GenImage>"`) are skipped.
 * - Markdown (.md, .mdx), in addition: YAML frontmatter, fenced code blocks and inline code spans,
 *   so documentation that shows a marker does not generate one.
 */
import {
  DynamicAttribute,
  GenImageError,
  InvalidAttribute,
  MarkerSyntax,
  type ErrorDefinition,
  type SourceLocation,
} from './errors.ts';

/** A literal value as written: `"a"`, `{42}`, `{true}`, a bare attribute, `{["a.png", "b.png"]}`. */
export type LiteralScalar = string | number | boolean;
export type LiteralValue = LiteralScalar | LiteralScalar[];

/** A value only known when the page renders, e.g. `{title}`; `expression` is its source text. */
export interface DynamicValue {
  kind: 'dynamic';
  expression: string;
}

export interface MarkerAttribute {
  /** As written; a spread (`{...props}`, Vue `v-bind="obj"`) is named `...`. */
  name: string;
  value: LiteralValue | DynamicValue;
  /** Where the attribute's name starts. */
  location: SourceLocation;
}

/** One `<GenImage>` in a source file. */
export interface Marker {
  file: string;
  /** Where its `<` is. */
  location: SourceLocation;
  attributes: MarkerAttribute[];
}

/** A located problem with a marker. Errors stop the marker; warnings do not. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  /** The catalog code (`errors.ts`), e.g. `MarkerSyntax`. */
  code: string;
  message: string;
  location: SourceLocation;
  /** The attribute concerned, when there is one. */
  attribute?: string;
  /** What to do about it, when the catalog or the situation says. */
  hint?: string;
}

export interface MarkerParseResult {
  markers: Marker[];
  diagnostics: Diagnostic[];
}

export const MARKER_TAG = 'GenImage';
const OPEN = `<${MARKER_TAG}`;
/** A marker start: `<GenImage` followed by whitespace, `/` or `>` (not `<GenImageFoo`, `<GenImage.Foo`). */
const MARKER_START = /<GenImage[\s/>]/g;
const CLOSING_TAG = /<\/GenImage\s*>/g;

export function isDynamic(value: LiteralValue | DynamicValue): value is DynamicValue {
  return typeof value === 'object' && !Array.isArray(value);
}

/** Builds a diagnostic from a catalog entry. */
export function createDiagnostic(
  definition: ErrorDefinition,
  severity: Diagnostic['severity'],
  message: string,
  location: SourceLocation,
  extra: { attribute?: string; hint?: string } = {},
): Diagnostic {
  const diagnostic: Diagnostic = { severity, code: definition.code, message, location };
  if (extra.attribute !== undefined) diagnostic.attribute = extra.attribute;
  const hint = extra.hint ?? definition.hint;
  if (hint !== undefined) diagnostic.hint = hint;
  return diagnostic;
}

const DIAGNOSTIC_DEFINITIONS: readonly ErrorDefinition[] = [MarkerSyntax, DynamicAttribute, InvalidAttribute];

/** The diagnostic as a `GenImageError`, for adapters that report or throw through `formatError`. */
export function diagnosticToError(diagnostic: Diagnostic): GenImageError {
  const definition = DIAGNOSTIC_DEFINITIONS.find((entry) => entry.code === diagnostic.code) ?? MarkerSyntax;
  const options = { location: diagnostic.location, ...(diagnostic.hint === undefined ? {} : { hint: diagnostic.hint }) };
  return new GenImageError(definition, diagnostic.message, options);
}

/**
 * Finds the markers of one source file. `file` names the file in locations and chooses the
 * comment rules by its extension (see the top of this module).
 * @example parseMarkers('<GenImage prompt="a red fox" seed={42} />', 'src/pages/index.astro')
 */
export function parseMarkers(source: string, file: string): MarkerParseResult {
  const ctx: Ctx = { src: source, file, markers: [], diagnostics: [], lineStarts: undefined };
  // Most files have no marker: one substring search instead of a walk.
  if (!source.includes(OPEN)) return { markers: ctx.markers, diagnostics: ctx.diagnostics };
  const dialect = dialectOf(file);
  if (dialect === 'script') {
    scanScript(ctx, 0, source.length);
  } else {
    const body = skipFrontmatter(ctx, dialect);
    scanMarkup(ctx, body, source.length, dialect === 'markdown');
  }
  return { markers: ctx.markers, diagnostics: ctx.diagnostics };
}

// --- Internals ---

interface Ctx {
  src: string;
  file: string;
  markers: Marker[];
  diagnostics: Diagnostic[];
  /** Offsets where lines start, computed on the first location asked for. */
  lineStarts: number[] | undefined;
}

type Dialect = 'script' | 'markup' | 'markdown';

const SCRIPT_EXTENSIONS = new Set(['js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx']);
const MARKDOWN_EXTENSIONS = new Set(['md', 'mdx', 'markdown']);

function dialectOf(file: string): Dialect {
  const dot = file.lastIndexOf('.');
  const extension = dot > file.lastIndexOf('/') ? file.slice(dot + 1).toLowerCase() : '';
  if (SCRIPT_EXTENSIONS.has(extension)) return 'script';
  if (MARKDOWN_EXTENSIONS.has(extension)) return 'markdown';
  return 'markup';
}

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const DQUOTE = 34;
const DOLLAR = 36;
const APOS = 39;
const STAR = 42;
const COMMA = 44;
const DOT = 46;
const SLASH = 47;
const COLON = 58;
const LT = 60;
const EQ = 61;
const GT = 62;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const BACKTICK = 96;
const LBRACE = 123;
const RBRACE = 125;
const TILDE = 126;

function isWhitespace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB || c === CR || c === 12 || c === 0xa0 || c === 0xfeff;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isIdentifierChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === 95 || c === DOLLAR || c > 127;
}

/** HTML attribute-name characters: anything but whitespace and `"'<>/={}` and backtick. */
function isNameChar(c: number): boolean {
  return (
    c > SPACE &&
    !isWhitespace(c) &&
    c !== DQUOTE &&
    c !== APOS &&
    c !== LT &&
    c !== GT &&
    c !== SLASH &&
    c !== EQ &&
    c !== LBRACE &&
    c !== RBRACE &&
    c !== BACKTICK
  );
}

function isMarkerStart(src: string, i: number): boolean {
  if (!src.startsWith(OPEN, i)) return false;
  const next = src.charCodeAt(i + OPEN.length);
  // At the very end of the file it is a marker that is never closed.
  return Number.isNaN(next) || isWhitespace(next) || next === SLASH || next === GT;
}

function nextMarkerStart(src: string, from: number): number {
  MARKER_START.lastIndex = from;
  return MARKER_START.exec(src)?.index ?? -1;
}

function locate(ctx: Ctx, offset: number): SourceLocation {
  let starts = ctx.lineStarts;
  if (starts === undefined) {
    starts = [0];
    for (let i = ctx.src.indexOf('\n'); i !== -1; i = ctx.src.indexOf('\n', i + 1)) starts.push(i + 1);
    ctx.lineStarts = starts;
  }
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return { file: ctx.file, line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
}

function where(ctx: Ctx, offset: number): string {
  const { line, column } = locate(ctx, offset);
  return `${line}:${column}`;
}

function syntaxError(ctx: Ctx, offset: number, message: string, attribute?: string, hint?: string): void {
  const extra: { attribute?: string; hint?: string } = {};
  if (attribute !== undefined) extra.attribute = attribute;
  if (hint !== undefined) extra.hint = hint;
  ctx.diagnostics.push(createDiagnostic(MarkerSyntax, 'error', message, locate(ctx, offset), extra));
}

function syntaxWarning(ctx: Ctx, offset: number, message: string, hint?: string): void {
  const extra = hint === undefined ? {} : { hint };
  ctx.diagnostics.push(createDiagnostic(MarkerSyntax, 'warning', message, locate(ctx, offset), extra));
}

/** Warns when a comment or code block that never closes swallows a marker. */
function warnIfHidesMarker(ctx: Ctx, at: number, from: number, to: number, what: string): void {
  const hidden = nextMarkerStart(ctx.src, from);
  if (hidden === -1 || hidden >= to) return;
  syntaxWarning(
    ctx,
    at,
    `${what} is never closed, so it hides the <GenImage> marker at ${where(ctx, hidden)} and everything after it.`,
    'Close it if the marker is meant to be generated.',
  );
}

function atLineStart(src: string, i: number, regionStart: number): boolean {
  let k = i - 1;
  while (k >= regionStart && (src.charCodeAt(k) === SPACE || src.charCodeAt(k) === TAB)) k--;
  return k < regionStart || src.charCodeAt(k) === LF || src.charCodeAt(k) === CR;
}

/** Skips `---` frontmatter at the start of the file: JavaScript in .astro, YAML in Markdown. */
function skipFrontmatter(ctx: Ctx, dialect: Dialect): number {
  const match = /^\uFEFF?\s*---[ \t]*\r?\n/.exec(ctx.src);
  if (match === null) return 0;
  const astro = ctx.file.toLowerCase().endsWith('.astro');
  if (!astro && dialect !== 'markdown') return 0;
  const fence = /^---[ \t]*$/gm;
  fence.lastIndex = match[0].length;
  const close = fence.exec(ctx.src);
  if (close === null) return 0;
  if (astro) scanScript(ctx, match[0].length, close.index);
  return close.index + close[0].length;
}

// --- Regions ---

function scanMarkup(ctx: Ctx, from: number, to: number, markdown: boolean): void {
  const { src } = ctx;
  let i = from;
  while (i < to) {
    const c = src.charCodeAt(i);
    if (c === LT) i = atAngleInMarkup(ctx, i, to);
    else if (c === LBRACE) i = atBraceInMarkup(src, i, to);
    else if (c === SLASH) i = atSlashInMarkup(src, i, from, to);
    else if (markdown && (c === BACKTICK || c === TILDE)) i = atMarkdownCode(ctx, i, from, to);
    else i++;
  }
}

function atAngleInMarkup(ctx: Ctx, i: number, to: number): number {
  const { src } = ctx;
  if (isMarkerStart(src, i)) return parseMarker(ctx, i);
  if (src.startsWith('<!--', i)) {
    const end = src.indexOf('-->', i + 4);
    if (end !== -1 && end + 3 <= to) return end + 3;
    warnIfHidesMarker(ctx, i, i + 4, to, 'An HTML comment <!--');
    return to;
  }
  if (!isLetter(src.charCodeAt(i + 1))) return i + 1;
  const tagEnd = skipTag(src, i, to);
  if (tagEnd === -1) return i + 1;
  const name = /^<([A-Za-z][\w-]*)/.exec(src.slice(i, i + 12))?.[1]?.toLowerCase();
  if ((name === 'script' || name === 'style') && src.charCodeAt(tagEnd - 2) !== SLASH) {
    const closer = new RegExp(`</${name}`, 'gi');
    closer.lastIndex = tagEnd;
    const close = closer.exec(src);
    const bodyEnd = close === null ? to : Math.min(close.index, to);
    scanScript(ctx, tagEnd, bodyEnd);
    return bodyEnd;
  }
  return tagEnd;
}

/** `{/* ... *\/}`: a JSX/MDX comment. */
function atBraceInMarkup(src: string, i: number, to: number): number {
  let j = i + 1;
  while (j < to && isWhitespace(src.charCodeAt(j))) j++;
  if (src.charCodeAt(j) !== SLASH || src.charCodeAt(j + 1) !== STAR) return i + 1;
  const end = src.indexOf('*/', j + 2);
  return end === -1 || end + 2 > to ? i + 1 : end + 2;
}

/** `//` and `/*` count as comments in markup only at the start of a line (inside `{...}` blocks). */
function atSlashInMarkup(src: string, i: number, regionStart: number, to: number): number {
  const next = src.charCodeAt(i + 1);
  if ((next !== SLASH && next !== STAR) || !atLineStart(src, i, regionStart)) return i + 1;
  if (next === SLASH) {
    const end = src.indexOf('\n', i);
    return end === -1 || end > to ? to : end;
  }
  const end = src.indexOf('*/', i + 2);
  return end === -1 || end + 2 > to ? i + 2 : end + 2;
}

/** Fenced code blocks (``` or ~~~ at line start) and inline code spans. */
function atMarkdownCode(ctx: Ctx, i: number, regionStart: number, to: number): number {
  const { src } = ctx;
  const c = src.charCodeAt(i);
  let run = 1;
  while (src.charCodeAt(i + run) === c) run++;
  const lineEnd = src.indexOf('\n', i);
  const sameLine = src.slice(i + run, lineEnd === -1 ? to : lineEnd);
  const fence = run >= 3 && atLineStart(src, i, regionStart) && !(c === BACKTICK && sameLine.includes('`'));
  if (fence) {
    // The closing fence: a line of at least as many of the same character, nothing else.
    for (let line = lineEnd; line !== -1 && line < to; ) {
      let j = line + 1;
      while (src.charCodeAt(j) === SPACE || src.charCodeAt(j) === TAB) j++;
      let closing = 0;
      while (src.charCodeAt(j + closing) === c) closing++;
      let k = j + closing;
      while (src.charCodeAt(k) === SPACE || src.charCodeAt(k) === TAB || src.charCodeAt(k) === CR) k++;
      const next = src.indexOf('\n', j);
      if (closing >= run && (k === next || k >= src.length)) return Math.min(k, to);
      line = next;
    }
    warnIfHidesMarker(ctx, i, i + run, to, 'A fenced code block');
    return to;
  }
  if (c === TILDE) return i + run;
  // An inline code span ends at the next run of exactly as many backticks, within the paragraph.
  const blankLine = /\n[ \t]*\r?\n/g;
  blankLine.lastIndex = i + run;
  const limit = Math.min(blankLine.exec(src)?.index ?? to, to);
  for (let j = src.indexOf('`', i + run); j !== -1 && j < limit; j = src.indexOf('`', j)) {
    let closing = 1;
    while (src.charCodeAt(j + closing) === BACKTICK) closing++;
    if (closing === run) return j + closing;
    j += closing;
  }
  return i + run;
}

function scanScript(ctx: Ctx, from: number, to: number): void {
  const { src } = ctx;
  let i = from;
  while (i < to) {
    const c = src.charCodeAt(i);
    if (c === LT) {
      i = isMarkerStart(src, i) ? parseMarker(ctx, i) : i + 1;
    } else if (c === SLASH) {
      const next = src.charCodeAt(i + 1);
      const previous = src.charCodeAt(i - 1);
      if (next === SLASH && previous !== COLON && previous !== BACKSLASH) {
        const end = src.indexOf('\n', i);
        i = end === -1 || end > to ? to : end;
      } else if (next === STAR) {
        const end = src.indexOf('*/', i + 2);
        i = end === -1 || end + 2 > to ? i + 2 : end + 2;
      } else {
        i += next === SLASH ? 2 : 1;
      }
    } else if (c === DQUOTE || c === APOS) {
      i = isIdentifierChar(src.charCodeAt(i - 1)) ? i + 1 : skipQuoted(src, i, to);
    } else if (c === BACKTICK) {
      const end = findClose(src, i + 1, BACKTICK);
      i = end === -1 ? i + 1 : end + 1;
    } else {
      i++;
    }
  }
}

// --- JavaScript skipping ---

/**
 * Skips a '...' or "..." string from its opening quote; returns the offset after it. Ends at a
 * line break too: a JavaScript string cannot span lines, and stopping there keeps a stray quote
 * from swallowing the rest of the file.
 */
function skipQuoted(src: string, i: number, to: number): number {
  const quote = src.charCodeAt(i);
  let j = i + 1;
  while (j < to) {
    const c = src.charCodeAt(j);
    if (c === quote) return j + 1;
    if (c === LF) return j;
    j += c === BACKSLASH ? 2 : 1;
  }
  return to;
}

/**
 * Finds the `}` (for `opener` `{`) or backtick (for `opener` backtick) that closes a JavaScript
 * construct starting at `from`, skipping strings, comments, nested braces and template literals
 * with their `${...}`. Returns its offset, or -1 when it never closes. Iterative: no input
 * nesting can overflow the stack.
 */
function findClose(src: string, from: number, opener: number): number {
  const stack: number[] = [opener];
  let i = from;
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (stack[stack.length - 1] === BACKTICK) {
      if (c === BACKSLASH) {
        i += 2;
      } else if (c === BACKTICK) {
        stack.pop();
        if (stack.length === 0) return i;
        i++;
      } else if (c === DOLLAR && src.charCodeAt(i + 1) === LBRACE) {
        stack.push(LBRACE);
        i += 2;
      } else {
        i++;
      }
      continue;
    }
    if (c === LBRACE) {
      stack.push(LBRACE);
      i++;
    } else if (c === RBRACE) {
      stack.pop();
      if (stack.length === 0) return i;
      i++;
    } else if (c === DQUOTE || c === APOS) {
      i = isIdentifierChar(src.charCodeAt(i - 1)) ? i + 1 : skipQuoted(src, i, n);
    } else if (c === BACKTICK) {
      stack.push(BACKTICK);
      i++;
    } else if (c === SLASH && src.charCodeAt(i + 1) === SLASH) {
      const end = src.indexOf('\n', i);
      if (end === -1) return -1;
      i = end;
    } else if (c === SLASH && src.charCodeAt(i + 1) === STAR) {
      const end = src.indexOf('*/', i + 2);
      if (end === -1) return -1;
      i = end + 2;
    } else {
      i++;
    }
  }
  return -1;
}

/** Skips whitespace and JavaScript comments in `[i, to)`. */
function skipJsTrivia(src: string, i: number, to: number): number {
  while (i < to) {
    const c = src.charCodeAt(i);
    if (isWhitespace(c)) {
      i++;
    } else if (c === SLASH && src.charCodeAt(i + 1) === SLASH) {
      const end = src.indexOf('\n', i);
      i = end === -1 ? to : end;
    } else if (c === SLASH && src.charCodeAt(i + 1) === STAR) {
      const end = src.indexOf('*/', i + 2);
      i = end === -1 ? to : end + 2;
    } else {
      break;
    }
  }
  return Math.min(i, to);
}

/**
 * Skips another tag (`<div class="a">`, `<Code code={`...`} />`) with its attribute values;
 * returns the offset after its `>`, or -1 when it does not look like a complete tag.
 */
function skipTag(src: string, i: number, to: number): number {
  let afterEquals = false;
  let j = i + 1;
  while (j < to) {
    const c = src.charCodeAt(j);
    if (c === GT) return j + 1;
    if (c === LT) return -1;
    if ((c === DQUOTE || c === APOS) && afterEquals) {
      // Only after `=` does a quote open a value: `<p>it's` is no attribute.
      const end = src.indexOf(String.fromCharCode(c), j + 1);
      if (end === -1 || end >= to) return -1;
      j = end + 1;
    } else if (c === LBRACE) {
      const end = findClose(src, j + 1, LBRACE);
      if (end === -1 || end >= to) return -1;
      j = end + 1;
    } else {
      j++;
    }
    if (c === EQ) afterEquals = true;
    else if (!isWhitespace(c)) afterEquals = false;
  }
  return -1;
}

// --- The marker itself ---

/** Parses the marker whose `<` is at `start`; returns where scanning resumes. */
function parseMarker(ctx: Ctx, start: number): number {
  const { src } = ctx;
  const n = src.length;
  const attributes: MarkerAttribute[] = [];
  const seen = new Map<string, number>();
  let duplicate = false;
  let i = start + OPEN.length;
  for (;;) {
    i = skipTagTrivia(src, i);
    if (i >= n) {
      syntaxError(ctx, start, 'This <GenImage> marker is never closed: the file ends before its "/>" or ">".', undefined, 'End the marker with "/>".');
      return n;
    }
    const c = src.charCodeAt(i);
    if (c === SLASH) {
      if (src.charCodeAt(i + 1) === GT) return duplicate ? i + 2 : finishMarker(ctx, start, attributes, i + 2, false);
      syntaxError(ctx, i, 'Unexpected "/" inside <GenImage>: expected an attribute or "/>".');
      return i + 1;
    }
    if (c === GT) return duplicate ? i + 1 : finishMarker(ctx, start, attributes, i + 1, true);
    if (c === LT) {
      syntaxError(
        ctx,
        start,
        `This <GenImage> marker is never closed: another tag starts at ${where(ctx, i)} before its "/>" or ">".`,
        undefined,
        'End the marker with "/>".',
      );
      return i;
    }
    const attributeStart = i;
    let attribute: MarkerAttribute | undefined;
    if (c === LBRACE) {
      const result = parseBraceAttribute(ctx, i);
      if (typeof result === 'number') return result;
      attribute = result.attribute;
      i = result.end;
    } else if (isNameChar(c)) {
      const result = parseNamedAttribute(ctx, i);
      if (typeof result === 'number') return result;
      attribute = result.attribute;
      i = result.end;
    } else {
      syntaxError(ctx, i, `Unexpected ${JSON.stringify(src[i])} inside <GenImage>: expected an attribute name, "/>" or ">".`);
      return i + 1;
    }
    const first = seen.get(attribute.name);
    if (first !== undefined && attribute.name !== '...') {
      duplicate = true;
      syntaxError(
        ctx,
        attributeStart,
        `The attribute ${attribute.name} is given twice (first at ${where(ctx, first)}); genimage cannot tell which one is meant.`,
        attribute.name,
        'Remove one of them.',
      );
    } else {
      seen.set(attribute.name, attributeStart);
    }
    attributes.push(attribute);
  }
}

/** Whitespace and JSX comments between attributes. */
function skipTagTrivia(src: string, i: number): number {
  for (;;) {
    const c = src.charCodeAt(i);
    if (isWhitespace(c)) {
      i++;
    } else if (c === SLASH && src.charCodeAt(i + 1) === STAR) {
      const end = src.indexOf('*/', i + 2);
      if (end === -1) return i;
      i = end + 2;
    } else if (c === SLASH && src.charCodeAt(i + 1) === SLASH) {
      const end = src.indexOf('\n', i);
      if (end === -1) return src.length;
      i = end;
    } else {
      return i;
    }
  }
}

function finishMarker(ctx: Ctx, start: number, attributes: MarkerAttribute[], end: number, open: boolean): number {
  if (open) {
    // `<GenImage ...></GenImage>`: children are ignored.
    CLOSING_TAG.lastIndex = end;
    const close = CLOSING_TAG.exec(ctx.src);
    const nextMarker = nextMarkerStart(ctx.src, end);
    if (close === null || (nextMarker !== -1 && nextMarker < close.index)) {
      syntaxWarning(
        ctx,
        start,
        'This <GenImage> marker ends with ">" but has no closing </GenImage>.',
        'Write it self-closing: <GenImage ... />.',
      );
    } else {
      end = close.index + close[0].length;
    }
  }
  ctx.markers.push({ file: ctx.file, location: locate(ctx, start), attributes });
  return end;
}

type AttributeResult = { attribute: MarkerAttribute; end: number } | number;

/** `{...props}` (a spread) or Svelte's `{seed}` shorthand. */
function parseBraceAttribute(ctx: Ctx, i: number): AttributeResult {
  const { src } = ctx;
  const close = findClose(src, i + 1, LBRACE);
  if (close === -1 || src.slice(i, close).includes(OPEN)) {
    syntaxError(ctx, i, 'This "{" inside <GenImage> is never closed.', undefined, 'Close it with "}".');
    return i + 1;
  }
  const expression = src.slice(i + 1, close).trim();
  const location = locate(ctx, i);
  if (expression.startsWith('...')) {
    return { attribute: { name: '...', value: { kind: 'dynamic', expression }, location }, end: close + 1 };
  }
  if (/^[A-Za-z_$][\w$]*$/.test(expression)) {
    return { attribute: { name: expression, value: { kind: 'dynamic', expression }, location }, end: close + 1 };
  }
  syntaxError(ctx, i, `Unexpected {${expression}} inside <GenImage>: in attribute position only a spread {...props} is allowed.`);
  return close + 1;
}

function parseNamedAttribute(ctx: Ctx, i: number): AttributeResult {
  const { src } = ctx;
  const nameStart = i;
  while (i < src.length && isNameChar(src.charCodeAt(i))) i++;
  let name = src.slice(nameStart, i);
  const location = locate(ctx, nameStart);
  const afterName = skipTagTrivia(src, i);
  if (src.charCodeAt(afterName) !== EQ) return { attribute: { name, value: true, location }, end: i };
  const at = skipTagTrivia(src, afterName + 1);
  const c = src.charCodeAt(at);
  let value: LiteralValue | DynamicValue;
  let end: number;
  if (c === DQUOTE || c === APOS) {
    const close = src.indexOf(String.fromCharCode(c), at + 1);
    const raw = close === -1 ? '' : src.slice(at + 1, close);
    if (close === -1 || looksUnterminated(raw)) {
      syntaxError(
        ctx,
        at,
        `The value of ${name} starts a string with ${src[at]} at ${where(ctx, at)} that is never closed.`,
        name,
        `Close the string with a matching ${src[at]}.`,
      );
      return at + 1;
    }
    end = close + 1;
    value = decodeEntities(raw);
    // Vue: `:seed="42"` and `v-bind:seed="42"` bind a JavaScript expression; `@click` is a handler.
    if (name.startsWith(':') || name.startsWith('v-bind:')) {
      name = name.slice(name.indexOf(':') + 1);
      value = literalOrDynamic(src, at + 1, close);
    } else if (name === 'v-bind') {
      name = '...';
      value = { kind: 'dynamic', expression: raw.trim() };
    } else if (name.startsWith('@') || name.startsWith('v-on:')) {
      value = { kind: 'dynamic', expression: raw.trim() };
    }
  } else if (c === LBRACE) {
    const result = parseBraceValue(ctx, name, at);
    if (typeof result === 'number') return result;
    value = result.value;
    end = result.end;
  } else if (Number.isNaN(c) || c === GT || c === LT || c === EQ || c === BACKTICK || (c === SLASH && src.charCodeAt(at + 1) === GT)) {
    syntaxError(ctx, at, `Expected a value after ${name}=, e.g. ${name}="..." or ${name}={...}.`, name);
    return at;
  } else {
    // An unquoted HTML value, e.g. seed=42: a string, as HTML reads it.
    end = at;
    while (end < src.length && isUnquotedValueChar(src, end)) end++;
    value = decodeEntities(src.slice(at, end));
  }
  return { attribute: { name, value, location }, end };
}

function isUnquotedValueChar(src: string, i: number): boolean {
  const c = src.charCodeAt(i);
  if (isWhitespace(c) || c === DQUOTE || c === APOS || c === LT || c === GT || c === EQ || c === BACKTICK) return false;
  return !(c === SLASH && src.charCodeAt(i + 1) === GT);
}

/** A string that ran into the next line's tags or the next marker lost its closing quote. */
function looksUnterminated(raw: string): boolean {
  return raw.includes(OPEN) || (raw.includes('\n') && /<[A-Za-z/!]/.test(raw));
}

/** `{...}` after `name=`: a literal (`{42}`, `{"a"}`, `{["a", "b"]}`) or a dynamic expression. */
function parseBraceValue(ctx: Ctx, name: string, i: number): { value: LiteralValue | DynamicValue; end: number } | number {
  const { src } = ctx;
  const close = findClose(src, i + 1, LBRACE);
  if (close === -1 || src.slice(i, close).includes(OPEN)) {
    syntaxError(ctx, i, `The value of ${name} opens "{" at ${where(ctx, i)} that is never closed.`, name, 'Close it with "}".');
    return i + 1;
  }
  const first = skipJsTrivia(src, i + 1, close);
  if (first === close) {
    syntaxError(ctx, i, `${name}={} is empty: write a value, e.g. ${name}={42} or ${name}="text".`, name);
    return close + 1;
  }
  const result = parseLiteral(src, first, close, true);
  if (result.kind === 'error') {
    syntaxError(ctx, result.at, `${name}={${src.slice(i + 1, close).trim()}} ${result.message}`, name);
    return close + 1;
  }
  if (result.kind === 'value') {
    const after = skipJsTrivia(src, result.end, close);
    if (after === close) return { value: result.value, end: close + 1 };
    if (startsLiteral(src.charCodeAt(after))) {
      syntaxError(ctx, after, `${name}={${src.slice(i + 1, close).trim()}} has two values in a row: expected "}" after the first.`, name);
      return close + 1;
    }
  }
  return { value: { kind: 'dynamic', expression: src.slice(i + 1, close).trim() }, end: close + 1 };
}

/** The literal in `[from, to)` when it is exactly one, else the text as a dynamic expression. */
function literalOrDynamic(src: string, from: number, to: number): LiteralValue | DynamicValue {
  const first = skipJsTrivia(src, from, to);
  const result = parseLiteral(src, first, to, true);
  if (result.kind === 'value' && skipJsTrivia(src, result.end, to) === to) return result.value;
  return { kind: 'dynamic', expression: src.slice(from, to).trim() };
}

type LiteralResult =
  | { kind: 'value'; value: LiteralValue; end: number }
  | { kind: 'error'; at: number; message: string }
  | { kind: 'dynamic' };

const NUMBER = /[+-]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/y;

function startsLiteral(c: number): boolean {
  return c === DQUOTE || c === APOS || c === BACKTICK || isDigit(c) || c === LBRACKET;
}

/** A JavaScript literal at `i` (within `to`): string, template without `${`, number, boolean, array. */
function parseLiteral(src: string, i: number, to: number, allowArray: boolean): LiteralResult {
  const c = src.charCodeAt(i);
  if (c === DQUOTE || c === APOS) {
    for (let j = i + 1; j < to; j++) {
      const d = src.charCodeAt(j);
      if (d === c) return { kind: 'value', value: decodeJsString(src.slice(i + 1, j)), end: j + 1 };
      if (d === LF) break;
      if (d === BACKSLASH) j++;
    }
    return { kind: 'error', at: i, message: `has a string starting with ${src[i]} that is never closed.` };
  }
  if (c === BACKTICK) {
    for (let j = i + 1; j < to; j++) {
      const d = src.charCodeAt(j);
      if (d === BACKTICK) return { kind: 'value', value: decodeJsString(src.slice(i + 1, j).replace(/\r\n?/g, '\n')), end: j + 1 };
      if (d === DOLLAR && src.charCodeAt(j + 1) === LBRACE) return { kind: 'dynamic' };
      if (d === BACKSLASH) j++;
    }
    return { kind: 'error', at: i, message: 'has a template literal that is never closed.' };
  }
  if (isDigit(c) || c === DOT || c === 45 /* - */ || c === 43 /* + */) {
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(src);
    if (match === null) return { kind: 'dynamic' };
    const end = i + match[0].length;
    if (end > to || (end < to && (isIdentifierChar(src.charCodeAt(end)) || src.charCodeAt(end) === DOT))) return { kind: 'dynamic' };
    const value = Number(match[0].replaceAll('_', ''));
    return Number.isNaN(value) ? { kind: 'dynamic' } : { kind: 'value', value, end };
  }
  for (const word of ['true', 'false'] as const) {
    if (src.startsWith(word, i) && i + word.length <= to && !isIdentifierChar(src.charCodeAt(i + word.length))) {
      return { kind: 'value', value: word === 'true', end: i + word.length };
    }
  }
  if (c === LBRACKET && allowArray) return parseArray(src, i, to);
  return { kind: 'dynamic' };
}

/** `[literal, literal, ...]` of strings, numbers and booleans; anything else makes it dynamic. */
function parseArray(src: string, i: number, to: number): LiteralResult {
  const items: LiteralScalar[] = [];
  let j = i + 1;
  for (;;) {
    j = skipJsTrivia(src, j, to);
    if (j >= to) return { kind: 'error', at: i, message: 'has an array that is never closed: expected "]".' };
    const c = src.charCodeAt(j);
    if (c === RBRACKET) return { kind: 'value', value: items, end: j + 1 };
    if (c === COMMA) return { kind: 'error', at: j, message: 'has an array with an empty element: remove the extra ",".' };
    const item = parseLiteral(src, j, to, false);
    if (item.kind !== 'value') return item;
    items.push(item.value as LiteralScalar);
    j = skipJsTrivia(src, item.end, to);
    if (j >= to) return { kind: 'error', at: i, message: 'has an array that is never closed: expected "]".' };
    const d = src.charCodeAt(j);
    if (d === COMMA) j++;
    else if (d === RBRACKET) return { kind: 'value', value: items, end: j + 1 };
    else if (startsLiteral(d)) return { kind: 'error', at: j, message: 'has an array with a missing ",": expected "," or "]" between elements.' };
    else return { kind: 'dynamic' };
  }
}

const NAMED_ENTITIES: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]+));/g, (match, decimal?: string, hex?: string, name?: string) => {
    if (name !== undefined) return NAMED_ENTITIES[name] ?? match;
    const codePoint = decimal !== undefined ? Number(decimal) : Number.parseInt(hex ?? '', 16);
    return codePoint > 0x10ffff ? match : String.fromCodePoint(codePoint);
  });
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', 0: '\0' };

function decodeJsString(raw: string): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(
    /\\(?:u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(\r\n|[\s\S]))/g,
    (match, braced?: string, unicode?: string, hex?: string, other?: string) => {
      const digits = braced ?? unicode ?? hex;
      if (digits !== undefined) {
        const codePoint = Number.parseInt(digits, 16);
        return codePoint > 0x10ffff ? match : String.fromCodePoint(codePoint);
      }
      if (other === undefined) return match;
      if (other === '\n' || other === '\r\n' || other === '\r' || other === '\u2028' || other === '\u2029') return '';
      return SIMPLE_ESCAPES[other] ?? other;
    },
  );
}
