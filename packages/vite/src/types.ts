import type { GenImageConfig, GenImageEnv, ImageData, ImageRenderer, Logger, Marker } from '@genimage/core';

export interface GenImagePluginOptions {
  /** Project root. @default Vite's `root` */
  root?: string;
  /** Inline options; they override the `genimage.config.*` file. */
  config?: GenImageConfig;
  /** @default the first genimage.config.* at the root; `false` reads none */
  configFile?: string | false;
  /** URL base of the site. @default Vite's `base` */
  base?: string;
  /**
   * URL prefix of the emitted files in a build, instead of the base: a CDN, e.g. Astro's
   * `build.assetsPrefix`. The dev server ignores it. @example "https://cdn.example.com"
   */
  assetsPrefix?: string;
  /** Folder of the emitted files inside the output, e.g. Astro's `build.assets`. @default Vite's `build.assetsDir` */
  assetsDir?: string;
  /** Where encoded variants are kept between builds. @default "<root>/node_modules/.cache/genimage/variants" */
  variantsCacheDir?: string;
  /** @default Vite's logger */
  logger?: Logger;
  env?: GenImageEnv;
  frozen?: boolean;
  /**
   * When files are written: at the end of the Vite build, or by calling `api.writeAssets()` (Astro
   * renders its pages after Vite is done). With "closeBundle" Vite builds the pages, so only its
   * HTML entries (`build.rollupOptions.input`, else `index.html`) are scanned; with "manual" the
   * framework decides, and every HTML page is. @default "closeBundle"
   */
  emit?: 'closeBundle' | 'manual';
  /**
   * Whether a dev server's HTML pages get the review overlay: a small button that opens the review
   * panel (try other seeds, keep one). A host with a UI of its own for the panel turns it off
   * (Astro's dev toolbar). Builds never have it. @default true
   */
  reviewOverlay?: boolean;
}

/** What server-side code (the `<GenImage>` component) finds at `globalThis[Symbol.for('genimage')]`. */
export interface GenImageRuntime {
  /** The `<picture>` HTML for a component's props. */
  render(props: Record<string, unknown>): Promise<string>;
  /** The image function's data (`genImage()`): URLs and size of the files, emitted with the pages'. */
  image(props: Record<string, unknown>): Promise<ImageData>;
}

export interface GenImagePluginApi {
  /** Scans, generates what is missing (or fails when frozen) and logs one summary line. Once. */
  prepare(): Promise<void>;
  renderer(): Promise<ImageRenderer>;
  /**
   * The `<picture>` HTML for a marker's attributes, located at `marker`. When the image is still
   * pending (the dev server generates it), module `moduleId` is recompiled once it exists.
   */
  renderMarker(attributes: Record<string, unknown>, marker: Marker, moduleId?: string): Promise<string>;
  /**
   * Dev only (a build reports every marker before it starts): rejects with the first marker error
   * of the module `id` being compiled from `code`, located, so that the dev server's error overlay
   * shows it rather than a page cut off at the marker.
   */
  checkMarkers(code: string, id: string): Promise<void>;
  /**
   * Writes the files the rendered pages refer to into `<outDir>/<assetsDir>/`; with `all`, every
   * variant of every scanned marker too (a plain Vite build, where no component renders).
   */
  writeAssets(outDir: string, options?: { all?: boolean }): Promise<void>;
  /** A dev server's review session (the API's path and this server's token), for a host's own panel; none in a build. */
  reviewSession(): { base: string; token: string } | undefined;
}
