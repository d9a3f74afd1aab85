/**
 * Steps over JavaScript without parsing it: strings, comments, `{...}` expressions and template
 * literals. Markers sit in files full of JavaScript (scripts, frontmatter, `{...}` in templates),
 * and a quote, brace or `<GenImage` inside that code must neither end a region early nor count
 * as a marker. No JavaScript parser is used: the code comes in several dialects (TypeScript, JSX,
 * Vue and Svelte expressions), may be half-written while the file is edited, and all the scanner
 * needs is where a construct ends.
 */
import { CHAR, isIdentifierChar, isWhitespace } from './char-codes.ts';

const { APOS, BACKSLASH, BACKTICK, DOLLAR, DQUOTE, LBRACE, LF, RBRACE, SLASH, STAR } = CHAR;

/**
 * Skips a '...' or "..." string from its opening quote; returns the offset after it. Ends at a
 * line break too: a JavaScript string cannot span lines, and stopping there keeps a stray quote
 * from swallowing the rest of the file.
 */
export function skipQuoted(src: string, i: number, to: number): number {
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
export function findClose(src: string, from: number, opener: number): number {
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
export function skipJsTrivia(src: string, i: number, to: number): number {
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
