import { GenImageError, InvalidAttribute, type SourceLocation } from '../errors.ts';
import type { LiteralValue } from '../markers/markers.ts';
import type { PlaceholderKind, VariantOptions } from './optimize.ts';
import type { PictureInput } from './picture.ts';

/** A resolved marker's rendering attributes (`ImageUse.render`): never part of the key. */
type RenderAttributes = Record<string, LiteralValue>;

const FORMATS = ['avif', 'webp', 'jpeg', 'png'] as const;
const PLACEHOLDERS = ['blur', 'color', 'none'] as const;

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
  return oneOf(render.placeholder, PLACEHOLDERS, 'placeholder', origin) ?? 'blur';
}

/** `class` and `style`: the pending placeholder keeps them too, so it takes the image's place in the layout. */
export function classAndStyle(render: RenderAttributes): Pick<PictureInput, 'class' | 'style'> {
  return { ...optional('class', text(render, 'class')), ...optional('style', text(render, 'style')) };
}

/** The `<img>` attributes passed through from the marker, checked. */
export function imgAttributes(
  render: RenderAttributes,
  origin: SourceLocation,
): Pick<PictureInput, 'sizes' | 'loading' | 'decoding' | 'fetchpriority' | 'class' | 'style'> {
  return {
    ...optional('sizes', text(render, 'sizes')),
    ...optional('loading', oneOf(render.loading, ['lazy', 'eager'] as const, 'loading', origin)),
    ...optional('decoding', oneOf(render.decoding, ['async', 'sync', 'auto'] as const, 'decoding', origin)),
    ...optional('fetchpriority', oneOf(render.fetchpriority, ['high', 'low', 'auto'] as const, 'fetchpriority', origin)),
    ...classAndStyle(render),
  };
}

/** The config's render options, overridden by the marker's widths, formats and quality. */
export function variantOptions(defaults: VariantOptions, render: RenderAttributes, origin: SourceLocation): VariantOptions {
  const widths = list(render.widths)?.map(Number);
  if (widths && (widths.length === 0 || widths.some((width) => !Number.isInteger(width) || width < 1))) {
    throw new GenImageError(InvalidAttribute, `widths=${JSON.stringify(render.widths)} must list positive integers, e.g. widths={[480, 960]}.`, { location: origin });
  }
  const formats = list(render.formats)?.map((format) => oneOf(format, FORMATS, 'formats', origin)!);
  const quality = render.quality === undefined ? undefined : Number(render.quality);
  if (quality !== undefined && (!Number.isInteger(quality) || quality < 1 || quality > 100)) {
    throw new GenImageError(InvalidAttribute, `quality=${JSON.stringify(render.quality)} must be an integer from 1 to 100.`, { location: origin });
  }
  return {
    widths: widths ?? defaults.widths,
    formats: formats ?? defaults.formats,
    fallbackFormat: defaults.fallbackFormat,
    quality: quality ?? defaults.quality,
    avifEffort: defaults.avifEffort,
  };
}

function text(render: RenderAttributes, name: string): string | undefined {
  const value = render[name];
  return typeof value === 'string' ? value : undefined;
}

function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}

function oneOf<T extends string>(value: LiteralValue | undefined, allowed: readonly T[], name: string, origin: SourceLocation): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new GenImageError(InvalidAttribute, `${name}=${JSON.stringify(value)} is not one of ${allowed.join(', ')}.`, { location: origin });
}

/** `{[480, 960]}` or `"480, 960"`. */
function list(value: LiteralValue | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = Array.isArray(value) ? value : String(value).split(/[\s,]+/);
  return items.map((item) => String(item).trim()).filter(Boolean);
}
