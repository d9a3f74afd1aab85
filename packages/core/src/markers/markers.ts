/**
 * Finds `<GenImage ... />` markers in a source file and reads their attributes. Pure: no I/O,
 * never throws; every problem becomes a located `Diagnostic` and parsing goes on with the next
 * marker, so one typo does not hide the other images of a site. `scan.ts` feeds it files,
 * `marker-params.ts` turns a marker into a generation request.
 *
 * The parser is split by what each part has to know: `source-regions.ts` decides which text can
 * hold a marker (not comments, strings, code fences or Markdown frontmatter), `marker-tag.ts`
 * spots a marker start, `literals.ts` reads attribute values and `js-skip.ts` steps over
 * JavaScript. This module owns the marker syntax and the diagnostics.
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics.ts';
import { MarkerSyntax, type SourceLocation } from '../errors.ts';
import { CHAR, isWhitespace } from './char-codes.ts';
import { findClose, skipJsTrivia } from './js-skip.ts';
import { lineStarts, locationAt } from './lines.ts';
import { decodeAstroText, decodeEntities, parseLiteral, startsLiteral, type LiteralValue } from './literals.ts';
import { attributeNameOf } from '../attributes.ts';
import { MARKER_OPEN, MAY_HOLD_MARKER, isHtmlCased, nextMarkerStart } from './marker-tag.ts';
import { walkSource, type RegionVisitor } from './source-regions.ts';

export { MARKER_TAG } from './marker-tag.ts';
export type { LiteralScalar, LiteralValue } from './literals.ts';

const { APOS, BACKTICK, DQUOTE, EQ, GT, LBRACE, LT, RBRACE, SLASH, SPACE, STAR } = CHAR;

/** A value only known when the page renders, e.g. `{title}`; `expression` is its source text. */
export interface DynamicValue {
  kind: 'dynamic';
  expression: string;
}

/** Offsets into the parsed text: `text.slice(start, end)` is what was written. */
export interface Span {
  start: number;
  end: number;
}

export interface MarkerAttribute {
  /** As written; a spread (`{...props}`, Vue `v-bind="obj"`) is named `...`. */
  name: string;
  value: LiteralValue | DynamicValue;
  /** Where the attribute's name starts. */
  location: SourceLocation;
  /** The whole attribute as written, e.g. `seed={42}` or `{...props}`. */
  span: Span;
  /** Its value as written, quotes or braces included (`{42}`, `"a fox"`); absent without one (`eager`, `{...props}`). */
  valueSpan?: Span;
}

/** One `<GenImage>` in a source file. */
export interface Marker {
  file: string;
  /** Where its `<` is. */
  location: SourceLocation;
  attributes: MarkerAttribute[];
  /**
   * The tag as written: from its `<` to just past `/>`, or past `</GenImage>` when written open.
   * Empty for a marker made from a component's props (`propsToMarker`), which has no text.
   */
  span: Span;
  /** Read from an image function call (`genImage({ ... })`, `call-markers.ts`): its data has no alt to need. */
  call?: true;
  /** Read from a Markdown file's frontmatter (`frontmatter-markers.ts`): its span is the YAML mapping. */
  frontmatter?: true;
}

export interface MarkerParseResult {
  markers: Marker[];
  diagnostics: Diagnostic[];
}

export function isDynamic(value: LiteralValue | DynamicValue): value is DynamicValue {
  return typeof value === 'object' && !Array.isArray(value);
}

/**
 * Finds the markers of one source file. `file` names the file in locations and chooses the
 * comment rules by its extension (see `source-regions.ts`).
 * @example parseMarkers('<GenImage prompt="a red fox" seed={42} />', 'src/pages/index.astro')
 */
export function parseMarkers(source: string, file: string): MarkerParseResult {
  const anyCase = isHtmlCased(file);
  const ctx: Ctx = {
    src: source,
    file,
    markers: [],
    diagnostics: [],
    lineStarts: undefined,
    readText: textReader(file),
    anyCase,
    vue: /\.vue$/i.test(file),
    svelte: /\.svelte$/i.test(file),
  };
  // Most files have no marker: one substring search instead of a walk.
  if (!holdsMarker(ctx, source)) return { markers: ctx.markers, diagnostics: ctx.diagnostics };
  walkSource(source, file, VISITOR, ctx);
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
  /** How this file type's compiler reads a quoted or unquoted attribute value. */
  readText: (raw: string) => string;
  /** Read as HTML: tag and attribute names match whatever their case (see `marker-tag.ts`). */
  anyCase: boolean;
  /** A Vue component: bound values (`:seed="42"`) are JavaScript after references are decoded. */
  vue: boolean;
  /** A Svelte component: `{...}` inside a quoted value is an expression. */
  svelte: boolean;
}

/** Whether `text` holds a marker start, in this file's case rule. */
function holdsMarker(ctx: Ctx, text: string): boolean {
  return ctx.anyCase ? MAY_HOLD_MARKER.test(text) : text.includes(MARKER_OPEN);
}

/**
 * One reading of attribute text per file type, the one its compiler hands the component: HTML,
 * Markdown, JSX/MDX, Vue and Svelte decode character references (`&amp;` is "&") and nothing else;
 * Astro leaves references as written but reads JavaScript escapes (`decodeAstroText`). The key is
 * computed from that same text, or the CLI and the build would ask for different images.
 */
function textReader(file: string): (raw: string) => string {
  return /\.astro$/i.test(file) ? decodeAstroText : decodeEntities;
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

function locate(ctx: Ctx, offset: number): SourceLocation {
  ctx.lineStarts ??= lineStarts(ctx.src);
  return locationAt(ctx.lineStarts, ctx.file, offset);
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
function warnHiddenMarker(ctx: Ctx, at: number, hidden: number, what: string): void {
  syntaxWarning(
    ctx,
    at,
    `${what} is never closed, so it hides the <GenImage> marker at ${where(ctx, hidden)} and everything after it.`,
    'Close it if the marker is meant to be generated.',
  );
}

/** One visitor for every file; the file's state travels as `ctx` (see `RegionVisitor` for why). */
const VISITOR: RegionVisitor<Ctx> = { marker: parseMarker, hidden: warnHiddenMarker };

// --- The marker itself ---

/** Parses the marker whose `<` is at `start`; returns where scanning resumes. */
function parseMarker(ctx: Ctx, start: number): number {
  const { src } = ctx;
  const n = src.length;
  const attributes: MarkerAttribute[] = [];
  const seen = new Map<string, number>();
  let duplicate = false;
  let i = start + MARKER_OPEN.length;
  for (;;) {
    i = skipTagTrivia(src, i);
    if (i >= n) {
      syntaxError(
        ctx,
        start,
        'This <GenImage> marker is never closed: the file ends before its "/>" or ">".',
        undefined,
        'End the marker with "/>".',
      );
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

/** `</GenImage>`, which ends a marker written with `>` instead of `/>`; in any case where HTML reads it. */
const CLOSING_TAG = /<\/GenImage\s*>/g;
const CLOSING_TAG_ANY_CASE = /<\/GenImage\s*>/gi;

function finishMarker(ctx: Ctx, start: number, attributes: MarkerAttribute[], end: number, open: boolean): number {
  if (open) {
    // `<GenImage ...></GenImage>`: children are ignored.
    const closing = ctx.anyCase ? CLOSING_TAG_ANY_CASE : CLOSING_TAG;
    closing.lastIndex = end;
    const close = closing.exec(ctx.src);
    const nextMarker = nextMarkerStart(ctx.src, end, ctx.anyCase);
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
  ctx.markers.push({ file: ctx.file, location: locate(ctx, start), attributes, span: { start, end } });
  return end;
}

type AttributeResult = { attribute: MarkerAttribute; end: number } | number;

/** `{...props}` (a spread) or Svelte's `{seed}` shorthand. */
function parseBraceAttribute(ctx: Ctx, i: number): AttributeResult {
  const { src } = ctx;
  const close = findClose(src, i + 1, LBRACE);
  if (close === -1 || holdsMarker(ctx, src.slice(i, close))) {
    syntaxError(ctx, i, 'This "{" inside <GenImage> is never closed.', undefined, 'Close it with "}".');
    return i + 1;
  }
  const expression = src.slice(i + 1, close).trim();
  const location = locate(ctx, i);
  const span = { start: i, end: close + 1 };
  if (expression.startsWith('...')) {
    return { attribute: { name: '...', value: { kind: 'dynamic', expression }, location, span }, end: close + 1 };
  }
  if (/^[A-Za-z_$][\w$]*$/.test(expression)) {
    return { attribute: { name: expression, value: { kind: 'dynamic', expression }, location, span }, end: close + 1 };
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
  if (src.charCodeAt(afterName) !== EQ)
    return { attribute: { name: tableName(ctx, name), value: true, location, span: { start: nameStart, end: i } }, end: i };
  const at = skipTagTrivia(src, afterName + 1);
  const c = src.charCodeAt(at);
  let value: LiteralValue | DynamicValue;
  let end: number;
  if (c === DQUOTE || c === APOS) {
    const close = src.indexOf(String.fromCharCode(c), at + 1);
    const raw = close === -1 ? '' : src.slice(at + 1, close);
    if (close === -1 || looksUnterminated(ctx, raw)) {
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
    value = ctx.readText(raw);
    // Vue: `:seed="42"` and `v-bind:seed="42"` bind a JavaScript expression; `@click` is a handler.
    if (name.startsWith(':') || name.startsWith('v-bind:')) {
      name = name.slice(name.indexOf(':') + 1);
      // Vue decodes references in the value before it reads the JavaScript (`:prompt="'a &amp; b'"` is "a & b").
      value = ctx.vue && raw.includes('&') ? literalOrDynamic(value, 0, value.length) : literalOrDynamic(src, at + 1, close);
    } else if (ctx.svelte && raw.includes('{')) {
      // Svelte reads `{...}` inside quotes as an expression: `alt="Photo of {name}"`.
      value = { kind: 'dynamic', expression: raw };
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
    value = ctx.readText(src.slice(at, end));
  }
  name = tableName(ctx, name);
  return { attribute: { name, value, location, span: { start: nameStart, end }, valueSpan: { start: at, end } }, end };
}

/** HTML's `aspectratio` is the table's `aspectRatio`: one spelling for the request, the key and the messages. */
function tableName(ctx: Ctx, written: string): string {
  return ctx.anyCase ? attributeNameOf('html', written) : written;
}

function isUnquotedValueChar(src: string, i: number): boolean {
  const c = src.charCodeAt(i);
  if (isWhitespace(c) || c === DQUOTE || c === APOS || c === LT || c === GT || c === EQ || c === BACKTICK) return false;
  return !(c === SLASH && src.charCodeAt(i + 1) === GT);
}

/** A string that ran into the next line's tags or the next marker lost its closing quote. */
function looksUnterminated(ctx: Ctx, raw: string): boolean {
  return holdsMarker(ctx, raw) || (raw.includes('\n') && /<[A-Za-z/!]/.test(raw));
}

/** `{...}` after `name=`: a literal (`{42}`, `{"a"}`, `{["a", "b"]}`) or a dynamic expression. */
function parseBraceValue(ctx: Ctx, name: string, i: number): { value: LiteralValue | DynamicValue; end: number } | number {
  const { src } = ctx;
  const close = findClose(src, i + 1, LBRACE);
  if (close === -1 || holdsMarker(ctx, src.slice(i, close))) {
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
