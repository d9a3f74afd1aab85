/**
 * Finding marker tags in text that is about to be rewritten, and splicing replacements in. The
 * parser (`markers/markers.ts`) is the only tag scanner: a tag spans what it says it spans, so a
 * tag over several lines or a `>` inside a quoted value reads as it does for the scan.
 */
import { diagnosticToError } from '../diagnostics.ts';
import { parseMarkers, type Marker, type Span } from '../markers/markers.ts';

/** Renders one marker: its attributes as read, and the marker it stands for (for its file and location). */
export type RenderMarker = (attributes: Record<string, unknown>, marker: Marker) => Promise<string>;

/**
 * The `<GenImage>` tags of `text` (a source, or HTML a tool made from one), exactly those the scan
 * finds: an example meant to be shown is written escaped, `&lt;GenImage`, as Markdown writes code.
 * `file` names the text in locations and picks its comment rules. A tag the parser rejects is an
 * error located in `text`, so it never ships raw.
 */
export function findTags(text: string, file: string): Marker[] {
  const { markers, diagnostics } = parseMarkers(text, file);
  const error = diagnostics.find((diagnostic) => diagnostic.severity === 'error');
  if (error) throw diagnosticToError(error);
  return markers;
}

/** A tag's attributes by name, as the renderer takes them. */
export function attributesOf(tag: Marker): Record<string, unknown> {
  return Object.fromEntries(tag.attributes.map((attribute) => [attribute.name, attribute.value]));
}

/** `text` with each span replaced by the replacement at the same index (spans in order, not overlapping). */
export function splice(text: string, spans: readonly Span[], replacements: readonly string[]): string {
  let result = '';
  let at = 0;
  spans.forEach(({ start, end }, index) => {
    result += text.slice(at, start) + replacements[index]!;
    at = end;
  });
  return result + text.slice(at);
}
