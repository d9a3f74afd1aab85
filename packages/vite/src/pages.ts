import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Engine, Marker, SourceLocation } from '@genimage/core';
import { replaceRawTags, signature } from './raw-tags.ts';

const MARKDOWN = /\.(md|mdx|markdown)$/;

/**
 * Renders the raw `<GenImage>` tags still in the built HTML pages under `outDir`: Markdown that no
 * transform saw (content collections are rendered by Astro's content layer, not by Vite), or any
 * other raw tag. Each is matched to a scanned marker with the same attributes, for the file its
 * relative paths resolve against and its errors point at (a Markdown file first when several
 * match); an unmatched tag is located in the page. A tag that cannot be rendered rejects, so no
 * raw tag ships. Returns how many tags were rendered in how many pages.
 */
export async function renderRawTags(
  outDir: string,
  engine: Engine,
  render: (attributes: Record<string, unknown>, origin: SourceLocation) => Promise<string>,
): Promise<{ tags: number; pages: number }> {
  const pages = (await readdir(outDir, { recursive: true })).filter((name) => name.endsWith('.html'));
  let markers: Promise<Map<string, Marker>> | undefined;
  let tags = 0;
  let changed = 0;
  for (const page of pages) {
    const file = path.join(outDir, page);
    const html = await readFile(file, 'utf8');
    if (!html.includes('<GenImage')) continue;
    // Scanned once, and only when a page holds a raw tag.
    const bySignature = await (markers ??= scanned(engine));
    let count = 0;
    const origin = (tag: Marker) => bySignature.get(signature(tag));
    const location = path.relative(engine.root, file).split(path.sep).join('/');
    const result = await replaceRawTags(html, location, origin, (attributes, marker) => {
      count++;
      return render(attributes, marker.location);
    });
    if (result === undefined) continue;
    await writeFile(file, result);
    tags += count;
    changed++;
  }
  return { tags, pages: changed };
}

/** The project's markers by signature; of several with one signature, the first in a Markdown file. */
async function scanned(engine: Engine): Promise<Map<string, Marker>> {
  const { markers } = await engine.findMarkers();
  const bySignature = new Map<string, Marker>();
  const markdownFirst = [...markers].sort((a, b) => Number(MARKDOWN.test(b.file)) - Number(MARKDOWN.test(a.file)));
  for (const marker of markdownFirst) if (!bySignature.has(signature(marker))) bySignature.set(signature(marker), marker);
  return bySignature;
}
