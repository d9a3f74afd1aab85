import type { AttributeValue } from '../attributes.ts';
import { escapeHtml, escapeXml } from '../html.ts';
import { mimeTypeOf, type Placeholder, type VariantFormat } from './optimize.ts';

/** One file a `<picture>` may offer: where it is served and what it is. */
export interface PictureFile {
  url: string;
  format: VariantFormat;
  width: number;
  height: number;
  /** Its srcset descriptor. @default "<width>w" */
  descriptor?: string;
}

export interface PictureInput {
  /** Every variant, in any order: grouped by format, modern formats in `formats` order. */
  files: readonly PictureFile[];
  /** Formats offered as `<source>`, best first. */
  formats: readonly VariantFormat[];
  /** The `<img>` format. */
  fallbackFormat: VariantFormat;
  /** Required; `""` marks a decorative image. */
  alt: string;
  /** The `<img>`'s width and height attributes. @default the largest fallback file's */
  width?: number;
  height?: number;
  /** @default "(min-width: <largest>px) <largest>px, 100vw"; none with density (`2x`) descriptors, which it does not apply to */
  sizes?: string;
  /** @default "lazy" */
  loading?: AttributeValue<'loading'>;
  /** @default "async" */
  decoding?: AttributeValue<'decoding'>;
  fetchpriority?: AttributeValue<'fetchpriority'>;
  class?: string;
  style?: string;
  placeholder?: Placeholder;
  /** Extra attributes on the `<img>` (data-*, id, ...). */
  attributes?: Record<string, string | number | boolean | undefined>;
}

function attributes(entries: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(entries)
    .filter(([, value]) => value !== undefined && value !== false)
    .map(([name, value]) => (value === true ? ` ${name}` : ` ${name}="${escapeHtml(String(value))}"`))
    .join('');
}

function srcset(files: readonly PictureFile[]): string {
  return files.map((file) => `${file.url} ${file.descriptor ?? `${file.width}w`}`).join(', ');
}

/** The background that shows while the image loads. */
export function placeholderStyle(placeholder: Placeholder | undefined): string | undefined {
  if (!placeholder || placeholder.kind === 'none') return undefined;
  if (placeholder.kind === 'color') return `background-color:${placeholder.color}`;
  return `background-image:url("${placeholder.dataUrl}");background-size:cover;background-repeat:no-repeat;background-position:center`;
}

/**
 * An `onload` that removes the placeholder of an image with transparent pixels, which it would
 * otherwise show through. Opaque images cover theirs and need no script. Under a CSP without
 * 'unsafe-inline' the handler does not run, and the placeholder stays behind the image.
 */
export function placeholderOnload(placeholder: Placeholder | undefined): string | undefined {
  if (!placeholder || placeholder.kind === 'none' || placeholder.opaque !== false) return undefined;
  return `this.style.removeProperty('${placeholder.kind === 'blur' ? 'background-image' : 'background-color'}')`;
}

/**
 * The `<picture>` for a set of variants: a `<source>` per modern format with `srcset` and `sizes`,
 * and an `<img>` in the fallback format carrying `width` and `height` (no layout shift), `alt`,
 * lazy loading and async decoding by default. Pure: shared by the Astro component, the
 * Markdown path and the plain Vite plugin.
 */
export function renderPicture(input: PictureInput): string {
  const byFormat = (format: VariantFormat) => input.files.filter((file) => file.format === format).sort((a, b) => a.width - b.width);
  const fallback = byFormat(input.fallbackFormat);
  const largest = fallback.at(-1) ?? [...input.files].sort((a, b) => a.width - b.width).at(-1);
  if (!largest) throw new TypeError('renderPicture needs at least one file');
  const byDensity = largest.descriptor?.endsWith('x') ?? false;
  const sizes = input.sizes ?? (byDensity ? undefined : `(min-width: ${largest.width}px) ${largest.width}px, 100vw`);
  const sources = input.formats
    .filter((format) => format !== input.fallbackFormat)
    .map((format) => byFormat(format))
    .filter((files) => files.length > 0)
    .map((files) => `<source${attributes({ type: mimeTypeOf(files[0]!.format), srcset: srcset(files), sizes })}>`);
  const style = [placeholderStyle(input.placeholder), input.style].filter(Boolean).join(';') || undefined;
  const img = `<img${attributes({
    src: largest.url,
    srcset: fallback.length > 0 ? srcset(fallback) : undefined,
    sizes: fallback.length > 0 ? sizes : undefined,
    alt: input.alt,
    width: input.width ?? largest.width,
    height: input.height ?? largest.height,
    loading: input.loading ?? 'lazy',
    decoding: input.decoding ?? 'async',
    fetchpriority: input.fetchpriority,
    class: input.class,
    style,
    onload: placeholderOnload(input.placeholder),
    ...input.attributes,
  })}>`;
  return `<picture>${sources.join('')}${img}</picture>`;
}

export interface PendingInput {
  width: number;
  height: number;
  alt: string;
  /** Shown as the image's title: why it is not there yet. */
  message: string;
  /** The generation failed (or cannot start): the placeholder says so, with `reason` on it. */
  failed?: boolean;
  /** The short reason written on a failed placeholder, e.g. the error's title. @default message */
  reason?: string;
  class?: string;
  style?: string;
  /** The marker's place, `file:line:col`: what a dev server's page swaps the final image in by. */
  place?: string;
}

/**
 * Stands in for an image that is not there yet (dev server): an `<img>` of the final image's
 * size in a `<picture>`, as the final image is, so the page lays out as it will (a page's
 * `picture img` rules apply to both), with an inline SVG that says why: generating, or failed
 * with the reason. Its `<img>` carries `data-genimage-pending`; a failure also
 * `data-genimage-failed`.
 */
export function renderPending(input: PendingInput): string {
  const size = Math.max(12, Math.round(input.width / 24));
  const text = (y: string, fontSize: number, fill: string, content: string) =>
    `<text x="50%" y="${y}" text-anchor="middle" dominant-baseline="middle" font-family="sans-serif" font-size="${fontSize}" fill="${fill}">${escapeXml(content)}</text>`;
  const body = input.failed
    ? `<rect width="100%" height="100%" fill="#fee2e2"/>` +
      text('42%', size, '#991b1b', 'generation failed') +
      // About 0.55 em per character in a sans-serif: what fits on one line.
      text(
        '58%',
        Math.round(size * 0.6),
        '#7f1d1d',
        truncate(input.reason ?? input.message, Math.floor((input.width * 0.9) / (size * 0.6 * 0.55))),
      )
    : `<rect width="100%" height="100%" fill="#e5e7eb"/>${text('50%', size, '#6b7280', 'generating…')}`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${input.width}" height="${input.height}" viewBox="0 0 ${input.width} ${input.height}">${body}</svg>`;
  return `<picture><img${attributes({
    src: `data:image/svg+xml,${encodeURIComponent(svg)}`,
    alt: input.alt,
    width: input.width,
    height: input.height,
    title: input.message,
    decoding: 'async',
    class: input.class,
    style: input.style,
    'data-genimage-place': input.place,
    'data-genimage-pending': true,
    'data-genimage-failed': input.failed,
  })}></picture>`;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, Math.max(1, length - 1)).trimEnd()}…`;
}
