/**
 * Changes one attribute of one marker in its source file, the way a person would: only that
 * value's text changes, in the spelling it already has, and the rest of the file (formatting,
 * comments, the other markers) stays byte for byte. For tools that write a decision back into the
 * source, e.g. the seed a user picked.
 */
import { escapeHtml } from '../html.ts';
import { MARKER_OPEN } from '../markers/marker-tag.ts';
import type { LiteralValue, Marker, MarkerAttribute } from '../markers/markers.ts';
import { splice } from './tags.ts';

/**
 * `source` with attribute `name` of `marker` set to `value`. `marker` must have been parsed from
 * this `source` (its spans point into it). A value in braces stays in braces (`seed={42}`), a
 * quoted one stays quoted (`seed="42"`); an absent attribute is added after the last one, on a
 * line of its own when they each have one: text quoted, a number, boolean or list in braces where
 * the file type reads them (`.astro`, `.jsx`, `.tsx`, `.mdx`, `.svelte`), bound in Vue
 * (`:seed="42"`), quoted elsewhere.
 * @example editAttribute('<GenImage prompt="a fox" seed={1} />', marker, 'seed', 42) // '<GenImage prompt="a fox" seed={42} />'
 */
export function editAttribute(source: string, marker: Marker, name: string, value: LiteralValue): string {
  const { start, end } = marker.span;
  if (end <= start || !source.startsWith(MARKER_OPEN, start))
    throw new TypeError(`editAttribute: the marker at ${marker.location.line}:${marker.location.column} was not parsed from this source.`);
  if (!/^[A-Za-z_][\w-]*$/.test(name))
    throw new TypeError(`editAttribute: ${JSON.stringify(name)} is not an attribute name genimage writes.`);
  const fresh =
    VUE.test(marker.file) && typeof value !== 'string'
      ? // Vue reads a number or a list only bound: `seed="42"` would be the text "42".
        `:${name}="${JSON.stringify(value).replaceAll('"', "'")}"`
      : `${name}=${spell(value, BRACES.test(marker.file) && typeof value !== 'string' ? '{' : '"', marker.file)}`;
  const attribute = marker.attributes.find((candidate) => candidate.name === name);
  if (attribute === undefined) return splice(source, [insertionPoint(marker)], [`${separator(source, marker)}${fresh}`]);
  const bound = /^(:|v-bind:)/.test(source.slice(attribute.span.start, attribute.span.end));
  if (attribute.valueSpan !== undefined && !(bound && typeof value === 'string')) {
    // Vue's `:seed="42"` is JavaScript in quotes: a number or a list keeps reading the same.
    const spelling = bound
      ? `"${JSON.stringify(value).replaceAll('"', "'")}"`
      : spell(value, source[attribute.valueSpan.start]!, marker.file);
    return splice(source, [attribute.valueSpan], [spelling]);
  }
  // No value to replace (`eager`), or a bound one that is to become text: the whole attribute.
  return splice(source, [attribute.span], [fresh]);
}

/** File types whose compiler reads `name={literal}`. */
const BRACES = /\.(astro|jsx|tsx|mdx|svelte)$/i;
const VUE = /\.vue$/i;

/**
 * `value` as an attribute value in the delimiter the old one had (`{`, `"`, `'`, or a character of
 * an unquoted value). Text goes in quotes when the file's reader takes it back unchanged, else in
 * braces (where read) as a JavaScript string, else quoted with character references.
 */
function spell(value: LiteralValue, delimiter: string, file: string): string {
  if (delimiter === '{') return `{${jsLiteral(value)}}`;
  const text = Array.isArray(value) ? value.join(', ') : String(value);
  const quote = delimiter === "'" ? "'" : '"';
  if (delimiter !== '"' && delimiter !== "'" && /^[\w.:-]+$/.test(text)) return text;
  if (fitsQuotes(text, quote, file)) return `${quote}${text}${quote}`;
  if (BRACES.test(file)) return `{${jsLiteral(value)}}`;
  return `${quote}${escapeHtml(text)}${quote}`;
}

/**
 * Whether `text` between `quote`s reads back as itself: Astro decodes `\` escapes, the others `&`
 * references, and Svelte reads `{...}` inside quotes as an expression.
 */
function fitsQuotes(text: string, quote: string, file: string): boolean {
  if (text.includes(quote) || (/\.svelte$/i.test(file) && text.includes('{'))) return false;
  return !text.includes(/\.astro$/i.test(file) ? '\\' : '&');
}

function jsLiteral(value: LiteralValue): string {
  return Array.isArray(value) ? `[${value.map((item) => JSON.stringify(item)).join(', ')}]` : JSON.stringify(value);
}

/** Just past the last attribute, or past `<GenImage` when there is none. */
function insertionPoint(marker: Marker): { start: number; end: number } {
  const at = marker.attributes.at(-1)?.span.end ?? marker.span.start + MARKER_OPEN.length;
  return { start: at, end: at };
}

/** What goes before a new attribute: a line break and indentation when the last attribute has its own line, else a space. */
function separator(source: string, marker: Marker): string {
  const last: MarkerAttribute | undefined = marker.attributes.at(-1);
  if (last === undefined) return ' ';
  const before = marker.attributes.at(-2)?.span.end ?? marker.span.start + MARKER_OPEN.length;
  const gap = source.slice(before, last.span.start);
  const lineBreak = gap.lastIndexOf('\n');
  return lineBreak !== -1 && /^\s*$/.test(gap.slice(lineBreak)) ? gap.slice(lineBreak) : ' ';
}
