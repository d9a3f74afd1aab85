import type { GenImageProps as AttributeProps, ImageData, RenderFormat } from '@genimage/core';

/**
 * Props of `<GenImage>`: core's attribute table in HTML's spelling. Generation attributes must be
 * literals in the source: genimage reads them at build time, before any code runs. Rendering
 * attributes may be expressions.
 */
export interface GenImageProps extends AttributeProps {
  /** @internal Added by the genimage Vite plugin: the marker's file:line:column. */
  __genimageOrigin?: string;
}

/** What the genimage Vite plugin puts at `globalThis[Symbol.for('genimage')]`. */
export interface GenImageRuntime {
  render(props: Record<string, unknown>): Promise<string>;
  image(props: Record<string, unknown>): Promise<ImageData>;
}

/**
 * Options of `genImage()`: the attributes of `<GenImage>` (alt optional: the page says what the
 * image is where it uses it), and the one format of its file.
 */
export interface ImageFunctionOptions extends Omit<AttributeProps, 'alt'> {
  alt?: string;
  /** The format of `src`; the modern formats are made too only when `formats` is given. @default the config's render.fallbackFormat ("jpeg") */
  format?: RenderFormat;
  /** @internal Added by the genimage Vite plugin: the call's file:line:column. */
  __genimageOrigin?: string;
}
