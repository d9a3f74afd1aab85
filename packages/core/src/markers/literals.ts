/**
 * Literal attribute values: JavaScript strings, template literals without `${`, numbers,
 * booleans and arrays of them, and the HTML entities of quoted values. Only a literal is known
 * before the page renders, so only a literal can pick an image at build time; anything else is
 * reported as dynamic rather than guessed. Escapes and entities are decoded here so that
 * `prompt="a &quot;red&quot; fox"` and `prompt={'a "red" fox'}` ask for the same image.
 */
import { CHAR, isDigit, isIdentifierChar } from './char-codes.ts';
import { skipJsTrivia } from './js-skip.ts';

const { APOS, BACKSLASH, BACKTICK, COMMA, DOLLAR, DOT, DQUOTE, LBRACE, LBRACKET, LF, RBRACKET } = CHAR;

/** A literal value as written: `"a"`, `{42}`, `{true}`, a bare attribute, `{["a.png", "b.png"]}`. */
export type LiteralScalar = string | number | boolean;
export type LiteralValue = LiteralScalar | LiteralScalar[];

export type LiteralResult =
  | { kind: 'value'; value: LiteralValue; end: number }
  | { kind: 'error'; at: number; message: string }
  | { kind: 'dynamic' };

const NUMBER = /[+-]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/y;

/** Whether `c` can start a literal: tells a typo like `{1 2}` from an expression like `{a + b}`. */
export function startsLiteral(c: number): boolean {
  return c === DQUOTE || c === APOS || c === BACKTICK || isDigit(c) || c === LBRACKET;
}

/** A JavaScript literal at `i` (within `to`): string, template without `${`, number, boolean, array. */
export function parseLiteral(src: string, i: number, to: number, allowArray: boolean): LiteralResult {
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
    else if (startsLiteral(d))
      return { kind: 'error', at: j, message: 'has an array with a missing ",": expected "," or "]" between elements.' };
    else return { kind: 'dynamic' };
  }
}

const NAMED_ENTITIES: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]+));/g, (match, decimal?: string, hex?: string, name?: string) => {
    if (name !== undefined) return NAMED_ENTITIES[name] ?? match;
    const codePoint = decimal !== undefined ? Number(decimal) : Number.parseInt(hex ?? '', 16);
    return codePoint > 0x10ffff ? match : String.fromCodePoint(codePoint);
  });
}

/**
 * An attribute's text as Astro's compiler hands it to a component: escapes read as in a
 * JavaScript string (`\n` is a newline, `\u00e9` is "é", a backslash before a line break joins
 * the lines), except that a backslash JavaScript would drop before another character stays
 * (`\s` is "\s"), and entities stay as written (`&amp;` is "&amp;"). Pinned by the parity test's
 * corpus (test/fixtures/astro-parity) against the real compiler.
 */
export function decodeAstroText(raw: string): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(
    /\\(?:u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(0)(?![0-9])|(\r\n|[nrtbvf\\'"`\n\r\u2028\u2029]))/g,
    (match, braced?: string, unicode?: string, hex?: string, nul?: string, other?: string) => {
      const digits = braced ?? unicode ?? hex;
      if (digits !== undefined) {
        const codePoint = Number.parseInt(digits, 16);
        return codePoint > 0x10ffff ? match : String.fromCodePoint(codePoint);
      }
      if (nul !== undefined) return '\0';
      if (other === '\n' || other === '\r\n' || other === '\r' || other === '\u2028' || other === '\u2029') return '';
      return SIMPLE_ESCAPES[other!] ?? other!;
    },
  );
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
