import path from 'node:path';
import {
  firstMarkerError,
  type ImageRenderer,
  type Marker,
  parseOrigin,
  prepareBuild,
  recordAdapterOptions,
  type RenderRequest,
  replaceJsxMarkers,
  replaceTemplateMarkers,
} from '@genimage/core';
import type { Plugin } from 'vite';
import { pluginImages, type ViteState } from './images.ts';
import { reportable } from './report.ts';
import { serveVariants } from './serve.ts';
import { keepPaidAnswers } from './shutdown.ts';
import { CHECK_EVENT, CLIENT_CODE, CLIENT_ID, READY_EVENT, withSwapClient } from './swap.ts';
import { renderHtmlPage } from './html-pages.ts';
import { REVIEW_PANEL_ID, type ReviewPanelAccess, reviewPanelCode, serveReview, withReviewOverlay } from './review.ts';
import { unrenderedMarkers } from './unrendered.ts';
import type { GenImagePluginApi, GenImagePluginOptions, GenImageRuntime } from './types.ts';

export type { GenImagePluginApi, GenImagePluginOptions, GenImageRuntime } from './types.ts';
export type { GenImageConfig } from '@genimage/core';
export { reportable } from './report.ts';
export { CLIENT_ID as SWAP_CLIENT_ID } from './swap.ts';

export const RUNTIME_KEY = Symbol.for('genimage');

export default function genimage(options: GenImagePluginOptions = {}): Plugin & { api: GenImagePluginApi } {
  const vite: ViteState = { config: undefined, server: undefined };
  const images = pluginImages(options, vite);
  const { root, assetsDir, publicPath, logger, buildsEntries, renderer, pendingModules, pendingPlaces, failedModules } = images;
  const shutdown = keepPaidAnswers(renderer, logger);
  let prepared: Promise<void> | undefined;
  /** The dev server's review session: none in a build. */
  let review: ReviewPanelAccess | undefined;

  const api: GenImagePluginApi = {
    prepare: () =>
      (prepared ??= renderer()
        .then(prepareBuild)
        .catch((error: unknown) => Promise.reject(reportable(error)))),
    renderer,
    async renderMarker(attributes, marker, moduleId) {
      const html = await images.renderCurrent({ attributes, origin: marker.location });
      if (moduleId !== undefined && html.includes('data-genimage-pending')) pendingModules.add(moduleId);
      if (moduleId !== undefined && html.includes('data-genimage-failed')) failedModules.add(moduleId);
      else if (moduleId === undefined && vite.server) pendingPlaces.remember(attributes, marker.location, html);
      return html;
    },
    async checkMarkers(code, id) {
      if (!vite.server) return;
      const error = await firstMarkerError((await renderer()).engine, code, relativePath(root(), id));
      if (error) throw reportable(error);
    },
    reviewSession: () => review,
    async writeAssets(outDir, writeOptions = {}) {
      const images = await renderer();
      const result = await images.writeTo(path.join(outDir, assetsDir()), writeOptions);
      const share = result.files === 0 ? '' : ` (${(result.bytes / 1024 / 1024).toFixed(1)} MB)`;
      images.engine.logger.info(`${result.files} file(s) written to ${assetsDir()}/${share} · ${images.optimizer.summary()}`);
    },
  };

  /** A component's props as a request, and its failure in the form Vite reports. */
  const fromProps =
    <T>(work: (images: ImageRenderer, request: RenderRequest) => Promise<T>) =>
    async (props: Record<string, unknown>): Promise<T> => {
      try {
        return await work(await renderer(), { attributes: props, ...withOrigin(props.__genimageOrigin) });
      } catch (error) {
        throw reportable(error);
      }
    };
  const runtime: GenImageRuntime = {
    render: fromProps(async (_images, request) => {
      const html = await images.renderCurrent(request);
      // A pending image's place, so that the page can swap it in once it is ready.
      if (vite.server && request.origin) pendingPlaces.remember(request.attributes, request.origin, html);
      return html;
    }),
    image: fromProps((images, request) => images.image(request)),
  };

  const plugin = {
    name: 'genimage',
    enforce: 'pre',
    api,
    configResolved(resolved) {
      vite.config = resolved;
      (globalThis as Record<symbol, unknown>)[RUNTIME_KEY] = runtime;
    },
    async buildStart() {
      // Per environment: Astro also resolves a serve-mode config during a build.
      if ((this.environment?.config.command ?? vite.config?.command) === 'build') await api.prepare();
    },
    transform: {
      // Before the framework's compiler sees the component (JSX, a Vue or a Svelte template).
      // (Astro's files are @genimage/astro's.)
      order: 'pre',
      filter: { id: /\.(jsx|tsx|vue|svelte)$/, code: '<GenImage' },
      async handler(code, id) {
        const render = (attributes: Record<string, unknown>, marker: Marker) => api.renderMarker(attributes, marker, id);
        const replace = /\.(jsx|tsx)$/.test(id) ? replaceJsxMarkers : replaceTemplateMarkers;
        const result = await replace(code, relativePath(root(), id), render, publicPath()).catch((error: unknown) =>
          Promise.reject(reportable(error)),
        );
        return result === undefined ? undefined : { code: result, map: null };
      },
    },
    transformIndexHtml: {
      // After Vite has processed the page, so that it leaves the image URLs alone (they are ours).
      order: 'post',
      handler: (html, context) =>
        renderHtmlPage(html, context.filename, { root: root(), publicPath: publicPath(), render: api.renderMarker })
          .then((page) => (vite.server ? withSwapClient(page, vite.server.config.base) : page))
          .then((page) =>
            vite.server && review && options.reviewOverlay !== false ? withReviewOverlay(page, review, vite.config?.base ?? '/') : page,
          )
          .catch((error: unknown) => Promise.reject(reportable(error))),
    },
    resolveId: (id) => (id in VIRTUAL_MODULES ? `\0${id}` : undefined),
    load: (id) => (id.startsWith('\0') ? VIRTUAL_MODULES[id.slice(1)]?.() : undefined),
    writeBundle(_output, bundle) {
      // Scanned means rendered, or refused: nothing may ship a raw <GenImage>. (Astro renders its
      // pages after Vite, and @genimage/astro renders the raw tags left in them; its chunks keep
      // Markdown's raw source for rawContent().)
      if (options.emit === 'manual') return;
      const found = unrenderedMarkers(bundle, root(), (id) => this.getModuleInfo(id)?.importers);
      if (found.length > 0)
        this.error(`${found.length} <GenImage> marker(s) were not rendered:\n${found.map((line) => `  ${line}`).join('\n')}`);
    },
    async closeBundle() {
      // Written beside Vite's assets rather than through Rollup's emitFile: the names are content
      // hashes genimage computes itself (the same in every build and tool, so the variant cache
      // and CDN caches stay valid), the bytes are copied from the on-disk variant cache instead of
      // being held in the bundle's memory, and Astro, which renders after the bundle is closed,
      // writes the very same way.
      const config = vite.config;
      if (config?.command === 'build' && options.emit !== 'manual' && !config.build.ssr) {
        await api.writeAssets(path.resolve(root(), config.build.outDir), { all: true });
      }
    },
    configureServer(devServer) {
      // Astro's build also starts a middleware-mode server (no HTTP, no HMR): not a dev server.
      if (devServer.config.server.middlewareMode) return;
      vite.server = devServer;
      // Nothing is generated at start: a marker is, when a page or module that the server serves
      // renders it (on demand, as astro:assets' dev endpoint); `genimage generate` covers the site.
      devServer.middlewares.use(serveVariants(() => publicPath(true), renderer));
      devServer.middlewares.use((req, _res, next) => {
        if (req.headers.accept?.includes('text/html')) images.retryFailedModules();
        next();
      });
      // A page that connected after its images were ready or failed is sent what it missed.
      devServer.ws.on(CHECK_EVENT, (data: { places?: unknown } | undefined, client) =>
        pendingPlaces.catchUp(data?.places, (ready) => client.send(READY_EVENT, ready)),
      );
      review = serveReview(devServer, renderer);
      shutdown.listen(devServer);
    },
    closeServer: () => {
      // A plugin that served dev and then builds in the same process ships no token.
      review = undefined;
      return shutdown.drain();
    },
  } satisfies Plugin & { api: GenImagePluginApi };
  // The CLI reads these from vite.config.* and resolves the same configuration as this build.
  return recordAdapterOptions(plugin, {
    adapter: '@genimage/vite',
    ...(options.config && { options: options.config }),
    ...(options.configFile !== undefined && { configFile: options.configFile }),
    ...(options.root !== undefined && { root: options.root }),
    ...(buildsEntries && { htmlPages: 'vite-entries' as const }),
  });
}

/** The browser modules the plugin serves in dev: the swap client, the review panel. */
const VIRTUAL_MODULES: Record<string, (() => string) | undefined> = { [CLIENT_ID]: () => CLIENT_CODE, [REVIEW_PANEL_ID]: reviewPanelCode };

/** `id` relative to `root`, with `/`: how locations name a file. */
function relativePath(root: string, id: string): string {
  return path.relative(root, id).split(path.sep).join('/');
}

function withOrigin(value: unknown): { origin?: ReturnType<typeof parseOrigin> & object } {
  const origin = parseOrigin(value);
  return origin ? { origin } : {};
}
