import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ALWAYS_EXCLUDE, DEFAULT_INCLUDE, scan } from '../../src/markers/scan.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'genimage-scan-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

/** What an .astro page needs to use the component (`astro-import.ts`): three lines above each page's text. */
const ASTRO_IMPORT = "---\nimport { GenImage } from '@genimage/astro/components';\n---\n";

async function write(files: Record<string, string>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    const absolute = path.join(root, file);
    await mkdir(path.dirname(absolute), { recursive: true });
    await writeFile(absolute, file.endsWith('.astro') ? ASTRO_IMPORT + content : content);
  }
}

const marker = (prompt: string) => `<GenImage prompt="${prompt}" />`;

function promptsOf(markers: { attributes: { name: string; value: unknown }[] }[]): unknown[] {
  return markers.map((found) => found.attributes.find((attribute) => attribute.name === 'prompt')?.value);
}

describe('scan', () => {
  it('finds markers written in any case in HTML and Markdown, as their parser and renderer read them', async () => {
    await write({
      'index.html': '<genimage prompt="lower html" />',
      'post.md': '<GENIMAGE prompt="upper md" />',
      'Page.jsx': 'export default () => <genimage prompt="not a marker in JSX" />;',
    });
    const result = await scan({ root });
    expect(promptsOf(result.markers).sort()).toEqual(['lower html', 'upper md']);
  });

  it('exports the default include patterns and the exclusions', () => {
    expect(DEFAULT_INCLUDE).toEqual(['**/*.{astro,md,mdx,markdown,html,jsx,tsx,vue,svelte}']);
    expect(ALWAYS_EXCLUDE).toEqual([
      '**/node_modules/**',
      'dist/**',
      '.astro/**',
      '.output/**',
      'build/**',
      '.git/**',
      'public/**',
      'genimage-gallery/**',
    ]);
  });

  it('finds markers in every default source type and in every HTML page, but not in public/, build output or dependencies', async () => {
    await write({
      'index.html': marker('html root'),
      'about/index.html': marker('html nested'),
      'docs/guide/index.html': marker('html deep'),
      'public/static.html': marker('public'),
      'dist/index.html': marker('built'),
      'node_modules/pkg/index.html': marker('dependency'),
      'genimage-gallery/index.html': marker('gallery'),
      'src/pages/a.astro': marker('astro'),
      'src/content/b.md': marker('md'),
      'src/content/c.mdx': marker('mdx'),
      'src/d.html': marker('html'),
      'src/e.jsx': `export default () => ${marker('jsx')};`,
      'src/f.tsx': `export default () => ${marker('tsx')};`,
      'src/g.vue': `<template>${marker('vue')}</template>`,
      'src/h.svelte': marker('svelte'),
      'src/i.markdown': marker('markdown'),
      'src/ignored.txt': marker('txt'),
    });
    const result = await scan({ root });
    expect(promptsOf(result.markers).sort()).toEqual([
      'astro',
      'html',
      'html deep',
      'html nested',
      'html root',
      'jsx',
      'markdown',
      'md',
      'mdx',
      'svelte',
      'tsx',
      'vue',
    ]);
    expect(result.files).toBe(12);
    expect(result.filesWithMarkers).toBe(12);
  });

  it('finds sources outside src/ by default: a component in lib/, a content collection in content/', async () => {
    await write({
      'src/pages/index.astro': marker('page'),
      'lib/Outside.astro': marker('astro component'),
      'lib/Outside.tsx': `export const Outside = () => ${marker('react component')};`,
      'content/notes/first.md': `# Note\n\n${marker('note')}`,
    });
    expect(promptsOf((await scan({ root })).markers).sort()).toEqual(['astro component', 'note', 'page', 'react component']);
  });

  it('never scans dependencies, build output, public/, the gallery or the cache by default', async () => {
    await write({
      'src/kept.astro': marker('kept'),
      'node_modules/pkg/a.astro': marker('node_modules'),
      'lib/node_modules/pkg/a.tsx': marker('nested node_modules'),
      'dist/index.html': marker('dist'),
      'build/index.html': marker('build'),
      'public/a.html': marker('public'),
      'genimage-gallery/index.html': marker('gallery'),
      '.genimage/x/a.html': marker('cache'),
      'images/cache/a.html': marker('custom cache'),
    });
    expect(promptsOf((await scan({ root, cacheDir: 'images/cache' })).markers)).toEqual(['kept']);
  });

  it('skips what the .gitignore files exclude, each applied below its own folder', async () => {
    await write({
      '.gitignore': 'generated/\n*.draft.md\n!keep.draft.md\n',
      'generated/page.astro': marker('generated'),
      'src/post.draft.md': marker('draft'),
      'src/keep.draft.md': marker('kept draft'),
      'lib/.gitignore': 'scratch.tsx\n',
      'lib/scratch.tsx': marker('scratch'),
      'lib/Outside.tsx': marker('lib'),
      'scratch.tsx': marker('root scratch, not under lib/'),
    });
    const result = await scan({ root });
    expect(promptsOf(result.markers).sort()).toEqual(['kept draft', 'lib', 'root scratch, not under lib/']);
    expect(result.files).toBe(3);
  });

  it('reads no .gitignore above the root: the site is the root, whatever repository holds it', async () => {
    await write({ '.gitignore': 'site/\n', 'site/src/a.astro': marker('a') });
    expect(promptsOf((await scan({ root: path.join(root, 'site') })).markers)).toEqual(['a']);
  });

  it('takes an explicit include as it is, .gitignore or not', async () => {
    await write({ '.gitignore': 'generated/\n', 'generated/a.astro': marker('generated') });
    expect(promptsOf((await scan({ root, include: ['generated/**/*.astro'] })).markers)).toEqual(['generated']);
  });

  it('scans only the HTML pages the build renders when they are given, and names the others that hold markers', async () => {
    await write({
      'index.html': marker('home'),
      'about/index.html': marker('about'),
      'drafts/empty.html': '<p>no marker</p>',
      'src/App.tsx': `export const App = () => ${marker('app')};`,
    });
    const result = await scan({ root, htmlPages: [path.join(root, 'index.html')] });
    expect(promptsOf(result.markers).sort()).toEqual(['app', 'home']);
    expect(result.files).toBe(2);
    expect(result.unbuiltPages).toEqual(['about/index.html']);
    expect((await scan({ root })).unbuiltPages).toEqual([]);
  });

  it('reports paths relative to the root with forward slashes', async () => {
    await write({ 'src/pages/blog/post.astro': `<p>x</p>\n  ${marker('a')}` });
    const { markers } = await scan({ root });
    expect(markers[0]?.file).toBe('src/pages/blog/post.astro');
    expect(markers[0]?.location).toEqual({ file: 'src/pages/blog/post.astro', line: 5, column: 3 });
  });

  it('counts matched files apart from files with markers', async () => {
    await write({ 'src/a.astro': marker('a') + marker('b'), 'src/b.astro': '<p>none</p>', 'src/c.astro': '<!-- <GenImage /> -->' });
    const result = await scan({ root });
    expect(result).toMatchObject({ files: 3, filesWithMarkers: 1 });
    expect(result.markers).toHaveLength(2);
  });

  it('sorts markers by file, then line, whatever order the files are read in', async () => {
    await write({
      'src/z.astro': marker('z'),
      'src/b/b.astro': `${marker('b1')}\n\n${marker('b3')}`,
      'src/a.astro': `\n${marker('a2')}\n${marker('a3')}`,
      'src/B.astro': marker('B'),
    });
    for (const concurrency of [1, 3, 64]) {
      const { markers } = await scan({ root, concurrency });
      expect(markers.map((found) => `${found.file}:${found.location.line}`)).toEqual([
        'src/B.astro:4',
        'src/a.astro:5',
        'src/a.astro:6',
        'src/b/b.astro:4',
        'src/b/b.astro:6',
        'src/z.astro:4',
      ]);
    }
  });

  it('always skips node_modules, build output and .git, even when include names them', async () => {
    await write({
      'src/kept.astro': marker('kept'),
      'src/node_modules/pkg/a.astro': marker('nested node_modules'),
      'node_modules/pkg/src/a.astro': marker('node_modules'),
      'dist/a.html': marker('dist'),
      '.astro/a.astro': marker('.astro'),
      '.output/a.html': marker('.output'),
      'build/a.html': marker('build'),
      '.git/a.html': marker('.git'),
    });
    const { markers } = await scan({ root, include: ['**/*.{astro,html}'] });
    expect(promptsOf(markers)).toEqual(['kept']);
  });

  it('skips the cache folder, by default .genimage', async () => {
    await write({ 'src/kept.astro': marker('kept'), '.genimage/x/a.html': marker('cache'), 'cache/img/a.html': marker('custom') });
    const include = ['**/*.{astro,html}'];
    expect(promptsOf((await scan({ root, include, concurrency: 2 })).markers).sort()).toEqual(['custom', 'kept']);
    expect(promptsOf((await scan({ root, include, cacheDir: 'cache/img' })).markers)).toEqual(['kept']);
    expect(promptsOf((await scan({ root, include, cacheDir: path.join(root, 'cache') })).markers)).toEqual(['kept']);
  });

  it('honours include and exclude patterns', async () => {
    await write({ 'pages/a.astro': marker('a'), 'pages/drafts/b.astro': marker('b'), 'src/c.astro': marker('c') });
    const { markers } = await scan({ root, include: ['pages/**/*.astro'], exclude: ['pages/drafts/**'] });
    expect(promptsOf(markers)).toEqual(['a']);
  });

  it('returns the syntax diagnostics, located with relative paths and sorted', async () => {
    await write({ 'src/b.astro': '<GenImage prompt="broken', 'src/a.astro': `${marker('ok')}\n<GenImage seed={} />` });
    const { diagnostics, markers } = await scan({ root });
    expect(promptsOf(markers)).toEqual(['ok']);
    expect(
      diagnostics.map((diagnostic) => `${diagnostic.location.file}:${diagnostic.location.line}:${diagnostic.location.column}`),
    ).toEqual(['src/a.astro:5:16', 'src/b.astro:4:18']);
  });

  it('reads files with a byte-order mark and non-ASCII text', async () => {
    await write({ 'src/a.html': `\uFEFF<p>Füchse 🦊</p>\n${marker('ein Fuchs im Schnee ❄')}` });
    const { markers } = await scan({ root });
    expect(promptsOf(markers)).toEqual(['ein Fuchs im Schnee ❄']);
    expect(markers[0]?.location.line).toBe(2);
  });

  it('switches to parallel reads when the storage is slow, with the same result', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 250; i++) files[`src/p${String(i).padStart(3, '0')}.astro`] = i % 10 === 0 ? marker(`m${i}`) : '<p>x</p>';
    await write(files);
    const fast = await scan({ root });
    // Every clock reading 5 ms after the last: each synchronous read seems to take 5 ms.
    let now = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => (now += 5));
    const slow = await scan({ root, concurrency: 4 });
    expect(clock.mock.calls.length).toBe(200); // the first batch of 100 files only, then parallel
    expect(slow).toEqual(fast);
    expect(slow.markers).toHaveLength(25);
  });

  it('finds nothing in an empty project', async () => {
    expect(await scan({ root })).toEqual({ files: 0, filesWithMarkers: 0, markers: [], diagnostics: [], unbuiltPages: [] });
  });

  it('rejects a concurrency below 1', async () => {
    await expect(scan({ root, concurrency: 0 })).rejects.toThrow('Expected `concurrency` to be an integer from 1 and up, got 0');
  });
});
