import { describe, expect, it } from 'vitest';
import { parseCallMarkers } from '../../src/markers/call-markers.ts';

const astro = (frontmatter: string, template = '<p>hi</p>') => `---\n${frontmatter}\n---\n${template}\n`;

describe('parseCallMarkers', () => {
  it('reads a genImage() call in .astro frontmatter as a marker with its literal options, located', () => {
    const source = astro(
      `import { genImage } from '@genimage/astro/image';\nconst og = await genImage({ prompt: "a fox", seed: 7, 'aspectRatio': '16:9', widths: [480, 960], });`,
    );
    const { markers, diagnostics } = parseCallMarkers(source, 'src/pages/a.astro');
    expect(diagnostics).toEqual([]);
    expect(markers).toHaveLength(1);
    const [marker] = markers;
    expect(marker?.location).toEqual({ file: 'src/pages/a.astro', line: 3, column: 18 });
    expect(marker?.attributes.map((attribute) => [attribute.name, attribute.value])).toEqual([
      ['prompt', 'a fox'],
      ['seed', 7],
      ['aspectRatio', '16:9'],
      ['widths', [480, 960]],
    ]);
    expect(source.slice(marker?.span.start, marker?.span.end)).toMatch(/^genImage\(\{.*\}\)$/);
  });

  it('keeps format out of the marker (it changes no key) but checks it', () => {
    const ok = parseCallMarkers(astro('genImage({ prompt: "a", format: "jpeg" })'), 'a.astro');
    expect(ok.markers[0]?.attributes.map((attribute) => attribute.name)).toEqual(['prompt']);
    const bad = parseCallMarkers(astro('genImage({ prompt: "a", format: "gif" })'), 'a.astro');
    expect(bad.diagnostics[0]?.message).toContain('format must be one of');
  });

  it('reports a call whose options are not literals at their place, and reads no marker from it', () => {
    const { markers, diagnostics } = parseCallMarkers(
      astro('const p = "x";\nawait genImage({ prompt: p });\nawait genImage(options);\nawait genImage({ [k]: 1 });'),
      'a.astro',
    );
    expect(markers).toEqual([]);
    expect(diagnostics.map((d) => [d.location?.line, d.location?.column, d.severity])).toEqual([
      [3, 26, 'error'],
      [4, 16, 'error'],
      [5, 18, 'error'],
    ]);
  });

  it('reads a spread of options (an image declared elsewhere) as a spread, and the literals beside it', () => {
    const { markers, diagnostics } = parseCallMarkers(
      astro('const og = await genImage({ ...post.data.hero, width: 1200, ...{ a: [1, 2] }, format: "jpeg" });'),
      'src/layouts/Post.astro',
    );
    expect(diagnostics).toEqual([]);
    expect(markers[0]?.attributes.map((attribute) => [attribute.name, attribute.value])).toEqual([
      ['...', { kind: 'dynamic', expression: '...post.data.hero' }],
      ['width', 1200],
      ['...', { kind: 'dynamic', expression: '...{ a: [1, 2] }' }],
    ]);
  });

  it('skips comments, strings, the template and other names', () => {
    const source = astro(
      '// genImage({ prompt: p })\n/* genImage({}) */\nconst s = "genImage({ prompt: p })";\nx.genImage({ prompt: p });\nmyGenImage({ prompt: p });',
      '<GenImage prompt={genImage} />',
    );
    expect(parseCallMarkers(source, 'a.astro')).toEqual({ markers: [], diagnostics: [] });
  });

  it('reads the ESM paragraphs of an .mdx file, not its prose or code', () => {
    const source =
      'import { genImage } from "@genimage/astro/image";\nexport const bg = await genImage({ prompt: "waves" });\n\nText about genImage({ prompt: x }).\n\n```js\ngenImage({ prompt: y })\n```\n';
    const { markers, diagnostics } = parseCallMarkers(source, 'src/content/post.mdx');
    expect(diagnostics).toEqual([]);
    expect(markers.map((marker) => marker.location.line)).toEqual([2]);
  });

  it('finds nothing in other files', () => {
    expect(parseCallMarkers('genImage({ prompt: "a" })', 'a.md').markers).toEqual([]);
  });
});
