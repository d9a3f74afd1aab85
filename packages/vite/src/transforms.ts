import { type Marker, ORIGIN_ATTRIBUTE, isDynamic, parseMarkers } from '@genimage/core';

function offsetOf(source: string, line: number, column: number): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const next = source.indexOf('\n', offset);
    if (next === -1) return -1;
    offset = next + 1;
  }
  return offset + column - 1;
}

/**
 * Adds `__genimageOrigin="file:line:column"` to each `<GenImage` tag the scanner finds in a source
 * (comments and code blocks are skipped the same way), so that the component rendering it knows
 * its marker: reference paths resolve against that file and errors point at that line.
 * Returns undefined when there is nothing to change.
 */
export function injectOrigins(source: string, file: string): string | undefined {
  const { markers } = parseMarkers(source, file);
  if (markers.length === 0) return undefined;
  let result = source;
  // From the last marker to the first, so earlier offsets stay valid.
  for (const marker of [...markers].reverse()) {
    const offset = offsetOf(source, marker.location.line, marker.location.column);
    if (offset < 0 || !source.startsWith('<GenImage', offset)) continue;
    const at = offset + '<GenImage'.length;
    const origin = `${marker.file}:${marker.location.line}:${marker.location.column}`;
    result = `${result.slice(0, at)} ${ORIGIN_ATTRIBUTE}="${origin.replace(/"/g, '&quot;')}"${result.slice(at)}`;
  }
  return result;
}

/** Literal attribute values of a marker, for matching. */
function signature(marker: Marker): string {
  const literal = marker.attributes.filter((attribute) => !isDynamic(attribute.value)).map((attribute) => [attribute.name, String(attribute.value)]);
  return JSON.stringify(literal.sort());
}

/** Raw `<GenImage .../>` tags inside the JSON string literals of a compiled module. */
const RAW_TAG = /<GenImage(?:\s(?:[^<>"]|\\")*)?\/?>(?:<\/GenImage>)?/g;

/** The HTML string literal of a module compiled by Astro's Markdown plugin: `const html = ... "<p>...";`. */
const HTML_LITERAL = /(const html = [^"\n]*)("(?:[^"\\\n]|\\.)*")/;

/**
 * Markdown: Astro's processor passes raw HTML through, so the compiled `.md` module holds each
 * `<GenImage ... />` verbatim in its HTML string (`rawContent()` is left alone). Each is matched to
 * the marker the scanner found in the source (same attributes, in order; code blocks hold none,
 * their `<` is escaped) and replaced by `render()`'s HTML.
 */
export async function replaceMarkdownTags(
  code: string,
  source: string,
  file: string,
  render: (attributes: Record<string, unknown>, marker: Marker) => Promise<string>,
): Promise<string | undefined> {
  const literal = HTML_LITERAL.exec(code);
  if (!literal) return undefined;
  const html = literal[2]!;
  const found = [...html.matchAll(RAW_TAG)];
  if (found.length === 0) return undefined;
  const remaining = parseMarkers(source, file).markers;
  const replacements = await Promise.all(
    found.map(async (match) => {
      const tag = JSON.parse(`"${match[0]}"`) as string;
      const [parsed] = parseMarkers(tag, file.replace(/\.\w+$/, '.html')).markers;
      if (!parsed) return match[0];
      const index = remaining.findIndex((marker) => signature(marker) === signature(parsed));
      const marker = index === -1 ? { ...parsed, file, location: { ...parsed.location, file } } : remaining.splice(index, 1)[0]!;
      const attributes = Object.fromEntries(marker.attributes.map((attribute) => [attribute.name, attribute.value]));
      return JSON.stringify(await render(attributes, marker)).slice(1, -1);
    }),
  );
  let index = 0;
  const replaced = html.replace(RAW_TAG, () => replacements[index++]!);
  const at = literal.index + literal[1]!.length;
  return code.slice(0, at) + replaced + code.slice(at + html.length);
}
