import { replaceTagsOfSource, type RenderMarker } from '@genimage/core';

/**
 * The HTML string literal of a module compiled by Astro's Markdown plugin: `const html = ... "<p>...";`.
 * Astro's processor passes raw HTML through, so each `<GenImage ... />` of a `.md` page is there
 * verbatim (and in `rawContent()`, which is left alone).
 */
const HTML_LITERAL = /(const html = [^"\n]*)("(?:[^"\\\n]|\\.)*")/;

/**
 * `code`, a `.md` module as Astro compiled it from `source`, with the tags of its HTML replaced by
 * what `render()` makes, each located at its marker in `source` (see core's `replaceTagsOfSource`).
 * Returns undefined when there is nothing to replace.
 */
export async function replaceMarkdownTags(code: string, source: string, file: string, render: RenderMarker): Promise<string | undefined> {
  const literal = HTML_LITERAL.exec(code);
  if (!literal) return undefined;
  const html = literal[2]!;
  const replaced = await replaceTagsOfSource(JSON.parse(html) as string, source, file, render);
  if (replaced === undefined) return undefined;
  const at = literal.index + literal[1]!.length;
  return code.slice(0, at) + JSON.stringify(replaced) + code.slice(at + html.length);
}
