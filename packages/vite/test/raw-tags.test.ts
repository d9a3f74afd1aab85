import type { Marker } from '@genimage/core';
import { describe, expect, test } from 'vitest';
import { findRawTags, replaceRawTags, signature } from '../src/raw-tags.ts';

const render = async (attributes: Record<string, unknown>, marker: Marker) => `<picture data-at="${marker.location.file}:${marker.location.line}" data-alt="${String(attributes.alt)}"></picture>`;

describe('findRawTags', () => {
  test('reads a tag over several lines and a ">" inside a quoted value', () => {
    const html = '<p><GenImage\nprompt="a lake"\nalt="A lake"\n/></p>\n<GenImage prompt="fish" alt="Fish > chips" />';
    const tags = findRawTags(html, 'dist/post/index.html');
    expect(tags.map(({ start, end }) => html.slice(start, end))).toEqual(['<GenImage\nprompt="a lake"\nalt="A lake"\n/>', '<GenImage prompt="fish" alt="Fish > chips" />']);
    expect(tags[1]!.tag.attributes.find((attribute) => attribute.name === 'alt')?.value).toBe('Fish > chips');
  });

  test('finds the tags the scanner finds (in <pre> and <code> too, as the scanner does), skips comments, takes a closing </GenImage> along', () => {
    const html = '<pre><GenImage prompt="in pre" alt="" /></pre><code>&lt;GenImage prompt="escaped" alt="" /&gt;</code><!-- <GenImage prompt="x" alt="" /> --><GenImage prompt="open" alt=""></GenImage>.';
    const tags = findRawTags(html, 'a.html');
    expect(tags.map(({ start, end }) => html.slice(start, end))).toEqual(['<GenImage prompt="in pre" alt="" />', '<GenImage prompt="open" alt=""></GenImage>']);
  });

  test('a tag the parser rejects is an error located in the HTML', () => {
    let error: unknown;
    try {
      findRawTags('<p>\n<GenImage prompt="a fox" prompt="a fox" alt="" /></p>', 'dist/index.html');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ message: expect.stringContaining('given twice'), location: { file: 'dist/index.html', line: 2 } });
  });
});

describe('replaceRawTags', () => {
  const html = '<h1>T</h1>\n<GenImage prompt="a lake" seed="9" alt="A lake" />\n<p>and</p><GenImage prompt="unknown" alt="?" />';
  const source = { file: 'src/content/notes/lake.md', location: { file: 'src/content/notes/lake.md', line: 5, column: 1 }, attributes: [] } satisfies Marker;

  test('renders each tag with the marker it came from, or located in the page when none matches', async () => {
    const result = await replaceRawTags(html, 'dist/notes/lake/index.html', (tag) => (tag.attributes.some((attribute) => attribute.value === 'a lake') ? source : undefined), render);
    expect(result).toBe(
      '<h1>T</h1>\n<picture data-at="src/content/notes/lake.md:5" data-alt="A lake"></picture>\n<p>and</p><picture data-at="dist/notes/lake/index.html:3" data-alt="?"></picture>',
    );
  });

  test('leaves HTML without raw tags alone', async () => {
    expect(await replaceRawTags('<p>&lt;GenImage /&gt;</p>', 'a.html', () => undefined, render)).toBeUndefined();
  });
});

describe('signature', () => {
  test('is the same for a marker written in any attribute order, and ignores dynamic values', () => {
    const [a] = findRawTags('<GenImage alt="x" prompt="p" seed={4} />', 'a.html');
    const [b] = findRawTags('<GenImage prompt="p" seed="4" alt="x" {...rest} />', 'b.html');
    expect(signature(a!.tag)).toBe(signature(b!.tag));
  });
});
