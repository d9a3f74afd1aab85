import { fileURLToPath } from 'node:url';
import { type Logger, recordAdapterOptions } from '@genimage/core';
import genimagePlugin, { reportable, SWAP_CLIENT_ID } from '@genimage/vite';
import type { AstroIntegration, AstroIntegrationLogger } from 'astro';
import { type GenImageIntegrationOptions, assetsPrefixFor, validateOptions } from './options.ts';
import { renderBuiltPages } from './pages.ts';
import { astroSources } from './sources.ts';
import { answerReviewApp, reviewToolbarApp } from './toolbar.ts';

export type { GenImageIntegrationOptions } from './options.ts';
export type { GenImageConfig } from '@genimage/core';

function coreLogger(logger: AstroIntegrationLogger): Logger {
  return {
    debug: (message) => logger.debug(message),
    info: (message) => logger.info(message),
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  };
}

/**
 * The genimage Astro integration: generates the images `<GenImage>` markers ask for at build
 * time and emits them optimized. The work is the `@genimage/vite` plugin's, registered here the
 * way `@astrojs/mdx` registers its own, with a small plugin of this adapter's for Astro's files
 * (`sources.ts`); this adapter passes Astro's paths and logger and, once Astro has rendered the
 * pages, renders the raw tags left in them (`pages.ts`) and writes the files.
 *
 * @example
 * // astro.config.mjs
 * import genimage from '@genimage/astro';
 * export default defineConfig({ integrations: [genimage({ defaults: { aspectRatio: '16:9' } })] });
 */
export default function genimage(options?: GenImageIntegrationOptions): AstroIntegration {
  let plugin: ReturnType<typeof genimagePlugin> | undefined;
  const report = (logger: AstroIntegrationLogger, error: unknown): never => {
    // The Vite plugin's form of our errors: escaped, located, no stack; Astro prints what it catches.
    const reported = reportable(error);
    logger.error(reported.message);
    throw reported;
  };

  const { configFile, ...inline } = options ?? {};
  const integration: AstroIntegration = {
    name: '@genimage/astro',
    hooks: {
      'astro:config:setup': ({ config, command, updateConfig, injectScript, addDevToolbarApp, logger }) => {
        let validated: ReturnType<typeof validateOptions>;
        try {
          validated = validateOptions(options);
        } catch (error) {
          return report(logger, error);
        }
        const root = fileURLToPath(config.root);
        plugin = genimagePlugin({
          root,
          config: validated.config,
          ...(validated.configFile !== undefined && { configFile: validated.configFile }),
          base: config.base,
          ...assetsPrefixFor(config.build.assetsPrefix, logger),
          assetsDir: config.build.assets,
          logger: coreLogger(logger),
          // Astro renders the pages after the Vite build: the files are written in astro:build:generated.
          emit: 'manual',
          // The review panel is an app of Astro's dev toolbar here, not an overlay of the page.
          reviewOverlay: false,
        });
        updateConfig({ vite: { plugins: [plugin, astroSources(root, plugin.api)] } });
        // In dev, a page swaps its pending images in place as they are generated, without a reload.
        if (command === 'dev') {
          injectScript('page', `import '${SWAP_CLIENT_ID}';`);
          addDevToolbarApp(reviewToolbarApp());
        }
      },
      'astro:server:setup': ({ toolbar }) => {
        if (plugin) answerReviewApp(toolbar, plugin.api.reviewSession);
      },
      // Once the pages are rendered, where Astro writes its own images: integrations listed after
      // this one, and every astro:build:done (where adapters move the output), see the files.
      // (Astro runs the adapter's hooks first, so an adapter's own astro:build:generated does not.)
      'astro:build:generated': async ({ dir, logger }) => {
        try {
          if (!plugin) return;
          await renderBuiltPages(fileURLToPath(dir), await plugin.api.renderer());
          await plugin.api.writeAssets(fileURLToPath(dir));
        } catch (error) {
          report(logger, error);
        }
      },
    },
  };
  // The CLI reads these from astro.config.* and resolves the same configuration as this build.
  return recordAdapterOptions(integration, {
    adapter: '@genimage/astro',
    options: inline,
    ...(configFile !== undefined && { configFile }),
  });
}
