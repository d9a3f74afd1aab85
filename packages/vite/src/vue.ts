/**
 * `<GenImage>` for Vue single-file components: typed props for the editor and `vue-tsc`, no code
 * for the browser. `@genimage/vite` replaces every literal `<GenImage ... />` of a `<template>`
 * with the optimized `<picture>` at build time, before Vue compiles it, so this component never
 * renders where the plugin is set up; if it does render, the plugin is missing and it says so.
 *
 * @example
 * <script setup lang="ts">
 * import { GenImage } from '@genimage/vite/vue';
 * </script>
 * <template>
 *   <GenImage prompt="a red fox asleep in fresh snow, watercolor" :seed="42" aspect-ratio="16:9" alt="A sleeping fox" />
 * </template>
 */
import type { GenImageProps as CoreProps } from '@genimage/core';
import type { FunctionalComponent, HTMLAttributes, StyleValue } from 'vue';
import { unreplaced } from './stub.ts';

/** The aspect ratios the image API offers. */
export type { AspectRatio } from '@genimage/core';

/**
 * A literal `<GenImage>`: values are read from the template at build time, so write them as
 * literals (`seed="42"` or `:seed="42"`); alt, class, style, sizes, loading, decoding and
 * fetchpriority may be bound (`:alt="title"`). The props are core's attribute table.
 */
export interface GenImageProps extends Omit<CoreProps, 'class' | 'style'> {
  /** On the `<img>`: text, or anything Vue's `:class` takes (an object, a list). */
  class?: HTMLAttributes['class'];
  /** On the `<img>`, over the placeholder's background: text, or anything Vue's `:style` takes. */
  style?: StyleValue;
}

/** Replaced at build time by `@genimage/vite`; rendering means the plugin is not in the Vite config. */
export const GenImage: FunctionalComponent<GenImageProps> = (props) => unreplaced(props.prompt);
