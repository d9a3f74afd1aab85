/**
 * Which source marker a tag found in generated HTML came from. A tool (Markdown, a content layer,
 * Vite's HTML processing) copies the tag but not its place, so the tag is matched by what it says:
 * the same literal attributes. The source marker gives the file that relative reference paths
 * resolve against and the location errors point at.
 */
import { isDynamic, type Marker } from '../markers/markers.ts';

/** A marker's literal attributes, sorted: the same for a source marker and the tag copied from it. */
export function signature(marker: Marker): string {
  const literal = marker.attributes
    .filter((attribute) => !isDynamic(attribute.value))
    .map((attribute) => [attribute.name, String(attribute.value)]);
  return JSON.stringify(literal.sort());
}

/**
 * A function from a tag to the first of `markers` with its signature, or undefined. With `once`,
 * each marker answers one tag (the HTML of one source, whose tags come in the source's order, so
 * two equal markers keep their own locations); without, any number (a marker copied into many pages).
 */
export function markerMatcher(markers: readonly Marker[], options: { once?: boolean } = {}): (tag: Marker) => Marker | undefined {
  const remaining = [...markers];
  return (tag) => {
    const index = remaining.findIndex((marker) => signature(marker) === signature(tag));
    if (index === -1) return undefined;
    return options.once ? remaining.splice(index, 1)[0] : remaining[index];
  };
}
