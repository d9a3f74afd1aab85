import { type Marker, type SourceLocation, diagnosticToError, isDynamic, parseMarkers } from '@genimage/core';

/** One raw `<GenImage ... />` left in HTML: where it is and what the parser read in it. */
export interface RawTag {
  start: number;
  end: number;
  /** Located in the HTML it was found in. */
  tag: Marker;
}

/**
 * Finds the raw `<GenImage>` tags in HTML with core's marker parser (so multi-line tags and a `>`
 * inside a quoted value read as they do in the source, and exactly the tags the scanner finds and
 * generates: an example meant to be shown is written escaped, `&lt;GenImage`, as Markdown writes
 * code). `file` names the HTML in locations. A tag the parser rejects is an error located in that HTML.
 */
export function findRawTags(html: string, file: string): RawTag[] {
  const { markers, diagnostics } = parseMarkers(html, file);
  const error = diagnostics.find((diagnostic) => diagnostic.severity === 'error');
  if (error) throw diagnosticToError(error);
  const tags: RawTag[] = [];
  for (const tag of markers) {
    const start = offsetOf(html, tag.location);
    const end = tagEnd(html, start);
    if (end !== -1) tags.push({ start, end, tag });
  }
  return tags;
}

/**
 * Replaces each raw tag with `render()`'s HTML. `origin` finds the source marker a tag came from
 * (its file decides relative reference paths and error locations); without one the tag stands for
 * itself. Returns undefined when there is nothing to replace.
 */
export async function replaceRawTags(
  html: string,
  file: string,
  origin: (tag: Marker) => Marker | undefined,
  render: (attributes: Record<string, unknown>, marker: Marker) => Promise<string>,
): Promise<string | undefined> {
  const tags = findRawTags(html, file);
  if (tags.length === 0) return undefined;
  const rendered = await Promise.all(
    tags.map(({ tag }) => {
      const marker = origin(tag) ?? tag;
      return render(Object.fromEntries(tag.attributes.map((attribute) => [attribute.name, attribute.value])), marker);
    }),
  );
  return spliceTags(html, tags, rendered);
}

/** `text` with each tag's range replaced by the replacement at the same index (tags in order). */
export function spliceTags(text: string, tags: readonly Pick<RawTag, 'start' | 'end'>[], replacements: readonly string[]): string {
  let result = '';
  let at = 0;
  tags.forEach(({ start, end }, index) => {
    result += text.slice(at, start) + replacements[index]!;
    at = end;
  });
  return result + text.slice(at);
}

/** Literal attribute values of a marker, sorted: equal for a source marker and its raw tag. */
export function signature(marker: Marker): string {
  const literal = marker.attributes.filter((attribute) => !isDynamic(attribute.value)).map((attribute) => [attribute.name, String(attribute.value)]);
  return JSON.stringify(literal.sort());
}

export function offsetOf(source: string, location: Pick<SourceLocation, 'line' | 'column'>): number {
  let offset = 0;
  for (let current = 1; current < location.line; current++) {
    const next = source.indexOf('\n', offset);
    if (next === -1) return -1;
    offset = next + 1;
  }
  return offset + location.column - 1;
}

/** Where the tag starting at `start` ends: after `/>`, or after `</GenImage>` when written open. */
function tagEnd(html: string, start: number): number {
  let quote = '';
  let depth = 0;
  for (let i = start + '<GenImage'.length; i < html.length; i++) {
    const c = html[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || (c === '`' && depth > 0)) {
      quote = c;
    } else if (c === '{') {
      depth++;
    } else if (c === '}') {
      depth--;
    } else if (c === '>' && depth === 0) {
      if (html[i - 1] === '/') return i + 1;
      const close = /<\/GenImage\s*>/g;
      close.lastIndex = i + 1;
      const found = close.exec(html);
      const next = html.indexOf('<GenImage', i + 1);
      return found && (next === -1 || found.index < next) ? found.index + found[0].length : i + 1;
    }
  }
  return -1;
}
