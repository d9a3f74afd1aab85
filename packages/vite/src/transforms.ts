import { type Marker, ORIGIN_ATTRIBUTE, diagnosticToError, parseMarkers } from '@genimage/core';
import { offsetOf, replaceRawTags, signature } from './raw-tags.ts';

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
    const offset = offsetOf(source, marker.location);
    if (offset < 0 || !source.startsWith('<GenImage', offset)) continue;
    const at = offset + '<GenImage'.length;
    const origin = `${marker.file}:${marker.location.line}:${marker.location.column}`;
    result = `${result.slice(0, at)} ${ORIGIN_ATTRIBUTE}="${origin.replace(/"/g, '&quot;')}"${result.slice(at)}`;
  }
  return result;
}

/** The HTML string literal of a module compiled by Astro's Markdown plugin: `const html = ... "<p>...";`. */
const HTML_LITERAL = /(const html = [^"\n]*)("(?:[^"\\\n]|\\.)*")/;

/**
 * Markdown: Astro's processor passes raw HTML through, so the compiled `.md` module holds each
 * `<GenImage ... />` verbatim in its HTML string (`rawContent()` is left alone). The string is
 * decoded and its tags read by the marker parser (a tag may span lines, a value may hold `>`);
 * each is matched to the marker the scanner finds in the source (same attributes, in order) for
 * its location, and replaced by `render()`'s HTML. A marker the parser rejects fails here, located
 * in the source, rather than reaching the page raw.
 */
export async function replaceMarkdownTags(
  code: string,
  source: string,
  file: string,
  render: (attributes: Record<string, unknown>, marker: Marker) => Promise<string>,
): Promise<string | undefined> {
  const literal = HTML_LITERAL.exec(code);
  if (!literal) return undefined;
  const { markers, diagnostics } = parseMarkers(source, file);
  const error = diagnostics.find((diagnostic) => diagnostic.severity === 'error');
  if (error) throw diagnosticToError(error);
  const remaining = [...markers];
  const origin = (tag: Marker): Marker => {
    const index = remaining.findIndex((marker) => signature(marker) === signature(tag));
    return index === -1 ? { ...tag, file, location: { ...tag.location, file } } : remaining.splice(index, 1)[0]!;
  };
  const html = literal[2]!;
  const replaced = await replaceRawTags(JSON.parse(html) as string, file.replace(/\.\w+$/, '.html'), origin, render);
  if (replaced === undefined) return undefined;
  const at = literal.index + literal[1]!.length;
  return code.slice(0, at) + JSON.stringify(replaced) + code.slice(at + html.length);
}
