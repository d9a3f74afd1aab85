import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MAY_HOLD_MARKER, type Marker, replaceTagsOfSource } from '@genimage/core';

export interface HtmlPageContext {
  root: string;
  /** Where the pages find the files, e.g. `/assets/` or, with a relative base, `./assets/`. */
  publicPath: string;
  render: (attributes: Record<string, unknown>, marker: Marker) => Promise<string>;
}

/**
 * An HTML page (an entry of a Vite build, or served by the dev server) with each marker replaced
 * by its `<picture>`. The page arrives processed by Vite; its source file gives each tag its
 * location. Returns the page unchanged when it has no marker.
 */
export async function renderHtmlPage(html: string, filename: string, context: HtmlPageContext): Promise<string> {
  if (!MAY_HOLD_MARKER.test(html)) return html;
  const page = path.relative(context.root, filename).split(path.sep).join('/');
  const source = await readFile(filename, 'utf8').catch(() => html);
  const result = await replaceTagsOfSource(html, source, page, async (attributes, marker) =>
    relativeToPage(await context.render(attributes, marker), page, context.publicPath),
  );
  return result ?? html;
}

/**
 * With a relative `base` (`./`), the renderer's URLs are relative to the site's root; a page in a
 * subfolder (`about/index.html`) reaches the files one folder up per level, as Vite does for its
 * own assets.
 */
function relativeToPage(html: string, page: string, publicPath: string): string {
  const up = path.posix.relative(path.posix.dirname(page), '.');
  if (!publicPath.startsWith('./') || up === '') return html;
  return html.replaceAll(publicPath, `${up}/${publicPath.slice(2)}`);
}
