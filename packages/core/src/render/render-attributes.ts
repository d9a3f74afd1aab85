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

/**
 * `class` and `style` (after the layout's `layoutStyle`, so the marker's wins): the pending
 * placeholder keeps them too, so it takes the image's place in the layout.
 */
export function classAndStyle(render: RenderAttributes, layoutStyle?: string): Pick<PictureInput, 'class' | 'style'> {
  const style = [layoutStyle, text(render, 'style')].filter(Boolean).join(';');
  return { ...optional('class', text(render, 'class')), ...optional('style', style || undefined) };
}

/** The `<img>` attributes passed through from the marker, checked. */
export function imgAttributes(
  render: RenderAttributes,
  origin: SourceLocation,
  layoutStyle?: string,
): Pick<PictureInput, 'sizes' | 'loading' | 'decoding' | 'fetchpriority' | 'class' | 'style' | 'attributes'> {
  const passthrough = passthroughAttributes(render);
  return {
    ...optional('sizes', text(render, 'sizes')),
    ...optional('loading', oneOf(render, 'loading', origin)),
    ...optional('decoding', oneOf(render, 'decoding', origin)),
    ...optional('fetchpriority', oneOf(render, 'fetchpriority', origin)),
    ...classAndStyle(render, layoutStyle),
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

/** The config's render options, overridden by the marker's rendering attributes of the same names. */
export function variantOptions(defaults: RenderDefaults, render: RenderAttributes, origin: SourceLocation): VariantOptions {
  const given = <N extends (typeof READ_AT_BUILD)[number]>(name: N) =>
    render[name] === undefined ? undefined : (readValue(ATTRIBUTES[name], render[name]) as AttributeValue<N>);
  for (const name of READ_AT_BUILD) check(render, name, origin);
  const layout = given('layout') ?? defaults.layout;
  const width = given('width');
  const height = given('height');
  const densities = given('densities') as number[] | undefined;
  const widths = given('widths') as number[] | undefined;
  if (densities !== undefined && (widths !== undefined || layout !== 'none')) {
    throw new GenImageError(
      InvalidAttribute,
      `densities offers 1x, 2x copies of one fixed width, so it goes without ${widths ? 'widths' : `layout="${layout}"`}.`,
      {
        location: origin,
        hint: widths
          ? 'Keep densities for a fixed-size image, or widths for one that resizes.'
          : 'Add layout="none" (or use layout="fixed", which offers 1x and 2x itself).',
      },
    );
  }
  return {
    // Without a layout, width or densities of its own, a marker keeps the config's widths, as before layouts.
    ...optional(
      'widths',
      widths ?? (layout === 'none' && width === undefined && height === undefined && !densities ? defaults.widths : undefined),
    ),
    formats: (given('formats') as RenderFormat[] | undefined) ?? defaults.formats,
    fallbackFormat: defaults.fallbackFormat,
    quality: given('quality') ?? defaults.quality,
    avifEffort: defaults.avifEffort,
    layout,
    ...optional('width', width),
    ...optional('height', height),
    ...optional('densities', densities),
    fit: given('fit') ?? defaults.fit,
    position: given('position') ?? defaults.position,
    breakpoints: defaults.breakpoints,
  };
}

/** The rendering attributes read at build time, to choose and shape the variants. */
const READ_AT_BUILD = ['widths', 'formats', 'quality', 'layout', 'width', 'height', 'densities', 'fit', 'position'] as const;

/** The config's `render` options a marker's attributes override. */
type RenderDefaults = Omit<VariantOptions, 'width' | 'height' | 'densities'> & { widths: readonly number[] };

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
