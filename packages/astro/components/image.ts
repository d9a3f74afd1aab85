import type { ImageData } from '@genimage/core';
import { genimageRuntime } from './runtime.ts';
import type { ImageFunctionOptions } from './types.ts';

export type { ImageData } from '@genimage/core';
export type { ImageFunctionOptions } from './types.ts';

/**
 * A generated image as data, for what a `<picture>` cannot be: an `og:image` meta tag, a CSS
 * background, a preload link. Like Astro's `getImage()`, it returns the URL and size of a file
 * emitted with the pages (content-hashed, like `<GenImage>`'s). Call it in the frontmatter of an
 * `.astro` file or the ESM of an `.mdx` file with literal options only: genimage reads the call
 * before any code runs, so `genimage scan` lists it and the build pays for it once.
 *
 * @example
 * const og = await genImage({ prompt: 'a lighthouse at dusk', seed: 7, width: 1200, height: 630, format: 'jpeg' });
 * // <meta property="og:image" content={new URL(og.src, Astro.site)} />
 */
export function genImage(options: ImageFunctionOptions): Promise<ImageData> {
  // Vite's `import.meta.env`, typed here without Vite's client types.
  const dev = (import.meta as { env?: { DEV?: boolean } }).env?.DEV ?? false;
  // Frontmatter has no `Astro.isPrerendered` to pass: a missing runtime is reported as a missing integration.
  const runtime = genimageRuntime({ dev, prerendered: true });
  return runtime.image({ ...options });
}
