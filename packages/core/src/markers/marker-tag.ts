/**
 * The marker's tag and how to spot one in text. A module of its own because both the region walk
 * (`source-regions.ts`) and the marker parser (`markers.ts`) must tell a marker start from
 * `<GenImageFoo`, and the parser imports the walk, so the walk cannot import the parser.
 */
import { CHAR, isWhitespace } from './char-codes.ts';

const { GT, SLASH } = CHAR;

export const MARKER_TAG = 'GenImage';
export const MARKER_OPEN = `<${MARKER_TAG}`;
/** A marker start: `<GenImage` followed by whitespace, `/` or `>` (not `<GenImageFoo`, `<GenImage.Foo`). */
const MARKER_START = /<GenImage[\s/>]/g;

export function isMarkerStart(src: string, i: number): boolean {
  if (!src.startsWith(MARKER_OPEN, i)) return false;
  const next = src.charCodeAt(i + MARKER_OPEN.length);
  // At the very end of the file it is a marker that is never closed.
  return Number.isNaN(next) || isWhitespace(next) || next === SLASH || next === GT;
}

/** The offset of the first marker start at or after `from`, or -1. */
export function nextMarkerStart(src: string, from: number): number {
  MARKER_START.lastIndex = from;
  return MARKER_START.exec(src)?.index ?? -1;
}
