import type { GenImageRuntime } from './types.ts';

/** Where the genimage Vite plugin puts its runtime, in the process that renders the pages. */
const RUNTIME_KEY = Symbol.for('genimage');

export interface RenderContext {
  /** `import.meta.env.DEV`: under `astro dev`. */
  dev: boolean;
  /** `Astro.isPrerendered`: the page is rendered at build time. */
  prerendered: boolean;
}

/**
 * The runtime `<GenImage>` renders with. It exists where the genimage integration runs: in
 * `astro dev` and in `astro build`, which renders the prerendered pages. A page rendered on
 * demand in production runs in the server, where no integration runs: that is said apart from
 * a missing integration, since the fixes differ.
 */
export function genimageRuntime(context: RenderContext): GenImageRuntime {
  const runtime = (globalThis as Record<symbol, unknown>)[RUNTIME_KEY] as GenImageRuntime | undefined;
  if (runtime) return runtime;
  if (!context.dev && !context.prerendered) {
    throw new Error(
      '<GenImage> cannot render on a page rendered on demand (`export const prerender = false`, or `output: "server"`): ' +
        'it works on prerendered pages and in `astro dev`, with genimage() from @genimage/astro in `integrations`. Prerender this page (`export const prerender = true`).',
    );
  }
  throw new Error('<GenImage> needs the genimage integration: add genimage() from @genimage/astro to `integrations` in astro.config.');
}
