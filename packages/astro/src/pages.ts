import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ImageRenderer, MAY_HOLD_MARKER, type Marker, markerMatcher, replaceTags } from '@genimage/core';

const MARKDOWN = /\.(md|mdx|markdown)$/;

/**
 * Renders the raw `<GenImage>` tags still in the built HTML pages under `outDir`: Markdown that no
 * transform saw (content collections are rendered by Astro's content layer, not by Vite), or any
 * other raw tag. Each is matched to a scanned marker with the same attributes, for the file its
 * relative paths resolve against and its errors point at (a Markdown file first when several
 * match: that is where a content layer's tags come from); an unmatched tag is located in the page.
 * A tag that cannot be rendered rejects, so no raw tag ships. Logs how many tags were rendered.
 */
export async function renderBuiltPages(outDir: string, images: ImageRenderer): Promise<void> {
  const { engine } = images;
  const pages = (await readdir(outDir, { recursive: true })).filter((name) => name.endsWith('.html'));
  let origin: Promise<(tag: Marker) => Marker | undefined> | undefined;
  let tags = 0;
  let changed = 0;
  for (const page of pages) {
    const file = path.join(outDir, page);
    const html = await readFile(file, 'utf8');
    if (!MAY_HOLD_MARKER.test(html)) continue;
    // Scanned once, and only when a page holds a raw tag.
    origin ??= engine.findMarkers().then(({ markers }) => markerMatcher(markdownFirst(markers)));
    const match = await origin;
    const location = path.relative(engine.root, file).split(path.sep).join('/');
    const result = await replaceTags(html, location, match, (attributes, marker) => {
      tags++;
      return images.render({ attributes, origin: marker.location });
    });
    if (result === undefined) continue;
    await writeFile(file, result);
    changed++;
  }
  if (tags > 0) engine.logger.info(`${tags} raw <GenImage> tag(s) rendered in ${changed} built page(s)`);
}

function markdownFirst(markers: readonly Marker[]): Marker[] {
  return [...markers].sort((a, b) => Number(MARKDOWN.test(b.file)) - Number(MARKDOWN.test(a.file)));
}
