/**
 * Replacing the `<GenImage>` tags of HTML with what the renderer makes: a page Vite processed, the
 * HTML a Markdown compiler made, a page a framework built.
 */
import type { Marker } from '../markers/markers.ts';
import { markerMatcher } from './match.ts';
import { attributesOf, findTags, splice, type RenderMarker } from './tags.ts';

/**
 * `html` with each raw tag replaced by `render()`'s HTML. `origin` finds the source marker a tag
 * came from (see `match.ts`); without one the tag stands for itself, located in the HTML (`file`).
 * Returns undefined when there is nothing to replace.
 */
export async function replaceTags(
  html: string,
  file: string,
  origin: (tag: Marker) => Marker | undefined,
  render: RenderMarker,
): Promise<string | undefined> {
  const tags = findTags(html, file);
  if (tags.length === 0) return undefined;
  const rendered = await Promise.all(tags.map((tag) => render(attributesOf(tag), origin(tag) ?? tag)));
  return splice(
    html,
    tags.map((tag) => tag.span),
    rendered,
  );
}

/**
 * Replaces the raw tags of `html`, which was made from `source` (a Markdown file, or an HTML page
 * after Vite processed it): each tag is matched to the marker the scan finds in the source, for
 * its location. A marker the parser rejects fails here, located in the source, rather than
 * reaching the page raw; a tag with no marker in the source is located there as its HTML file.
 */
export async function replaceTagsOfSource(html: string, source: string, file: string, render: RenderMarker): Promise<string | undefined> {
  const match = markerMatcher(findTags(source, file), { once: true });
  const origin = (tag: Marker): Marker => match(tag) ?? { ...tag, file, location: { ...tag.location, file } };
  return replaceTags(html, file.replace(/\.\w+$/, '.html'), origin, render);
}
