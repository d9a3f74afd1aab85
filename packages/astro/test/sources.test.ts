import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GenImagePluginApi } from '@genimage/vite';
import { describe, expect, test } from 'vitest';
import { astroSources } from '../src/sources.ts';

describe('astroSources', () => {
  const seen: string[] = [];
  const renderMarker: GenImagePluginApi['renderMarker'] = async (_attributes, marker, moduleId) => {
    seen.push(`${marker.location.file}:${marker.location.line} for ${moduleId}`);
    return '<picture></picture>';
  };
  const checked: string[] = [];
  const checkMarkers: GenImagePluginApi['checkMarkers'] = async (_code, id) => void checked.push(id);
  const api = { renderMarker, checkMarkers } as GenImagePluginApi;
  const plugin = astroSources('/site', api);

  test('tells each marker of an .astro or .mdx file its place', async () => {
    const result = await plugin.transform.handler('<GenImage prompt="a fox" alt="" />', '/site/src/pages/a.mdx');
    expect(result?.code).toBe('<GenImage __genimageOrigin="src/pages/a.mdx:1:1" prompt="a fox" alt="" />');
    // Checked while compiling, so that a dev server shows a marker's error in its overlay.
    expect(checked).toEqual(['/site/src/pages/a.mdx']);
  });

  test("renders the tags of Astro's compiled .md module, located in the Markdown file, for that module", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'genimage-sources-'));
    try {
      const file = path.join(dir, 'post.md');
      await writeFile(file, '# T\n\n<GenImage prompt="a fox" alt="" />\n');
      const result = await astroSources(dir, api).transform.handler(
        `const html = () => ${JSON.stringify('<h1>T</h1>\n<GenImage prompt="a fox" alt="" />')};`,
        file,
      );
      expect(result?.code).toBe(`const html = () => ${JSON.stringify('<h1>T</h1>\n<picture></picture>')};`);
      expect(seen).toEqual([`post.md:3 for ${file}`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
