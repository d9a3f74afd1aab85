import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MAY_HOLD_MARKER, injectOrigins, type Marker } from '@genimage/core';
import { type GenImagePluginApi, reportable } from '@genimage/vite';
import { replaceMarkdownTags } from './markdown-module.ts';

/**
 * A Vite plugin for Astro's own files, beside `@genimage/vite`'s: each `<GenImage>` of an `.astro`
 * or `.mdx` file learns its marker's place (the component renders it), and the raw tags of a `.md`
 * page, which Astro compiles to a module holding its HTML, are rendered there.
 */
export function astroSources(root: string, api: GenImagePluginApi) {
  return {
    name: 'genimage:astro-sources',
    enforce: 'pre' as const,
    transform: {
      // Before Astro's and MDX's compilers see the file; a `.md` file arrives already compiled by Astro's `load`.
      order: 'pre' as const,
      filter: { id: /\.(astro|mdx|md|markdown)$/, code: MAY_HOLD_MARKER },
      async handler(code: string, id: string) {
        const file = path.relative(root, id).split(path.sep).join('/');
        const component = /\.(astro|mdx)$/.test(id);
        // Thrown by the component, a marker's error would reach the browser as a page cut off at the
        // marker (Astro streams it with a 200): thrown here, while compiling, Astro's overlay shows it.
        if (component) await api.checkMarkers(code, id);
        const result = component
          ? injectOrigins(code, file)
          : await replaceMarkdownTags(code, await readFile(id, 'utf8'), file, (attributes: Record<string, unknown>, marker: Marker) =>
              api.renderMarker(attributes, marker, id),
            ).catch((error: unknown) => Promise.reject(reportable(error)));
        return result === undefined ? undefined : { code: result, map: null };
      },
    },
  };
}
