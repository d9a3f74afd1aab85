/**
 * The marker's tag and how to spot one in text. A module of its own because both the region walk
 * (`source-regions.ts`) and the marker parser (`markers.ts`) must tell a marker start from
 * `<GenImageFoo`, and the parser imports the walk, so the walk cannot import the parser.
 *
 * HTML reads tag names whatever their case, so in HTML pages and Markdown (whose raw HTML is
 * HTML) `<genimage>` is a marker too: left unrecognized, it would ship raw and silently. JSX,
 * MDX, Astro, Vue and Svelte tell `GenImage` from `genimage` (an HTML element), and so do we there.
 */
import { CHAR, isWhitespace } from './char-codes.ts';

const { GT, SLASH } = CHAR;

export const MARKER_TAG = 'GenImage';
export const MARKER_OPEN = `<${MARKER_TAG}`;
const MARKER_OPEN_LOWER = MARKER_OPEN.toLowerCase();
/** A marker start: `<GenImage` followed by whitespace, `/` or `>` (not `<GenImageFoo`, `<GenImage.Foo`). */
const MARKER_START = /<GenImage[\s/>]/g;
const MARKER_START_ANY_CASE = /<GenImage[\s/>]/gi;

/**
 * A quick test for text that may hold a marker, in any case, before the parser decides: what an
 * adapter checks before it parses a page, a module or a built file.
 */
export const MAY_HOLD_MARKER = /<GenImage/i;

/** Whether `file` is read as HTML, where tag and attribute names match whatever their case: `.html`, `.htm`, `.md`, `.markdown`. */
export function isHtmlCased(file: string): boolean {
  return /\.(html?|md|markdown)$/i.test(file);
}

export function isMarkerStart(src: string, i: number, anyCase = false): boolean {
  const open = src.startsWith(MARKER_OPEN, i) || (anyCase && src.slice(i, i + MARKER_OPEN.length).toLowerCase() === MARKER_OPEN_LOWER);
  if (!open) return false;
  const next = src.charCodeAt(i + MARKER_OPEN.length);
  // At the very end of the file it is a marker that is never closed.
  return Number.isNaN(next) || isWhitespace(next) || next === SLASH || next === GT;
}

/** The offset of the first marker start at or after `from`, or -1. */
export function nextMarkerStart(src: string, from: number, anyCase = false): number {
  const start = anyCase ? MARKER_START_ANY_CASE : MARKER_START;
  start.lastIndex = from;
  return start.exec(src)?.index ?? -1;
}
