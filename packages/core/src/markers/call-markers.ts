/**
 * Finds `genImage({ ... })` calls, the image function of frontmatter and MDX modules, and reads
 * them as markers: its argument is an object of literals, so the scan knows the image before any
 * code runs, and `scan`, `plan`, `check`, `prune` and a build list the same keys. Pure, like
 * `markers.ts`; a call the scan cannot read is a located error, never a guess.
 *
 * Where a call is looked for: the frontmatter of `.astro` files and the `import`/`export`
 * paragraphs of `.mdx` files (MDX's ESM), skipping comments and strings.
 */
import { RENDER_FORMATS, type RenderFormat } from '../attributes.ts';
import { createDiagnostic } from '../diagnostics.ts';
import { MarkerSyntax, type SourceLocation } from '../errors.ts';
import { CHAR, isIdentifierChar, isWhitespace } from './char-codes.ts';
import { findClose, skipJsTrivia, skipQuoted } from './js-skip.ts';
import { lineStarts, locationAt } from './lines.ts';
import { parseLiteral } from './literals.ts';
import type { Marker, MarkerAttribute, MarkerParseResult } from './markers.ts';

const { APOS, BACKTICK, COLON, COMMA, DQUOTE, LBRACE, LBRACKET, RBRACE, RBRACKET, SLASH, STAR } = CHAR;
const LPAREN = 40;
const RPAREN = 41;

/** The image function's name, as site code imports it (`import { genImage } from '@genimage/astro/image'`). */
export const IMAGE_FUNCTION = 'genImage';

/**
 * The image function's own options, beside the attribute table's: not part of the marker (they
 * change neither the key nor a `<picture>`), read by `ImageRenderer.image`.
 */
export const IMAGE_FUNCTION_OPTIONS = ['format'] as const;

/** Finds the image function's calls in one source file (see the top of this module for where). */
export function parseCallMarkers(source: string, file: string): MarkerParseResult {
  const result: MarkerParseResult = { markers: [], diagnostics: [] };
  if (!source.includes(IMAGE_FUNCTION)) return result;
  const lines = lineStarts(source);
  const locate = (offset: number): SourceLocation => locationAt(lines, file, offset);
  for (const [from, to] of scriptRegions(source, file)) findCalls(source, from, to, file, locate, result);
  return result;
}

/** The format of the image function's file when given (`format: "jpeg"`); validated by the scan. */
export function isImageFormat(value: unknown): value is RenderFormat {
  return typeof value === 'string' && (RENDER_FORMATS as readonly string[]).includes(value);
}

// --- Internals ---

function scriptRegions(src: string, file: string): [number, number][] {
  if (/\.astro$/i.test(file)) {
    const open = /^\uFEFF?\s*---[ \t]*\r?\n/.exec(src);
    if (open === null) return [];
    const fence = /^---[ \t]*$/gm;
    fence.lastIndex = open[0].length;
    const close = fence.exec(src);
    return close === null ? [] : [[open[0].length, close.index]];
  }
  if (/\.mdx$/i.test(file)) {
    // MDX reads a paragraph starting with `import` or `export` as JavaScript, up to a blank line.
    const regions: [number, number][] = [];
    for (const match of src.matchAll(/^(?:import|export)\s[\s\S]*?(?=\r?\n[ \t]*\r?\n|$(?![\s\S]))/gm)) {
      regions.push([match.index, match.index + match[0].length]);
    }
    return regions;
  }
  return [];
}

type Locate = (offset: number) => SourceLocation;

function findCalls(src: string, from: number, to: number, file: string, locate: Locate, result: MarkerParseResult): void {
  let i = from;
  while (i < to) {
    const c = src.charCodeAt(i);
    if (c === SLASH && src.charCodeAt(i + 1) === SLASH) {
      const end = src.indexOf('\n', i);
      i = end === -1 || end > to ? to : end;
    } else if (c === SLASH && src.charCodeAt(i + 1) === STAR) {
      const end = src.indexOf('*/', i + 2);
      i = end === -1 ? to : end + 2;
    } else if (c === DQUOTE || c === APOS) {
      i = skipQuoted(src, i, to);
    } else if (c === BACKTICK) {
      const end = findClose(src, i + 1, BACKTICK);
      i = end === -1 ? to : end + 1;
    } else if (startsCall(src, i)) {
      i = parseCall(src, i, to, file, locate, result);
    } else {
      i++;
    }
  }
}

function startsCall(src: string, i: number): boolean {
  if (!src.startsWith(IMAGE_FUNCTION, i)) return false;
  const before = src.charCodeAt(i - 1);
  if (isIdentifierChar(before) || before === 46 /* . */) return false;
  const after = i + IMAGE_FUNCTION.length;
  if (isIdentifierChar(src.charCodeAt(after))) return false;
  return src.charCodeAt(skipJsTrivia(src, after, src.length)) === LPAREN;
}

/** Parses the call whose name starts at `start`; returns where the search resumes. */
function parseCall(src: string, start: number, to: number, file: string, locate: Locate, result: MarkerParseResult): number {
  const fail = (at: number, message: string): number => {
    result.diagnostics.push(
      createDiagnostic(MarkerSyntax, 'error', message, locate(at), {
        hint: `Write the options inline as literals, e.g. ${IMAGE_FUNCTION}({ prompt: "a red fox", seed: 42 }): genimage reads them before any code runs.`,
      }),
    );
    return at + 1;
  };
  const open = skipJsTrivia(src, start + IMAGE_FUNCTION.length, to);
  const brace = skipJsTrivia(src, open + 1, to);
  if (src.charCodeAt(brace) !== LBRACE)
    return fail(brace, `${IMAGE_FUNCTION}() takes one object of literal options, e.g. { prompt: "…" }.`);
  const close = findClose(src, brace + 1, LBRACE);
  if (close === -1 || close > to) return fail(brace, `The options of this ${IMAGE_FUNCTION}() call open "{" that is never closed.`);
  const attributes: MarkerAttribute[] = [];
  let i = brace + 1;
  for (;;) {
    i = skipJsTrivia(src, i, close);
    if (i >= close) break;
    const keyStart = i;
    if (src.startsWith('...', i)) {
      // `{ ...post.data.hero, width: 1200 }`: the image is declared elsewhere (a frontmatter
      // declaration the scan lists); as for a tag's spread, the build renders it by its key.
      const end = expressionEnd(src, i + 3, close);
      const expression = src.slice(i, end).trim();
      attributes.push({ name: '...', value: { kind: 'dynamic', expression }, location: locate(i), span: { start: i, end } });
      i = src.charCodeAt(end) === COMMA ? end + 1 : end;
      continue;
    }
    const key = readKey(src, i, close);
    if (key === undefined) return fail(i, `Only literal options and spreads are read in ${IMAGE_FUNCTION}(): no computed key.`);
    i = skipJsTrivia(src, key.end, close);
    if (src.charCodeAt(i) !== COLON) return fail(keyStart, `The option ${key.name} of ${IMAGE_FUNCTION}() is not a literal.`);
    const valueStart = skipJsTrivia(src, i + 1, close);
    const value = parseLiteral(src, valueStart, close, true);
    if (value.kind === 'error') return fail(value.at, `The option ${key.name} of ${IMAGE_FUNCTION}() ${value.message}`);
    const after = value.kind === 'value' ? skipJsTrivia(src, value.end, close) : -1;
    if (value.kind === 'dynamic' || (after !== close && src.charCodeAt(after) !== COMMA)) {
      return fail(valueStart, `The option ${key.name} of ${IMAGE_FUNCTION}() is not a literal: genimage cannot read it at build time.`);
    }
    const location = locate(keyStart);
    if (key.name === 'format') {
      if (!isImageFormat(value.value)) return fail(valueStart, `format must be one of ${RENDER_FORMATS.join(', ')}.`);
    } else {
      attributes.push({
        name: key.name,
        value: value.value,
        location,
        span: { start: keyStart, end: value.end },
        valueSpan: { start: valueStart, end: value.end },
      });
    }
    i = after + 1;
  }
  let end = skipJsTrivia(src, close + 1, to);
  if (src.charCodeAt(end) === COMMA) end = skipJsTrivia(src, end + 1, to);
  if (src.charCodeAt(end) !== RPAREN) return fail(end, `${IMAGE_FUNCTION}() takes one argument: its options object.`);
  const marker: Marker = { file, location: locate(start), attributes, span: { start, end: end + 1 }, call: true };
  result.markers.push(marker);
  return end + 1;
}

/** Where a spread's expression ends: at the next `,` outside brackets and strings, or at `to`. */
function expressionEnd(src: string, from: number, to: number): number {
  let depth = 0;
  let i = from;
  while (i < to) {
    const c = src.charCodeAt(i);
    if (c === DQUOTE || c === APOS) {
      i = skipQuoted(src, i, to);
      continue;
    }
    if (c === BACKTICK) {
      const end = findClose(src, i + 1, BACKTICK);
      i = end === -1 ? to : end + 1;
      continue;
    }
    if (c === LBRACE || c === LBRACKET || c === LPAREN) depth++;
    else if (c === RBRACE || c === RBRACKET || c === RPAREN) depth--;
    else if (c === COMMA && depth === 0) return i;
    i++;
  }
  return to;
}

/** An object key: an identifier or a quoted string. */
function readKey(src: string, i: number, to: number): { name: string; end: number } | undefined {
  const c = src.charCodeAt(i);
  if (c === DQUOTE || c === APOS) {
    const end = skipQuoted(src, i, to);
    return src.charCodeAt(end - 1) === c ? { name: src.slice(i + 1, end - 1), end } : undefined;
  }
  let end = i;
  while (end < to && isIdentifierChar(src.charCodeAt(end))) end++;
  return end === i || isWhitespace(c) ? undefined : { name: src.slice(i, end), end };
}
