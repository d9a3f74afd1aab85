import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ImageRenderer, parseMarkers } from '@genimage/core';
import { afterEach, describe, expect, test } from 'vitest';
import { renderBuiltPages } from '../src/pages.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A renderer that draws where each tag was located, over a project holding `sources`. */
function fakeRenderer(root: string, sources: Record<string, string>, logged: string[]): ImageRenderer {
  const markers = Object.entries(sources).flatMap(([file, source]) => parseMarkers(source, file).markers);
  const engine = { root, logger: { info: (line: string) => logged.push(line) }, findMarkers: async () => ({ markers, diagnostics: [] }) };
  const render = async ({ origin }: { origin: { file: string; line: number } }) =>
    `<picture data-at="${origin.file}:${origin.line}"></picture>`;
  return { engine, render } as unknown as ImageRenderer;
}

describe('renderBuiltPages', () => {
  test('renders the raw tags of built pages at their Markdown markers first, an unknown tag at its page, and leaves other pages alone', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'genimage-pages-'));
    const outDir = path.join(dir, 'dist');
    await mkdir(path.join(outDir, 'notes/heron'), { recursive: true });
    await writeFile(
      path.join(outDir, 'notes/heron/index.html'),
      '<h1>Heron</h1>\n<GenImage prompt="a heron" alt="A heron" />\n<GenImage prompt="?" alt="" />',
    );
    await writeFile(path.join(outDir, 'index.html'), '<p>&lt;GenImage /&gt;</p>');
    const sources = {
      'src/pages/index.astro': '<GenImage prompt="a heron" alt="A heron" />',
      'src/content/notes/heron.md': '---\nt: 1\n---\n<GenImage prompt="a heron" alt="A heron" />',
    };
    const logged: string[] = [];
    await renderBuiltPages(outDir, fakeRenderer(dir, sources, logged));
    expect(await readFile(path.join(outDir, 'notes/heron/index.html'), 'utf8')).toBe(
      '<h1>Heron</h1>\n<picture data-at="src/content/notes/heron.md:4"></picture>\n<picture data-at="dist/notes/heron/index.html:3"></picture>',
    );
    expect(await readFile(path.join(outDir, 'index.html'), 'utf8')).toBe('<p>&lt;GenImage /&gt;</p>');
    expect(logged).toEqual(['2 raw <GenImage> tag(s) rendered in 1 built page(s)']);
  });
});
