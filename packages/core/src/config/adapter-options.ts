/**
 * The options a site gives genimage inline, in its framework config (`genimage({...})` in
 * `astro.config.*`, the Vite plugin in `vite.config.*`), recorded on the object the adapter
 * returns. The build reads them from its own arguments; the CLI loads the same framework config
 * and finds them here. Both then hand the same values to `Engine.load`, so the CLI and every build
 * resolve one configuration and compute the same keys.
 */
import { GenImageError, InvalidOptions } from '../errors.ts';
import type { GenImageConfig } from './config.ts';

/** A registry symbol: the adapters and the CLI may load different copies of this module. */
export const ADAPTER_OPTIONS = Symbol.for('genimage.adapterOptions');

/** What an adapter passes on to `Engine.load`, besides the root. */
export interface AdapterOptions {
  /** Which adapter, for messages: "@genimage/astro" or "@genimage/vite". */
  adapter: string;
  /** Inline options; they override the config file. */
  options?: GenImageConfig;
  /** A config file relative to the root, or `false` for none. @default the first genimage.config.* */
  configFile?: string | false;
  /** A project root given to the adapter itself (the Vite plugin's `root` option). */
  root?: string;
  /**
   * Which HTML pages the build renders: `"vite-entries"` when Vite builds the pages itself (the
   * Vite plugin, unless its `emit` is "manual"), so the CLI scans the pages `viteHtmlPages` finds
   * in the resolved Vite config, as the build does. @default every HTML page
   */
  htmlPages?: 'vite-entries';
}

/** Records the options on the plugin or integration object the adapter returns. */
export function recordAdapterOptions<T extends object>(target: T, options: AdapterOptions): T {
  Object.defineProperty(target, ADAPTER_OPTIONS, { value: options, enumerable: false });
  return target;
}

/**
 * The genimage adapter registered in a loaded framework config: in Astro's `integrations` (or its
 * `vite.plugins`), or in Vite's `plugins`, arrays nested at any depth as both frameworks allow.
 * Undefined when there is none; an error when there are several, as the build would run twice.
 */
export async function findAdapterOptions(frameworkConfig: unknown, file: string): Promise<AdapterOptions | undefined> {
  const config = (frameworkConfig ?? {}) as { integrations?: unknown; plugins?: unknown; vite?: { plugins?: unknown } };
  const found: AdapterOptions[] = [];
  const visit = async (entry: unknown): Promise<void> => {
    const value = await entry;
    if (Array.isArray(value)) {
      for (const item of value) await visit(item);
    } else if (typeof value === 'object' && value !== null && ADAPTER_OPTIONS in value) {
      found.push((value as Record<symbol, AdapterOptions>)[ADAPTER_OPTIONS]!);
    }
  };
  await visit([config.integrations, config.plugins, config.vite?.plugins]);
  if (found.length > 1) {
    throw new GenImageError(
      InvalidOptions,
      `${file} registers genimage ${found.length} times (${found.map((entry) => entry.adapter).join(', ')}).`,
      {
        hint: 'Register it once: `@genimage/astro` in an Astro site (it adds the Vite plugin itself), `@genimage/vite` in any other Vite site.',
      },
    );
  }
  return found[0];
}
