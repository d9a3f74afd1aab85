/**
 * What a marker's layout makes of an original: the box the `<img>` takes, the candidates of its
 * srcset, the `sizes` and the inline styles. Modelled on astro:assets (`assets/layout.js`,
 * `services/service.js` getSrcSet, `utils/generateImageStylesCSS.js`); where it differs, the
 * README says why. Pure: planned before anything is encoded.
 */
import type { Fit, Layout, Position } from '../attributes.ts';

export interface LayoutOptions {
  layout: Layout;
  /** Widths to make, as given (the marker's, or for `layout="none"` the config's); undefined: the layout chooses. */
  widths?: readonly number[];
  /** The displayed width and height in CSS pixels, as given. */
  width?: number;
  height?: number;
  /** `1x`, `2x` candidates of `width` instead of widths. */
  densities?: readonly number[];
  fit: Fit;
  position: Position;
  /** Screen widths `constrained` and `full-width` choose among. */
  breakpoints: readonly number[];
}

/** One srcset candidate: its pixel size and its descriptor (`960w`, `2x`). */
export interface Candidate {
  width: number;
  height: number;
  descriptor: string;
}

export interface ImagePlan {
  /** The `<img>`'s width and height attributes: the box it takes before CSS. */
  width: number;
  height: number;
  /** Ascending by width. */
  candidates: Candidate[];
  /** The layout's `sizes`; undefined leaves it to the marker or the default. */
  sizes?: string;
  /** The layout's inline CSS; the marker's `style` comes after it and wins. */
  style?: string;
  /**
   * Set when the candidates are cut from the original (`fit="cover"` to another aspect ratio):
   * what the crop keeps, as sharp's `position` (see `cropPosition`).
   */
  crop?: string;
}

interface Size {
  width: number;
  height: number;
}

/** CSS `object-fit` values among sharp's fits: `inside` and `outside` shape the file, not the box. */
const CSS_FITS: ReadonlySet<Fit> = new Set(['cover', 'contain', 'fill']);

/**
 * A requested width this close below the original's (within 20%) adds a file per format for little:
 * the original's own width takes its place as the top candidate.
 */
const NEAR_ORIGINAL = 1.2;

/**
 * The widths actually made for an original: the requested widths up to the original's (never
 * upscaled), plus the original's own width when any requested width was larger, so the largest
 * screen gets the largest image there is. That top candidate replaces a kept width within 20% of
 * it, unless `exact` (densities: `1x` must stay the displayed width).
 *
 * @example
 * variantWidths(2048, [480, 960, 2560]) // [480, 960, 2048]
 * variantWidths(1024, [480, 960, 1440]) // [480, 1024]
 * variantWidths(1024, [480, 960, 1440], { exact: true }) // [480, 960, 1024]
 * variantWidths(300, [480, 960])        // [300]
 */
export function variantWidths(originalWidth: number, widths: readonly number[], options: { exact?: boolean } = {}): number[] {
  const sorted = [...new Set(widths)].sort((a, b) => a - b);
  const kept = sorted.filter((width) => width <= originalWidth);
  if (kept.length === sorted.length || kept.at(-1) === originalWidth) return kept;
  if (!options.exact && kept.length > 0 && kept.at(-1)! * NEAR_ORIGINAL >= originalWidth) kept.pop();
  kept.push(originalWidth);
  return kept;
}

/** The plan of one image: box, candidates, sizes, styles and crop. */
export function planImage(original: Size, options: LayoutOptions): ImagePlan {
  const { element, content, reshaped } = boxes(original, options);
  // The largest width the original yields at the content's aspect ratio without upscaling.
  const limit = reshaped
    ? Math.max(1, Math.min(original.width, Math.floor((original.height * content.width) / content.height)))
    : original.width;
  const heightOf = (width: number) => Math.max(1, Math.round((width * content.height) / content.width));
  const candidates = candidateWidths(content.width, limit, options).map(({ width, descriptor }) => ({
    width,
    height: heightOf(width),
    descriptor,
  }));
  // Without a size of its own, an image without layout takes its largest file's (no layout shift).
  const sized = options.width !== undefined || options.height !== undefined || options.layout !== 'none';
  const box = sized ? element : candidates.at(-1)!;
  const plan: ImagePlan = { width: box.width, height: box.height, candidates };
  const sizes = layoutSizes(options.layout, box.width);
  if (sizes !== undefined) plan.sizes = sizes;
  const style = layoutStyle(options);
  if (style !== undefined) plan.style = style;
  if (reshaped && options.fit === 'cover') plan.crop = cropPosition(options.position);
  return plan;
}

/**
 * The `<img>`'s box and the pixels' box: `width` × `height` when given (the other from the
 * original's aspect ratio), else the original. `contain` and `inside` fit the original in the box
 * (`contain` letterboxes it there by CSS, as astro:assets does), `outside` covers it, `cover`
 * crops to it, `fill` stretches to it (`reshaped`: the files have the box's aspect ratio, not the original's).
 */
function boxes(original: Size, options: LayoutOptions): { element: Size; content: Size; reshaped: boolean } {
  const ratio = original.width / original.height;
  const element = {
    width: options.width ?? (options.height === undefined ? original.width : Math.round(options.height * ratio)),
    height: options.height ?? (options.width === undefined ? original.height : Math.round(options.width / ratio)),
  };
  const sameRatio = Math.round(element.width / ratio) === element.height || Math.round(element.height * ratio) === element.width;
  if (sameRatio || options.fit === 'cover' || options.fit === 'fill') return { element, content: element, reshaped: !sameRatio };
  const wider = ratio > element.width / element.height;
  const byWidth = { width: element.width, height: Math.round(element.width / ratio) };
  const byHeight = { width: Math.round(element.height * ratio), height: element.height };
  const content = options.fit === 'outside' ? (wider ? byHeight : byWidth) : wider ? byWidth : byHeight;
  return { element: options.fit === 'contain' ? element : content, content, reshaped: false };
}

/**
 * A position as sharp's `position` takes it, one spelling per crop (so `top left` and `left top`
 * share their files): `centre`, an edge, `left top` (horizontal first), `entropy`, `attention`.
 */
export function cropPosition(position: Position): string {
  const words = position.split(' ').filter((word) => word !== 'center');
  if (words.length === 0) return 'centre';
  const [first, second] = words;
  return second === 'left' || second === 'right' ? `${second} ${first}` : words.join(' ');
}

/** The srcset's widths and descriptors, for content `width` CSS pixels wide and files at most `limit` wide. */
function candidateWidths(width: number, limit: number, options: LayoutOptions): { width: number; descriptor: string }[] {
  const inW = (widths: number[]) => widths.map((w) => ({ width: w, descriptor: `${w}w` }));
  if (options.densities) {
    const wanted = options.densities.map((density) => Math.round(width * density));
    // A density the original cannot give is replaced by the largest it can, at its true density.
    return variantWidths(limit, wanted, { exact: true }).map((w) => ({ width: w, descriptor: `${Number((w / width).toFixed(2))}x` }));
  }
  if (options.widths) return inW(variantWidths(limit, options.widths));
  switch (options.layout) {
    case 'full-width':
      return inW(variantWidths(limit, options.breakpoints));
    case 'fixed':
      // 1x and 2x of the displayed width, as astro:assets.
      return inW(variantWidths(limit, [width, width * 2]));
    case 'constrained':
      // 1x and 2x, and the breakpoints between: a narrower screen gets a smaller file.
      return inW(variantWidths(limit, [width, width * 2, ...options.breakpoints.filter((w) => w < width * 2)]));
    case 'none':
      return inW(variantWidths(limit, [width]));
  }
}

/** astro:assets' `getSizesAttribute`: the width the image shows at, for the browser's choice. */
export function layoutSizes(layout: Layout, width: number): string | undefined {
  switch (layout) {
    case 'constrained':
      return `(min-width: ${width}px) ${width}px, 100vw`;
    case 'fixed':
      return `${width}px`;
    case 'full-width':
      return '100vw';
    case 'none':
      return undefined;
  }
}

/**
 * astro:assets' image styles, inline: genimage's markup has no stylesheet to carry them (plain
 * HTML pages, React). `object-fit: contain` also without layout, since the box is then the
 * `<img>`'s and the file is smaller.
 */
export function layoutStyle(options: Pick<LayoutOptions, 'layout' | 'fit' | 'position'>): string | undefined {
  const { layout, fit, position } = options;
  if (layout === 'none') return fit === 'contain' ? 'object-fit:contain' : undefined;
  const rules = ['height:auto'];
  if (layout === 'full-width') rules.push('width:100%');
  if (layout === 'constrained') rules.push('max-width:100%');
  if (CSS_FITS.has(fit)) rules.push(`object-fit:${fit}`);
  // entropy and attention chose the crop already; center is CSS's own default.
  if (position !== 'center' && position !== 'entropy' && position !== 'attention') rules.push(`object-position:${position}`);
  return rules.join(';');
}
