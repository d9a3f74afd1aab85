/**
 * React (`.jsx`/`.tsx`): each literal `<GenImage ... />` of a component becomes the JSX of the
 * `<picture>` the renderer makes for it, before the JSX is compiled, so server rendering, static
 * prerendering and the browser all show the same markup and the browser bundle does no image work.
 */
import { attributeNameOf, expressionProp, expressionProps, GENERATION_ATTRIBUTES, type GenerationAttribute } from '../attributes.ts';
import { dynamicAttributeError } from '../markers/marker-params.ts';
import { unknownAttributeError } from '../markers/unknown-attributes.ts';
import { isDynamic, type DynamicValue, type Marker, type MarkerAttribute } from '../markers/markers.ts';
import { diagnosticToError } from '../diagnostics.ts';
import { GenImageError, InvalidAttribute, InvalidOptions } from '../errors.ts';
import { htmlToJsx } from '../render/jsx.ts';
import { findTags, splice, type RenderMarker } from './tags.ts';

/**
 * `code` with each marker replaced by its picture's JSX. The rendering attributes the attribute
 * table allows (`expressionProp`: `alt`, `className`, `style`, ...) may be expressions, passed on to
 * the `<img>`; any other expression cannot be read at build time and is an error at its location. `publicPath` is where
 * the pages find the files. Returns undefined when there is nothing to replace.
 */
export async function replaceJsxMarkers(code: string, file: string, render: RenderMarker, publicPath = '/'): Promise<string | undefined> {
  const tags = findTags(code, file);
  if (tags.length === 0) return undefined;
  if (publicPath.startsWith('.')) {
    // A URL relative to the document breaks on every nested route of an app.
    throw new GenImageError(
      InvalidOptions,
      `A relative base (${publicPath}) cannot serve the images of a component: its URLs would resolve against each route.`,
      {
        location: tags[0]!.location,
        hint: 'Set Vite\'s `base` to an absolute path, such as "/" or "/docs/".',
      },
    );
  }
  const replacements = await Promise.all(
    tags.map(async (tag) => {
      const { attributes, expressions } = splitExpressions(tag);
      return htmlToJsx(await render(attributes, tag), expressions);
    }),
  );
  return splice(
    code,
    tags.map((tag) => tag.span),
    replacements,
  );
}

/** The literal attributes for the renderer, and the expressions for the `<img>` by prop. */
function splitExpressions(tag: Marker): { attributes: Record<string, unknown>; expressions: Record<string, string> } {
  const attributes: Record<string, unknown> = {};
  const expressions: Record<string, string> = {};
  for (const attribute of tag.attributes) {
    if (!isDynamic(attribute.value)) {
      attributes[attribute.name] = attribute.value;
      continue;
    }
    if (attribute.name === '...') continue; // a warning of the scan: what it sets is not read
    // Which attributes may be expressions, and the prop each becomes: the attribute table's.
    const prop = expressionProp('react', attribute.name);
    if (prop === undefined) throw literalRequired(attribute as MarkerAttribute & { value: DynamicValue });
    // The renderer needs a value to check; the expression replaces it on the <img>.
    if (prop === 'alt') attributes['alt'] = '';
    expressions[prop] = attribute.value.expression;
  }
  return { attributes, expressions };
}

function literalRequired(attribute: MarkerAttribute & { value: DynamicValue }): GenImageError {
  if (GENERATION_ATTRIBUTES.includes(attribute.name as never)) {
    // Never rendered with defaults in its place (that would pay for an image nobody asked for); in the scan's words.
    return diagnosticToError(dynamicAttributeError(attribute, attribute.name as GenerationAttribute));
  }
  // A misspelt name is refused as such, whatever its value, in the scan's words.
  const unknown = unknownAttributeError(attribute, attributeNameOf('react', attribute.name), 'react');
  if (unknown !== undefined) return diagnosticToError(unknown);
  const allowed = `${expressionProps('react').join(', ')} (and the <img>'s own attributes: id, title, data-*, ...)`;
  return new GenImageError(
    InvalidAttribute,
    `${attribute.name}={${attribute.value.expression}} is an expression; in a component the image is made at build time, so only ${allowed} may be expressions.`,
    {
      location: attribute.location,
      hint: `Write ${attribute.name} as a literal, e.g. ${attribute.name}={[480, 960]} or ${attribute.name}="value".`,
    },
  );
}
