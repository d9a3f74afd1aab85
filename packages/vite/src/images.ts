import path from 'node:path';
import { Engine, ImageRenderer, type Logger, Optimizer, type RenderRequest, viteHtmlPages } from '@genimage/core';
import type { ResolvedConfig, ViteDevServer } from 'vite';
import { viteLogger } from './report.ts';
import { PendingPlaces } from './swap.ts';
import type { GenImagePluginOptions } from './types.ts';

/** When a browser module's update is sent again after its images are ready (see showGenerated). */
const RESEND_UPDATE_MS = [1500, 5000];

/** What the plugin's hooks know of Vite when they run: its resolved config, and a dev server's. */
export interface ViteState {
  config: ResolvedConfig | undefined;
  server: ViteDevServer | undefined;
}

/**
 * The plugin's one renderer over one engine, loaded on first use from the plugin's options and
 * Vite's resolved config (root, base, assets folder, entries), and what it needs from a dev server:
 * what showed a pending image is updated in place once the images exist.
 */
export function pluginImages(options: GenImagePluginOptions, vite: ViteState) {
  let rendererPromise: Promise<ImageRenderer> | undefined;
  /** Modules whose markers rendered as pending images: recompiled once the images exist. */
  const pendingModules = new Set<string>();
  /** Pages' markers that rendered as pending images: swapped in place once the images exist. */
  const pendingPlaces = new PendingPlaces();
  /** How many times a background generation ended (ready or failed): see `renderCurrent`. */
  let settled = 0;
  /** Modules that rendered a failed placeholder: compiled again on the next page request, which may retry (`dev.retryAfterMs`). */
  const failedModules = new Set<string>();

  const root = () => path.resolve(options.root ?? vite.config?.root ?? process.cwd());
  const assetsDir = () => options.assetsDir ?? vite.config?.build.assetsDir ?? 'assets';
  /** Where the pages find the files: under the base, or in a build under `assetsPrefix` when given. */
  const publicPath = (dev = vite.server !== undefined) =>
    `${((!dev && options.assetsPrefix) || options.base || vite.config?.base || '/').replace(/\/?$/, '/')}${assetsDir()}/`;
  const logger = (): Logger => options.logger ?? viteLogger(vite.config?.logger);
  // Vite builds its entries only (unless a framework renders the pages, as Astro does with emit
  // "manual"): the CLI computes the same list from the same resolved config (adapter-options.ts).
  const buildsEntries = options.emit !== 'manual';

  /**
   * Images just generated (or failed) are shown without reloading: a browser module that rendered
   * one pending gets an HMR update (React keeps its state), a page's pending image is swapped in
   * place (`swap.ts`). Only a module rendered on the server (SSR) needs its page reloaded.
   */
  function showGenerated(): void {
    settled++;
    const server = vite.server;
    if (!server) return;
    let reload = false;
    for (const id of pendingModules) {
      for (const [name, environment] of Object.entries(server.environments)) {
        const module = environment.moduleGraph.getModuleById(id);
        if (!module) continue;
        if (name === 'client') {
          void environment.reloadModule(module);
          // Vite's client drops an update for a module it has fetched but not yet run (a busy
          // browser still loading the page): sent again a little later, it reaches the module
          // once it runs. A second update of the same code is harmless (React keeps its state).
          for (const delay of RESEND_UPDATE_MS)
            setTimeout(() => {
              const current = environment.moduleGraph.getModuleById(id);
              if (current && !pendingModules.has(id)) void environment.reloadModule(current).catch(() => {});
            }, delay).unref();
        } else {
          environment.moduleGraph.invalidateModule(module);
          reload = true;
        }
      }
    }
    pendingModules.clear();
    if (reload) server.ws.send({ type: 'full-reload' });
    void renderer().then((images) => pendingPlaces.swap(server, images));
  }

  /** A page is requested: modules that showed a failure are compiled again (Vite would serve them as they were). */
  function retryFailedModules(): void {
    const server = vite.server;
    if (!server) return;
    for (const id of failedModules) invalidate(server, id);
    failedModules.clear();
  }

  /**
   * Renders `request` as a page or module shows it. An image that became ready (or failed) while
   * it was rendered pending would be announced before the caller records where it is pending, and
   * stay pending there: it is rendered again, until no generation ended meanwhile.
   */
  async function renderCurrent(request: RenderRequest): Promise<string> {
    const images = await renderer();
    for (;;) {
      const before = settled;
      const html = await images.render(request);
      if (!html.includes('data-genimage-pending') || settled === before) return html;
    }
  }

  const renderer = (): Promise<ImageRenderer> =>
    (rendererPromise ??= (async () => {
      const config = vite.config;
      const engine = await Engine.load({
        root: root(),
        logger: logger(),
        ...(options.config && { options: options.config }),
        ...(options.configFile !== undefined && { configFile: options.configFile }),
        ...(options.env && { env: options.env }),
        ...(options.frozen !== undefined && { frozen: options.frozen }),
        ...(buildsEntries && config && { htmlPages: viteHtmlPages(config.root, config.build) }),
      });
      const optimizer = new Optimizer({
        cacheDir: options.variantsCacheDir ?? path.join(root(), 'node_modules/.cache/genimage/variants'),
        encoder: engine.encoder,
      });
      const mode = vite.server ? 'dev' : 'build';
      return new ImageRenderer({ engine, optimizer, publicPath: publicPath(), mode, onReady: showGenerated });
    })());

  return {
    root,
    assetsDir,
    publicPath,
    logger,
    buildsEntries,
    renderer,
    renderCurrent,
    pendingModules,
    pendingPlaces,
    failedModules,
    retryFailedModules,
  };
}

/** Drops a module's compiled form in every environment: the next request compiles it again. */
function invalidate(server: ViteDevServer, id: string): void {
  for (const environment of Object.values(server.environments)) {
    const module = environment.moduleGraph.getModuleById(id);
    if (module) environment.moduleGraph.invalidateModule(module);
  }
}
