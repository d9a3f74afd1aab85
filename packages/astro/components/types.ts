import type { GenImageProps as AttributeProps } from '@genimage/core';

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
}
