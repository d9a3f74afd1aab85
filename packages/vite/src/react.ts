/**
 * `<GenImage>` for React (`.jsx`/`.tsx`): typed props for the editor and `tsc`, no code for the
 * browser. `@genimage/vite` replaces every literal `<GenImage ... />` in a component with the
 * optimized `<picture>` tree at build time, so this function never runs where the plugin is set
 * up; if it does run, the plugin is missing and it says so.
 *
 * @example
 * import { GenImage } from '@genimage/vite/react';
 * <GenImage prompt="a red fox asleep in fresh snow, watercolor" seed={42} aspectRatio="16:9" alt="A sleeping fox" />
 */

import type { GenImageReactProps } from '@genimage/core';
import { unreplaced } from './stub.ts';

/** The aspect ratios the image API offers. */
export type { AspectRatio } from '@genimage/core';

/**
 * A literal `<GenImage>`: values are read from the source at build time, so write them as
 * literals; alt, className, style, sizes, loading, decoding and fetchPriority may be expressions.
 * The props are core's attribute table in React's spelling.
 */
export interface GenImageProps extends GenImageReactProps {}

/** Replaced at build time by `@genimage/vite`; running means the plugin is not in the Vite config. */
export function GenImage(props: GenImageProps): null {
  return unreplaced(props.prompt);
}
