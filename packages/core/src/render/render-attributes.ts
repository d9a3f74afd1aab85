import { ATTRIBUTES, passthroughName, type AttributeValue, type PlaceholderKind, type RenderFormat } from '../attributes.ts';
import { GenImageError, InvalidAttribute, type SourceLocation } from '../errors.ts';
import type { LiteralValue } from '../markers/markers.ts';
import { readValue, renderValueProblem } from '../markers/render-values.ts';
import type { VariantOptions } from './optimize.ts';
import type { PictureInput } from './picture.ts';

/** A resolved marker's rendering attributes (`ImageUse.render`): never part of the key. */
type RenderAttributes = Record<string, LiteralValue>;

/** The alt text; a missing one is an error, as an image without it is inaccessible. */
export function altText(render: RenderAttributes, origin: SourceLocation): string {
  const alt = render.alt;
  if (typeof alt !== 'string') {
    throw new GenImageError(InvalidAttribute, 'This <GenImage> has no alt text.', {
      location: origin,
      hint: 'Describe the image in alt="..."; write alt="" for a purely decorative image.',
    });
  }
  return alt;
}

export function placeholderKind(render: RenderAttributes, origin: SourceLocation): PlaceholderKind {
  return oneOf(render, 'placeholder', origin) ?? 'blur';
}

/** `class` and `style`: the pending placeholder keeps them too, so it takes the image's place in the layout. */
export function classAndStyle(render: RenderAttributes): Pick<PictureInput, 'class' | 'style'> {
  return { ...optional('class', text(render, 'class')), ...optional('style', text(render, 'style')) };
}

/** The `<img>` attributes passed through from the marker, checked. */
export function imgAttributes(
  render: RenderAttributes,
  origin: SourceLocation,
): Pick<PictureInput, 'sizes' | 'loading' | 'decoding' | 'fetchpriority' | 'class' | 'style' | 'attributes'> {
  const passthrough = passthroughAttributes(render);
  return {
    ...optional('sizes', text(render, 'sizes')),
    ...optional('loading', oneOf(render, 'loading', origin)),
    ...optional('decoding', oneOf(render, 'decoding', origin)),
    ...optional('fetchpriority', oneOf(render, 'fetchpriority', origin)),
    ...classAndStyle(render),
    ...(Object.keys(passthrough).length > 0 && { attributes: passthrough }),
  };
}

/**
 * The `<img>`'s own attributes the marker carries (`id`, `title`, `data-*`, ...), by HTML name.
 * Booleans as React writes them: `hidden` present or absent, any other as "true"/"false"
 * (`draggable="false"` and `aria-hidden="true"` mean something, a bare `aria-hidden` does not).
 */
function passthroughAttributes(render: RenderAttributes): Record<string, string | number | boolean | undefined> {
  const attributes: Record<string, string | number | boolean | undefined> = {};
  for (const [written, value] of Object.entries(render)) {
    const name = passthroughName(written);
    if (name === undefined || Array.isArray(value)) continue;
    attributes[name] = typeof value !== 'boolean' ? value : name === 'hidden' ? value || undefined : String(value);
  }
  return attributes;
}

/** The config's render options, overridden by the marker's widths, formats and quality. */
export function variantOptions(defaults: VariantOptions, render: RenderAttributes, origin: SourceLocation): VariantOptions {
  for (const name of ['widths', 'formats', 'quality']) check(render, name, origin);
  return {
    widths: render.widths === undefined ? defaults.widths : (readValue(ATTRIBUTES.widths, render.widths) as number[]),
    formats: render.formats === undefined ? defaults.formats : (readValue(ATTRIBUTES.formats, render.formats) as RenderFormat[]),
    fallbackFormat: defaults.fallbackFormat,
    quality: render.quality === undefined ? defaults.quality : (readValue(ATTRIBUTES.quality, render.quality) as number),
    avifEffort: defaults.avifEffort,
  };
}

/** Throws, located, what the scan would have reported for a literal. */
function check(render: RenderAttributes, name: string, origin: SourceLocation): void {
  const value = render[name];
  const problem = value === undefined ? undefined : renderValueProblem(name, value);
  if (problem !== undefined) throw new GenImageError(InvalidAttribute, problem, { location: origin });
}

function text(render: RenderAttributes, name: string): string | undefined {
  const value = render[name];
  return typeof value === 'string' ? value : undefined;
}

function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}

/** A value checked against its attribute's allowed words. */
function oneOf<N extends 'placeholder' | 'loading' | 'decoding' | 'fetchpriority'>(
  render: RenderAttributes,
  name: N,
  origin: SourceLocation,
): AttributeValue<N> | undefined {
  if (render[name] === undefined) return undefined;
  check(render, name, origin);
  return render[name] as AttributeValue<N>;
}
