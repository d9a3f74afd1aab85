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
        const result = /\.(astro|mdx)$/.test(id)
          ? injectOrigins(code, file)
          : await replaceMarkdownTags(code, await readFile(id, 'utf8'), file, (attributes: Record<string, unknown>, marker: Marker) =>
              api.renderMarker(attributes, marker, id),
            ).catch((error: unknown) => Promise.reject(reportable(error)));
        return result === undefined ? undefined : { code: result, map: null };
      },
    },
  };
}
