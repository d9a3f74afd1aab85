import { describe, expect, test } from 'vitest';
import type { Marker } from '../../src/markers/markers.ts';
import { replaceTags, replaceTagsOfSource } from '../../src/rewrite/html.ts';

const render = async (attributes: Record<string, unknown>, marker: Marker) =>
  `<picture data-at="${marker.location.file}:${marker.location.line}" data-alt="${String(attributes.alt)}"></picture>`;

describe('replaceTags', () => {
  const html = '<h1>T</h1>\n<GenImage prompt="a lake" seed="9" alt="A lake" />\n<p>and</p><GenImage prompt="unknown" alt="?" />';
  const source = {
    file: 'src/content/notes/lake.md',
    location: { file: 'src/content/notes/lake.md', line: 5, column: 1 },
    attributes: [],
    span: { start: 0, end: 0 },
  } satisfies Marker;

  test('renders each tag with the marker it came from, or located in the page when none matches', async () => {
    const result = await replaceTags(
      html,
      'dist/notes/lake/index.html',
      (tag) => (tag.attributes.some((attribute) => attribute.value === 'a lake') ? source : undefined),
      render,
    );
    expect(result).toBe(
      '<h1>T</h1>\n<picture data-at="src/content/notes/lake.md:5" data-alt="A lake"></picture>\n<p>and</p><picture data-at="dist/notes/lake/index.html:3" data-alt="?"></picture>',
    );
  });

  test('leaves HTML without raw tags alone', async () => {
    expect(await replaceTags('<p>&lt;GenImage /&gt;</p>', 'a.html', () => undefined, render)).toBeUndefined();
  });
});

describe('replaceTagsOfSource', () => {
  const source = [
    '---',
    'title: T',
    '---',
    '',
    '<GenImage prompt="a lake" alt="A lake" />',
    '',
    '<GenImage',
    '  prompt="a lake"',
    '  alt="A lake"',
    '/>',
  ].join('\n');

  test('locates each tag at its own marker in the source, two equal markers included', async () => {
    const html = '<GenImage prompt="a lake" alt="A lake" />\n<p><GenImage\nprompt="a lake"\nalt="A lake"\n/></p>';
    expect(await replaceTagsOfSource(html, source, 'src/pages/post.md', render)).toBe(
      '<picture data-at="src/pages/post.md:5" data-alt="A lake"></picture>\n<p><picture data-at="src/pages/post.md:7" data-alt="A lake"></picture></p>',
    );
  });

  test('a tag the source does not hold is located in the page made from it', async () => {
    expect(await replaceTagsOfSource('\n<GenImage prompt="x" alt="X" />', 'no markers', 'index.html', render)).toBe(
      '\n<picture data-at="index.html:2" data-alt="X"></picture>',
    );
  });

  test('a lowercase tag (HTML reads names whatever their case) is matched to its Markdown marker and replaced, closing tag included', async () => {
    const markdown = '# Post\n\n<genimage prompt="a heron" aspectratio="16:9" alt="A heron"></genimage>\n';
    const html = '<h1>Post</h1>\n<p><genimage prompt="a heron" aspectratio="16:9" alt="A heron"></genimage></p>';
    const seen: Record<string, unknown>[] = [];
    const result = await replaceTagsOfSource(html, markdown, 'src/pages/post.md', (attributes, marker) => {
      seen.push(attributes);
      return render(attributes, marker);
    });
    expect(result).toBe('<h1>Post</h1>\n<p><picture data-at="src/pages/post.md:3" data-alt="A heron"></picture></p>');
    expect(seen).toEqual([{ prompt: 'a heron', aspectRatio: '16:9', alt: 'A heron' }]);
  });

  test('a marker the parser rejects fails, located in the source', async () => {
    const markdown = '---\ntitle: T\n---\n\n<GenImage prompt="a" prompt="b" alt="" />';
    await expect(
      replaceTagsOfSource('<GenImage prompt="a" prompt="b" alt="" />', markdown, 'src/pages/p.md', render),
    ).rejects.toMatchObject({ location: { file: 'src/pages/p.md', line: 5 } });
  });
});
