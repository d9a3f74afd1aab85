/**
 * Changes one option of one image function call (`genImage({ prompt: "…", seed: 1 })`) in its
 * source, as `edit-attribute.ts` does for a tag: only that value's text changes; an absent option
 * is added after the last one in the style of its neighbours (on a line of its own when they each
 * have one, with a trailing comma when they have one), and the rest of the file stays byte for byte.
 */
import { CHAR } from '../markers/char-codes.ts';
import { IMAGE_FUNCTION } from '../markers/call-markers.ts';
import { skipJsTrivia } from '../markers/js-skip.ts';
import type { LiteralValue, Marker } from '../markers/markers.ts';
import { splice } from './tags.ts';

/**
 * `source` with option `name` of the call `marker` set to `value`, written as a JavaScript
 * literal. `marker` must have been parsed from this `source` (`parseCallMarkers`).
 * @example editCallOption('genImage({ prompt: "a fox", seed: 1 })', marker, 'seed', 42) // 'genImage({ prompt: "a fox", seed: 42 })'
 */
export function editCallOption(source: string, marker: Marker, name: string, value: LiteralValue): string {
  if (!marker.call || !source.startsWith(IMAGE_FUNCTION, marker.span.start))
    throw new TypeError(`editCallOption: the call at ${marker.location.line}:${marker.location.column} was not parsed from this source.`);
  if (!/^[A-Za-z_$][\w$]*$/.test(name))
    throw new TypeError(`editCallOption: ${JSON.stringify(name)} is not an option name genimage writes.`);
  const literal = jsLiteral(value);
  const option = marker.attributes.find((candidate) => candidate.name === name);
  if (option?.valueSpan) return splice(source, [option.valueSpan], [literal]);
  const fresh = `${name}: ${literal}`;
  const last = marker.attributes.at(-1);
  if (last === undefined) {
    const brace = source.indexOf('{', marker.span.start);
    return splice(source, [{ start: brace + 1, end: brace + 1 }], [` ${fresh} `]);
  }
  const indent = ownLineIndent(source, marker, last.span.start);
  const afterLast = skipJsTrivia(source, last.span.end, marker.span.end);
  const trailingComma = source.charCodeAt(afterLast) === CHAR.COMMA;
  if (indent === undefined) return splice(source, [at(last.span.end)], [`, ${fresh}`]);
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  if (trailingComma) {
    // After the comma's line, so that a comment ending it stays on it.
    const lineEnd = endOfLine(source, afterLast + 1);
    return splice(source, [at(lineEnd)], [`${eol}${indent}${fresh},`]);
  }
  const lineEnd = endOfLine(source, last.span.end);
  return splice(source, [at(last.span.end), at(lineEnd)], [',', `${eol}${indent}${fresh}`]);
}

function at(offset: number): { start: number; end: number } {
  return { start: offset, end: offset };
}

/** The indentation of the option starting at `start` when it has a line of its own, else undefined. */
function ownLineIndent(source: string, marker: Marker, start: number): string | undefined {
  const lineStart = source.lastIndexOf('\n', start - 1) + 1;
  if (lineStart <= marker.span.start) return undefined;
  const indent = source.slice(lineStart, start);
  return /^[ \t]*$/.test(indent) ? indent : undefined;
}

/**
 * Where the line holding `from` ends (before its `\r\n` or `\n`), when only blanks and comments
 * follow `from` on it; else `from` itself (more code follows on that line).
 */
function endOfLine(source: string, from: number): number {
  const newline = source.indexOf('\n', from);
  const end = newline === -1 ? source.length : source[newline - 1] === '\r' ? newline - 1 : newline;
  const rest = source.slice(from, end);
  return /^(\s|\/\*.*?\*\/)*(\/\/.*)?$/.test(rest) ? end : from;
}

function jsLiteral(value: LiteralValue): string {
  return Array.isArray(value) ? `[${value.map((item) => JSON.stringify(item)).join(', ')}]` : JSON.stringify(value);
}
