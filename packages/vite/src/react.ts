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

/** The aspect ratios the image API offers. */
export type AspectRatio = '1:1' | '2:3' | '3:2' | '3:4' | '4:3' | '4:5' | '5:4' | '9:16' | '16:9' | '21:9';

/** A literal `<GenImage>`: values are read from the source at build time, so write them as literals. */
export interface GenImageProps {
  /** What to draw. Part of the cache key. */
  prompt: string;
  /** The image's text alternative; `""` marks it decorative. */
  alt: string;
  /** Fix it for reproducible images. @default -1 (random) */
  seed?: number;
  /** Images per request, 1 to 4. @default 1 */
  n?: 1 | 2 | 3 | 4;
  /** Which of the `n` images to show, 0-based. @default 0 */
  pick?: number;
  /** @default "1:1" */
  aspectRatio?: AspectRatio;
  /** Long edge about 1024, 2048 or 4096 px. @default "1K" */
  imageSize?: '1K' | '2K' | '4K';
  /** @default the `model` option */
  model?: string;
  /** Reference image(s) to edit: a path relative to this file, a root-relative `/path`, or an https URL. */
  reference?: string | readonly string[];
  /** A preset from the config. */
  preset?: string;
  /** Widths of the responsive variants. @default render.widths */
  widths?: readonly number[] | string;
  /** The `sizes` attribute. @default "(min-width: Wpx) Wpx, 100vw" */
  sizes?: string;
  /** Modern formats offered as `<source>`, best first. @default render.formats */
  formats?: readonly ('avif' | 'webp' | 'jpeg' | 'png')[];
  /** Encoder quality, 1-100. @default render.quality */
  quality?: number;
  /** @default "lazy" */
  loading?: 'lazy' | 'eager';
  /** @default "async" */
  decoding?: 'async' | 'sync' | 'auto';
  fetchPriority?: 'high' | 'low' | 'auto';
  /** On the `<img>`; may be an expression. */
  className?: string;
  /** On the `<img>`, over the placeholder's background; may be an expression. */
  style?: Record<string, string | number>;
  /** @default "blur" */
  placeholder?: 'blur' | 'color' | 'none';
}

/** Replaced at build time by `@genimage/vite`; running means the plugin is not in the Vite config. */
export function GenImage(props: GenImageProps): null {
  throw new Error(
    `<GenImage prompt=${JSON.stringify(props.prompt)}> reached the browser unreplaced: add the genimage plugin to vite.config (plugins: [genimage()] from '@genimage/vite'), and write its attributes as literals.`,
  );
}
