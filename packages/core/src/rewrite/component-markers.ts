/**
 * What every component language shares when its markers are replaced before its compiler runs
 * (React in `jsx-markers.ts`, Vue and Svelte in `template-markers.ts`): the literal attributes go
 * to the renderer, the rendering attributes the attribute table lets a component bind
 * (`expressionProp`) go on to the `<img>` as written, and any other expression is an error at its
 * place, never rendered with defaults.
 */
import { attributeNameOf, expressionProp, expressionProps, GENERATION_ATTRIBUTES, type GenerationAttribute } from '../attributes.ts';
import { diagnosticToError } from '../diagnostics.ts';
import { GenImageError, InvalidAttribute, InvalidOptions } from '../errors.ts';
import { dynamicAttributeError } from '../markers/marker-params.ts';
import { isDynamic, type DynamicValue, type Marker, type MarkerAttribute } from '../markers/markers.ts';
import { unknownAttributeError } from '../markers/unknown-attributes.ts';
import { findTags, splice, type RenderMarker } from './tags.ts';

export type ComponentFramework = 'react' | 'vue' | 'svelte';
export type ExpressionAttribute = MarkerAttribute & { value: DynamicValue };

/** Writes the renderer's HTML for one marker in the component's language, with its `<img>` expressions by prop. */
export type ToComponentMarkup = (html: string, expressions: ReadonlyMap<string, ExpressionAttribute>) => string;

/**
 * `code` with each marker replaced by `toMarkup` of what `render` makes of it. `publicPath` is
 * where the pages find the files. Returns undefined when there is nothing to replace.
 */
export async function replaceComponentMarkers(
  code: string,
  file: string,
  framework: ComponentFramework,
  options: { render: RenderMarker; publicPath: string; toMarkup: ToComponentMarkup },
): Promise<string | undefined> {
  const tags = findTags(code, file);
  if (tags.length === 0) return undefined;
  if (options.publicPath.startsWith('.')) {
    // A URL relative to the document breaks on every nested route of an app.
    throw new GenImageError(
      InvalidOptions,
      `A relative base (${options.publicPath}) cannot serve the images of a component: its URLs would resolve against each route.`,
      { location: tags[0]!.location, hint: 'Set Vite\'s `base` to an absolute path, such as "/" or "/docs/".' },
    );
  }
  const replacements = await Promise.all(
    tags.map(async (tag) => {
      const { attributes, expressions } = splitExpressions(tag, framework);
      return options.toMarkup(await options.render(attributes, tag), expressions);
    }),
  );
  return splice(
    code,
    tags.map((tag) => tag.span),
    replacements,
  );
}

/** The literal attributes for the renderer, and the expressions for the `<img>` by prop. */
function splitExpressions(tag: Marker, framework: ComponentFramework) {
  const attributes: Record<string, unknown> = {};
  const expressions = new Map<string, ExpressionAttribute>();
  for (const attribute of tag.attributes) {
    if (!isDynamic(attribute.value)) {
      attributes[attribute.name] = attribute.value;
      continue;
    }
    if (attribute.name === '...') continue; // a warning of the scan: what it sets is not read
    // Which attributes may be expressions, and the prop each becomes: the attribute table's.
    const prop = expressionProp(framework, attribute.name);
    if (prop === undefined) throw literalRequired(attribute as ExpressionAttribute, framework);
    // The renderer needs a value to check; the expression replaces it on the <img>.
    if (prop === 'alt') attributes['alt'] = '';
    expressions.set(prop, attribute as ExpressionAttribute);
  }
  return { attributes, expressions };
}

function literalRequired(attribute: ExpressionAttribute, framework: ComponentFramework): GenImageError {
  if (GENERATION_ATTRIBUTES.includes(attribute.name as never)) {
    // Never rendered with defaults in its place (that would pay for an image nobody asked for); in the scan's words.
    return diagnosticToError(dynamicAttributeError(attribute, attribute.name as GenerationAttribute));
  }
  // A misspelt name is refused as such, whatever its value, in the scan's words.
  const spelling = framework === 'react' ? 'react' : 'html';
  const unknown = unknownAttributeError(attribute, attributeNameOf(framework, attribute.name), spelling);
  if (unknown !== undefined) return diagnosticToError(unknown);
  const allowed = `${expressionProps(framework).join(', ')} (and the <img>'s own attributes: id, title, data-*, ...)`;
  return new GenImageError(
    InvalidAttribute,
    `${attribute.name}={${attribute.value.expression}} is an expression; in a component the image is made at build time, so only ${allowed} may be expressions.`,
    {
      location: attribute.location,
      hint: `Write ${attribute.name} as a literal, e.g. ${attribute.name}={[480, 960]} or ${attribute.name}="value".`,
    },
  );
}
