/**
 * `<GenImage>` for Svelte 5 components: typed props for the editor and `svelte-check`, no code for
 * the browser. `@genimage/vite` replaces every literal `<GenImage ... />` of a component's markup
 * with the optimized `<picture>` at build time, before Svelte compiles it, so this component never
 * renders where the plugin is set up; if it does render, the plugin is missing and it says so.
 *
 * @example
 * <script lang="ts">
 *   import GenImage from '@genimage/vite/svelte';
 * </script>
 * <GenImage prompt="a red fox asleep in fresh snow, watercolor" seed={42} aspectRatio="16:9" alt="A sleeping fox" />
 */
import type { GenImageProps as CoreProps } from '@genimage/core';
import type { Component } from 'svelte';
import { unreplaced } from './stub.ts';

/** The aspect ratios the image API offers. */
export type { AspectRatio } from '@genimage/core';

/**
 * A literal `<GenImage>`: values are read from the markup at build time, so write them as literals
 * (`seed={42}`); alt, class, style, sizes, loading, decoding and fetchpriority may be expressions
 * (`alt={title}`, `alt="Photo of {name}"`). The props are core's attribute table.
 */
export interface GenImageProps extends CoreProps {}

/** Replaced at build time by `@genimage/vite`; rendering means the plugin is not in the Vite config. */
const GenImage: Component<GenImageProps> = (_internals, props) => unreplaced(props.prompt);

export default GenImage;
export { GenImage };
