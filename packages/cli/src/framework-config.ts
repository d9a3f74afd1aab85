/**
 * Finds the site's framework config (`astro.config.*` or `vite.config.*`) and the genimage options
 * given inline in it, loading the file the way the framework does: Astro imports a `.mjs`/`.js`
 * config with Node and runs any other through Vite's module runner; Vite bundles its config. The
 * options are then resolved by `Engine.load` exactly as the build resolves them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type AdapterOptions, GenImageError, InvalidOptions, findAdapterOptions, viteHtmlPages } from '@genimage/core';

/** Looked for at the root in this order, as each framework looks for its own. */
export const FRAMEWORK_CONFIG_FILES = {
  astro: ['astro.config.mjs', 'astro.config.js', 'astro.config.ts', 'astro.config.mts'],
  vite: ['vite.config.js', 'vite.config.mjs', 'vite.config.ts', 'vite.config.cjs', 'vite.config.mts', 'vite.config.cts'],
} as const;

type Framework = keyof typeof FRAMEWORK_CONFIG_FILES;

export interface FrameworkConfig {
  framework: Framework;
  file: string;
  /** The genimage adapter registered there, if any. */
  adapter?: AdapterOptions;
  /** The config's own `root`, absolute, when it sets one. */
  root?: string;
  /** The only HTML pages the build renders, absolute, when Vite builds them (`AdapterOptions.htmlPages`). */
  htmlPages?: string[];
}

/** Whether a file name is a framework config rather than a genimage config. */
export function frameworkOf(file: string): Framework | undefined {
  const name = path.basename(file);
  if (/^astro\.config\.[cm]?[jt]s$/.test(name)) return 'astro';
  if (/^vite\.config\.[cm]?[jt]s$/.test(name)) return 'vite';
  return undefined;
}

export function findFrameworkConfig(root: string): string | undefined {
  for (const name of [...FRAMEWORK_CONFIG_FILES.astro, ...FRAMEWORK_CONFIG_FILES.vite]) {
    const file = path.join(root, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Loads a framework config and finds genimage in it. A config that does not load here is an error
 * that says so: silently using other options than the build would compute other keys.
 */
export async function loadFrameworkConfig(file: string, cwd: string): Promise<FrameworkConfig> {
  const framework = frameworkOf(file);
  if (!framework) throw new GenImageError(InvalidOptions, `${file} is neither an astro.config.* nor a vite.config.* file.`);
  const shown = path.relative(cwd, file) || file;
  const loading = <T>(load: () => Promise<T>): Promise<T> =>
    load().catch((cause: unknown) => {
      const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
      throw new GenImageError(InvalidOptions, `Could not load ${shown} to read genimage's options from it: ${reason}`, {
        hint:
          `genimage reads its options where the build does, so that both compute the same images. Make ${path.basename(file)} load outside ` +
          `\`${framework} build\` (the reason is above), or move genimage's options into genimage.config.mjs, call genimage() there without ` +
          'options, and run the command with --no-framework-config.',
        cause,
      });
    });
  const config = await loading(() => importConfig(framework, file));
  const adapter = await findAdapterOptions(config, shown);
  const ownRoot = (config as { root?: unknown } | undefined)?.root;
  const root =
    typeof ownRoot === 'string' ? path.resolve(path.dirname(file), ownRoot) : ownRoot instanceof URL ? fileURLToPath(ownRoot) : undefined;
  const htmlPages =
    framework === 'vite' && adapter?.htmlPages === 'vite-entries'
      ? await loading(() => resolveViteHtmlPages(file, root ?? path.dirname(file), config))
      : undefined;
  return { framework, file, ...(adapter && { adapter }), ...(root && { root }), ...(htmlPages && { htmlPages }) };
}

/**
 * The HTML pages `vite build` renders, from the config Vite resolves (plugins' `config` hooks
 * included), through the `viteHtmlPages` the plugin calls on the same resolved config.
 */
async function resolveViteHtmlPages(file: string, root: string, loaded: unknown): Promise<string[]> {
  const vite = await importVite(path.dirname(file));
  // Without Vite the site cannot build; its own config's entries are the best answer.
  if (!vite) return viteHtmlPages(root, (loaded as { build?: object } | undefined)?.build);
  const resolved = await vite.resolveConfig({ configFile: file, root, logLevel: 'silent' }, 'build', 'production');
  return viteHtmlPages(resolved.root, resolved.build);
}

async function importConfig(framework: Framework, file: string): Promise<unknown> {
  if (framework === 'astro' && /\.m?js$/.test(file)) {
    // As Astro does: Node first, and Vite's module runner for what Node cannot load.
    try {
      return ((await import(pathToFileURL(file).href)) as { default?: unknown }).default ?? {};
    } catch (error) {
      if (!(await importVite(path.dirname(file)))) throw error;
    }
  }
  const vite = await importVite(path.dirname(file));
  if (!vite) {
    // No Vite next to the site: Node imports JavaScript, and TypeScript by stripping types.
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    return framework === 'vite' ? viteExport(module.default) : (module.default ?? {});
  }
  const env = { command: 'build', mode: 'production', isSsrBuild: false, isPreview: false } as const;
  const loaded = await vite.loadConfigFromFile(
    env,
    file,
    path.dirname(file),
    'silent',
    undefined,
    framework === 'astro' ? 'runner' : 'bundle',
  );
  return loaded?.config;
}

/** A Vite config may be a function of the command; a build is what the CLI stands for. */
async function viteExport(value: unknown): Promise<unknown> {
  return typeof value === 'function'
    ? await (value as (env: object) => unknown)({ command: 'build', mode: 'production', isSsrBuild: false, isPreview: false })
    : value;
}

/** The part of Vite's API used here (genimage's CLI does not depend on Vite itself). */
interface ViteModule {
  loadConfigFromFile(
    env: { command: 'build'; mode: string; isSsrBuild: boolean; isPreview: boolean },
    file: string,
    root: string,
    logLevel: 'silent',
    customLogger: undefined,
    configLoader: 'bundle' | 'runner',
  ): Promise<{ config: unknown } | null>;
  resolveConfig(
    inline: { configFile: string; root: string; logLevel: 'silent' },
    command: 'build',
    mode: string,
  ): Promise<{ root: string; build: object }>;
}

/** The site's own Vite (directly, or Astro's), never one of genimage's: it must load the config as the build does. */
async function importVite(root: string): Promise<ViteModule | undefined> {
  const fromRoot = createRequire(path.join(root, 'package.json'));
  for (const resolveFrom of [() => fromRoot, () => createRequire(fromRoot.resolve('astro/package.json'))]) {
    try {
      return (await import(pathToFileURL(resolveFrom().resolve('vite')).href)) as ViteModule;
    } catch {
      // Not here; try the next place.
    }
  }
  return undefined;
}
