/**
 * Props of `<GenImage>`. Generation attributes must be literals in the source: genimage reads
 * them at build time, before any code runs. Rendering attributes may be expressions.
 */
export interface GenImageProps {
  /** What to draw. @example "a red fox asleep in fresh snow" */
  prompt: string;
  /** Fixed seeds make generations reproducible; -1 asks for a random one. @default -1 */
  seed?: number;
  /** How many images to generate, 1 to 4 (see `pick`). @default 1 */
  n?: number;
  /** Which of the `n` images to show, 0-based. @default 0 */
  pick?: number;
  /** @default "1:1" */
  aspectRatio?: '1:1' | '2:3' | '3:2' | '3:4' | '4:3' | '4:5' | '5:4' | '9:16' | '16:9' | '21:9';
  /** Long edge about 1024, 2048 or 4096 pixels. @default "1K" */
  imageSize?: '1K' | '2K' | '4K';
  /** @default "google/gemini-3.1-flash-image-preview" */
  model?: string;
  /** Reference images to edit: paths relative to this file (or to the root with a leading "/"), or https URLs. */
  reference?: string | string[];
  /** A preset from the genimage config. */
  preset?: string;

  /** Required. Describe the image; `alt=""` marks it decorative. */
  alt: string;
  /** Widths of the responsive variants. @default the config's render.widths */
  widths?: number[];
  /** The `sizes` attribute. @default "(min-width: <largest>px) <largest>px, 100vw" */
  sizes?: string;
  /** Modern formats offered as `<source>`, best first. @default the config's render.formats (avif, webp) */
  formats?: ('avif' | 'webp' | 'jpeg' | 'png')[];
  /** Encoder quality, 1-100. @default the config's render.quality (70) */
  quality?: number;
  /** @default "lazy" */
  loading?: 'lazy' | 'eager';
  /** @default "async" */
  decoding?: 'async' | 'sync' | 'auto';
  fetchpriority?: 'high' | 'low' | 'auto';
  class?: string;
  style?: string | Record<string, string | number>;
  /** What shows while the image loads. @default "blur" */
  placeholder?: 'blur' | 'color' | 'none';
  /** @internal Added by the genimage Vite plugin: the marker's file:line:column. */
  __genimageOrigin?: string;
}

/** What the genimage Vite plugin puts at `globalThis[Symbol.for('genimage')]`. */
export interface GenImageRuntime {
  render(props: Record<string, unknown>): Promise<string>;
}
