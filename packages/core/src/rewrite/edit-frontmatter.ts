/**
 * Changes one key of one image declared in Markdown frontmatter (`hero: { prompt: …, seed: 1 }`
 * or the same as a block mapping), as `edit-attribute.ts` does for a tag: only that value's text
 * changes; an absent key is added after the last one, in the mapping's own style (inside the
 * braces of a flow mapping, on a line of its own at the same indentation in a block mapping), and
 * the rest of the file, comments included, stays byte for byte.
 */
import type { LiteralValue, Marker } from '../markers/markers.ts';
import { splice } from './tags.ts';

/**
 * `source` with key `name` of the frontmatter declaration `marker` set to `value`. `marker` must
 * have been parsed from this `source` (`parseFrontmatterMarkers`).
 * @example editFrontmatterValue('---\nhero:\n  prompt: a fox\n  alt: A fox\n---\n', marker, 'seed', 42) // '…  alt: A fox\n  seed: 42\n---\n'
 */
export function editFrontmatterValue(source: string, marker: Marker, name: string, value: LiteralValue): string {
  const last = marker.attributes.reduce<Marker['attributes'][number] | undefined>(
    (latest, attribute) => (latest === undefined || attribute.span.end > latest.span.end ? attribute : latest),
    undefined,
  );
  if (!marker.frontmatter || last === undefined || marker.span.end > source.length)
    throw new TypeError(
      `editFrontmatterValue: the declaration at ${marker.location.line}:${marker.location.column} was not parsed from this source.`,
    );
  if (!/^[A-Za-z_][\w-]*$/.test(name)) throw new TypeError(`editFrontmatterValue: ${JSON.stringify(name)} is not a key genimage writes.`);
  const scalar = yamlScalar(value);
  const entry = marker.attributes.find((candidate) => candidate.name === name);
  if (entry?.valueSpan) return splice(source, [entry.valueSpan], [scalar]);
  const fresh = `${name}: ${scalar}`;
  if (source[marker.span.start] === '{') return splice(source, [at(last.span.end)], [`, ${fresh}`]);
  const lineStart = source.lastIndexOf('\n', last.span.start - 1) + 1;
  // The last key's column, as spaces: YAML indents with spaces only, and a `- ` before it counts.
  const indent = ' '.repeat(last.span.start - lineStart);
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  // A block scalar (`alt: |`) ends after its last line break; any other value ends on its line, maybe before a comment.
  if (source[last.span.end - 1] === '\n') return splice(source, [at(last.span.end)], [`${indent}${fresh}${eol}`]);
  const newline = source.indexOf('\n', last.span.end);
  const lineEnd = newline === -1 ? source.length : source[newline - 1] === '\r' ? newline - 1 : newline;
  return splice(source, [at(lineEnd)], [`${eol}${indent}${fresh}`]);
}

function at(offset: number): { start: number; end: number } {
  return { start: offset, end: offset };
}

/** A number or boolean as it is; text double-quoted (JSON's escapes are YAML's); a list in flow style. */
function yamlScalar(value: LiteralValue): string {
  if (Array.isArray(value)) return `[${value.map((item) => yamlScalar(item)).join(', ')}]`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
