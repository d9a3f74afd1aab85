import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unbuiltPagesMessage, viteHtmlPages } from '../../src/config/vite-pages.ts';

const root = path.resolve('/site');
const at = (...pages: string[]) => pages.map((page) => path.join(root, page));

describe('viteHtmlPages', () => {
  it('is index.html when the build names no entries', () => {
    expect(viteHtmlPages(root)).toEqual(at('index.html'));
    expect(viteHtmlPages(root, { rollupOptions: {} })).toEqual(at('index.html'));
  });

  it('reads a string entry, relative to the root or absolute', () => {
    expect(viteHtmlPages(root, { rollupOptions: { input: 'about/index.html' } })).toEqual(at('about/index.html'));
    expect(viteHtmlPages(root, { rollupOptions: { input: path.join(root, 'about/index.html') } })).toEqual(at('about/index.html'));
  });

  it('reads an array of entries and keeps only the HTML pages', () => {
    const input = ['index.html', 'about/index.html', 'src/worker.ts'];
    expect(viteHtmlPages(root, { rollupOptions: { input } })).toEqual(at('index.html', 'about/index.html'));
  });

  it('reads an object of named entries, nested pages included', () => {
    const input = { main: path.join(root, 'index.html'), about: path.join(root, 'about/index.html'), deep: 'docs/guide/index.html' };
    expect(viteHtmlPages(root, { rollupOptions: { input } })).toEqual(at('index.html', 'about/index.html', 'docs/guide/index.html'));
  });

  it("prefers Vite 8's rolldownOptions, and counts a page named twice once", () => {
    const build = { rolldownOptions: { input: ['about/index.html', './about/index.html'] }, rollupOptions: { input: 'index.html' } };
    expect(viteHtmlPages(root, build)).toEqual(at('about/index.html'));
  });

  it('is empty in library mode', () => {
    expect(viteHtmlPages(root, { lib: { entry: 'src/main.ts' } })).toEqual([]);
  });
});

describe('unbuiltPagesMessage', () => {
  it('names the pages and how to build them, or says nothing', () => {
    expect(unbuiltPagesMessage([])).toBeUndefined();
    const message = unbuiltPagesMessage(['about/index.html']);
    expect(message).toContain('1 HTML page(s)');
    expect(message).toContain('about/index.html');
    expect(message).toContain('build.rollupOptions.input');
  });
});
