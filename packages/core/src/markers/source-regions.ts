/**
 * Which parts of a source file can hold a marker. A `<GenImage>` inside a comment, a code sample
 * or a string is documentation or dead code, not a request for an image, so the walk steps over
 * those regions and hands every other `<` to the marker parser. The rules depend on the kind of
 * file because the same characters mean different things in a script and in prose.
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
 * - Vue and Svelte components: only their template is compiled as markup, so a `<GenImage>` in a
 *   `<script>` or `<style>` block (or, in a `.vue` file, anywhere outside its `<template>` block)
 *   is never a marker: nothing would render it.
 */
import { CHAR, isIdentifierChar, isLetter, isWhitespace } from './char-codes.ts';
import { findClose, skipQuoted } from './js-skip.ts';
import { isHtmlCased, isMarkerStart, nextMarkerStart } from './marker-tag.ts';

const { APOS, BACKSLASH, BACKTICK, COLON, CR, DQUOTE, EQ, GT, LBRACE, LF, LT, SLASH, SPACE, STAR, TAB, TILDE } = CHAR;

/**
 * What the walk reports to the marker parser, which owns the marker syntax and the diagnostics.
 * The callbacks take the parser's state as an argument instead of closing over it: V8 inlines
 * them into the per-character loops either way, but with a fresh closure per file those loops ran
 * about 15% slower.
 */
export interface RegionVisitor<Context> {
  /** A marker starts at `start`, outside anything that hides it: parse it, return where the walk resumes. */
  marker(context: Context, start: number): number;
  /** A comment or code block opened at `at` never closes, and so hides the marker at `hidden`. */
  hidden(context: Context, at: number, hidden: number, what: string): void;
}

/** Walks `src` by the rules of `file`'s dialect (see the top of this module). */
export function walkSource<Context>(src: string, file: string, visitor: RegionVisitor<Context>, context: Context): void {
  const dialect = dialectOf(file);
  const walk: Walk<Context> = { src, visitor, context, anyCase: isHtmlCased(file), scriptMarkers: !COMPONENT_TEMPLATE.test(file) };
  if (dialect === 'script') {
    scanScript(walk, 0, src.length);
  } else if (/\.vue$/i.test(file)) {
    const template = vueTemplate(src);
    if (template) scanMarkup(walk, template.start, template.end, false);
  } else {
    const body = skipFrontmatter(walk, file, dialect);
    scanMarkup(walk, body, src.length, dialect === 'markdown');
  }
}

interface Walk<Context> {
  src: string;
  visitor: RegionVisitor<Context>;
  context: Context;
  /** Markup read as HTML: `<genimage>` is a marker too (see `marker-tag.ts`). Scripts stay case-sensitive. */
  anyCase: boolean;
  /** Whether a `<script>` block's JavaScript may hold a marker (JSX): not in Vue and Svelte, whose templates are apart. */
  scriptMarkers: boolean;
}

/** Components whose compiler reads markers in the template only. */
const COMPONENT_TEMPLATE = /\.(vue|svelte)$/i;

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

function atLineStart(src: string, i: number, regionStart: number): boolean {
  let k = i - 1;
  while (k >= regionStart && (src.charCodeAt(k) === SPACE || src.charCodeAt(k) === TAB)) k--;
  return k < regionStart || src.charCodeAt(k) === LF || src.charCodeAt(k) === CR;
}

/** An unclosed comment or code block opened at `at` hides `[from, to)`: reports the first marker in it. */
function reportHidden<Context>(walk: Walk<Context>, at: number, from: number, to: number, what: string): void {
  const hidden = nextMarkerStart(walk.src, from, walk.anyCase);
  if (hidden !== -1 && hidden < to) walk.visitor.hidden(walk.context, at, hidden, what);
}

/** Skips `---` frontmatter at the start of the file: JavaScript in .astro, YAML in Markdown. */
function skipFrontmatter<Context>(walk: Walk<Context>, file: string, dialect: Dialect): number {
  const { src } = walk;
  const match = /^\uFEFF?\s*---[ \t]*\r?\n/.exec(src);
  if (match === null) return 0;
  const astro = file.toLowerCase().endsWith('.astro');
  if (!astro && dialect !== 'markdown') return 0;
  const fence = /^---[ \t]*$/gm;
  fence.lastIndex = match[0].length;
  const close = fence.exec(src);
  if (close === null) return 0;
  if (astro) scanScript(walk, match[0].length, close.index);
  return close.index + close[0].length;
}

function scanMarkup<Context>(walk: Walk<Context>, from: number, to: number, markdown: boolean): void {
  const { src } = walk;
  let i = from;
  while (i < to) {
    const c = src.charCodeAt(i);
    if (c === LT) i = atAngleInMarkup(walk, i, to);
    else if (c === LBRACE) i = atBraceInMarkup(src, i, to);
    else if (c === SLASH) i = atSlashInMarkup(src, i, from, to);
    else if (markdown && (c === BACKTICK || c === TILDE)) i = atMarkdownCode(walk, i, from, to);
    else i++;
  }
}

function atAngleInMarkup<Context>(walk: Walk<Context>, i: number, to: number): number {
  const { src } = walk;
  if (isMarkerStart(src, i, walk.anyCase)) return walk.visitor.marker(walk.context, i);
  if (src.startsWith('<!--', i)) {
    const end = src.indexOf('-->', i + 4);
    if (end !== -1 && end + 3 <= to) return end + 3;
    reportHidden(walk, i, i + 4, to, 'An HTML comment <!--');
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
    if (walk.scriptMarkers) scanScript(walk, tagEnd, bodyEnd);
    return bodyEnd;
  }
  return tagEnd;
}

/**
 * The inside of a Vue single-file component's top-level `<template>` block (nested `<template>`
 * elements included), or undefined when it has none or is not HTML (`lang="pug"`). Top-level
 * comments, scripts and styles are stepped over, so a `<template>` written in them is not it.
 */
function vueTemplate(src: string): { start: number; end: number } | undefined {
  const tags = /<!--[\s\S]*?-->|<(script|style)\b[\s\S]*?<\/\1\s*>|<template\b(?:"[^"]*"|'[^']*'|[^'">])*>|<\/template\s*>/gi;
  let depth = 0;
  let start = -1;
  for (const match of src.matchAll(tags)) {
    const tag = match[0];
    if (tag.startsWith('<!--') || match[1] !== undefined) continue;
    if (tag.startsWith('</')) {
      if (depth > 0 && --depth === 0) return { start, end: match.index };
    } else if (!tag.endsWith('/>') && depth++ === 0) {
      if (/\slang\s*=\s*["']?(?!html\b)\w/i.test(tag)) return undefined;
      start = match.index + tag.length;
    }
  }
  return undefined;
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
function atMarkdownCode<Context>(walk: Walk<Context>, i: number, regionStart: number, to: number): number {
  const { src } = walk;
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
    reportHidden(walk, i, i + run, to, 'A fenced code block');
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

function scanScript<Context>(walk: Walk<Context>, from: number, to: number): void {
  const { src } = walk;
  let i = from;
  while (i < to) {
    const c = src.charCodeAt(i);
    if (c === LT) {
      i = isMarkerStart(src, i) ? walk.visitor.marker(walk.context, i) : i + 1;
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
