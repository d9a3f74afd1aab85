import { GENERATION_ATTRIBUTES, type GenerationAttribute, dynamicAttributeError, GenImageError, InvalidAttribute, InvalidOptions, type Marker, ORIGIN_ATTRIBUTE, diagnosticToError, htmlToJsx, isDynamic, parseMarkers } from '@genimage/core';
import { findRawTags, offsetOf, replaceRawTags, signature, spliceTags } from './raw-tags.ts';

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

type Render = (attributes: Record<string, unknown>, marker: Marker) => Promise<string>;

/**
 * Markdown: Astro's processor passes raw HTML through, so the compiled `.md` module holds each
 * `<GenImage ... />` verbatim in its HTML string (`rawContent()` is left alone). The string is
 * decoded and its tags replaced by `replaceTagsOfSource`.
 */
export async function replaceMarkdownTags(code: string, source: string, file: string, render: Render): Promise<string | undefined> {
  const literal = HTML_LITERAL.exec(code);
  if (!literal) return undefined;
  const html = literal[2]!;
  const replaced = await replaceTagsOfSource(JSON.parse(html) as string, source, file, render);
  if (replaced === undefined) return undefined;
  const at = literal.index + literal[1]!.length;
  return code.slice(0, at) + JSON.stringify(replaced) + code.slice(at + html.length);
}

/**
 * Replaces the raw tags of `html`, which was made from `source` (a Markdown file, or an HTML page
 * after Vite processed it): the tags are read by the marker parser (a tag may span lines, a value
 * may hold `>`); each is matched to the marker the scanner finds in the source (same attributes,
 * in order) for its location, and replaced by `render()`'s HTML. A marker the parser rejects
 * fails here, located in the source, rather than reaching the page raw.
 */
export async function replaceTagsOfSource(html: string, source: string, file: string, render: Render): Promise<string | undefined> {
  const { markers, diagnostics } = parseMarkers(source, file);
  const error = diagnostics.find((diagnostic) => diagnostic.severity === 'error');
  if (error) throw diagnosticToError(error);
  const remaining = [...markers];
  const origin = (tag: Marker): Marker => {
    const index = remaining.findIndex((marker) => signature(marker) === signature(tag));
    return index === -1 ? { ...tag, file, location: { ...tag.location, file } } : remaining.splice(index, 1)[0]!;
  };
  return replaceRawTags(html, file.replace(/\.\w+$/, '.html'), origin, render);
}

/** Rendering attributes a JSX marker may give as expressions: they go onto the `<img>` as written. */
const JSX_EXPRESSIONS: Record<string, string> = {
  alt: 'alt',
  className: 'className',
  class: 'className',
  style: 'style',
  sizes: 'sizes',
  loading: 'loading',
  decoding: 'decoding',
  fetchPriority: 'fetchPriority',
  fetchpriority: 'fetchPriority',
};

/**
 * React (`.jsx`/`.tsx`): each literal `<GenImage ... />` of a component becomes the JSX of the
 * `<picture>` the renderer makes for it, before the JSX is compiled, so server rendering, static
 * prerendering and the browser all show the same markup and the browser bundle does no image
 * work. `alt`, `className`, `style`, `sizes`, `loading`, `decoding` and `fetchPriority` may be
 * expressions, passed on to the `<img>`; any other expression cannot be read at build time and is
 * an error at its location. Returns undefined when there is nothing to replace.
 */
export async function replaceJsxMarkers(code: string, file: string, render: Render, publicPath = '/'): Promise<string | undefined> {
  const tags = findRawTags(code, file);
  if (tags.length === 0) return undefined;
  if (publicPath.startsWith('.')) {
    // A URL relative to the document breaks on every nested route of an app.
    throw new GenImageError(InvalidOptions, `A relative base (${publicPath}) cannot serve the images of a component: its URLs would resolve against each route.`, {
      location: tags[0]!.tag.location,
      hint: "Set Vite's `base` to an absolute path, such as \"/\" or \"/docs/\".",
    });
  }
  const replacements = await Promise.all(
    tags.map(async ({ tag }) => {
      const attributes: Record<string, unknown> = {};
      const expressions: Record<string, string> = {};
      for (const attribute of tag.attributes) {
        if (!isDynamic(attribute.value)) {
          attributes[attribute.name] = attribute.value;
          continue;
        }
        const prop = JSX_EXPRESSIONS[attribute.name];
        if (prop === undefined) {
          if (attribute.name === '...') continue; // a warning of the scan: what it sets is not read
          if (GENERATION_ATTRIBUTES.includes(attribute.name as never)) {
            // Never rendered with defaults in its place (that would pay for an image nobody asked for); in the scan's words.
            throw diagnosticToError(dynamicAttributeError(attribute, attribute.name as GenerationAttribute));
          }
          throw new GenImageError(InvalidAttribute, `${attribute.name}={${attribute.value.expression}} is an expression; in a component the image is made at build time, so only ${Object.keys(JSX_EXPRESSIONS).filter((name) => name !== 'class' && name !== 'fetchpriority').join(', ')} may be expressions.`, {
            location: attribute.location,
            hint: `Write ${attribute.name} as a literal, e.g. ${attribute.name}={[480, 960]} or ${attribute.name}="value".`,
          });
        }
        // The renderer needs a value to check; the expression replaces it on the <img>.
        if (prop === 'alt') attributes['alt'] = '';
        expressions[prop] = attribute.value.expression;
      }
      return htmlToJsx(await render(attributes, tag), expressions);
    }),
  );
  return spliceTags(code, tags, replacements);
}
