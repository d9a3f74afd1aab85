/**
 * The HTML pages a Vite build renders, computed from its resolved config: its entries
 * (`build.rolldownOptions.input`, `build.rollupOptions.input` before Vite 8) or, without any,
 * `index.html`. The Vite plugin and the CLI both call it on the config Vite resolved, so the
 * pages a build renders and the pages `genimage scan` lists are one list (other HTML files are
 * never built, so their markers would be paid for and never shown).
 */
import path from 'node:path';

/** The part of Vite's resolved `build` options read here (genimage's core does not import Vite). */
export interface ViteBuildEntries {
  rolldownOptions?: { input?: unknown };
  rollupOptions?: { input?: unknown };
  /** Library mode builds its `lib.entry`, never an HTML page. */
  lib?: unknown;
}

/** Absolute paths of the HTML pages a Vite build with these options renders, in entry order. */
export function viteHtmlPages(root: string, build: ViteBuildEntries = {}): string[] {
  if (build.lib) return [];
  const input = build.rolldownOptions?.input ?? build.rollupOptions?.input ?? 'index.html';
  const entries: unknown[] = typeof input === 'string' ? [input] : Array.isArray(input) ? input : Object.values(input ?? {});
  const pages = entries.filter((entry): entry is string => typeof entry === 'string' && entry.endsWith('.html'));
  // Vite resolves a relative entry against its root.
  return [...new Set(pages.map((page) => path.resolve(root, page)))];
}

/** What a build and `genimage scan` say, once, about pages with markers the build does not render. */
export function unbuiltPagesMessage(pages: readonly string[]): string | undefined {
  if (pages.length === 0) return undefined;
  return (
    `${pages.length} HTML page(s) hold <GenImage> markers but are not entries of the Vite build, so they are not built and their images are not generated: ${pages.join(', ')}. ` +
    'To build them, list every page in `build.rollupOptions.input` (`build.rolldownOptions.input` from Vite 8) in vite.config.* (https://vite.dev/guide/build#multi-page-app).'
  );
}
