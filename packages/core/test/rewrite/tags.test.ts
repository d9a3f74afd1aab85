import { describe, expect, test } from 'vitest';
import { attributesOf, findTags, splice } from '../../src/rewrite/tags.ts';

const written = (text: string, file = 'a.html') => findTags(text, file).map(({ span }) => text.slice(span.start, span.end));

describe('findTags', () => {
  test('reads a tag over several lines and a ">" inside a quoted value', () => {
    const html = '<p><GenImage\nprompt="a lake"\nalt="A lake"\n/></p>\n<GenImage prompt="fish" alt="Fish > chips" />';
    expect(written(html, 'dist/post/index.html')).toEqual([
      '<GenImage\nprompt="a lake"\nalt="A lake"\n/>',
      '<GenImage prompt="fish" alt="Fish > chips" />',
    ]);
    expect(attributesOf(findTags(html, 'dist/post/index.html')[1]!)).toEqual({ prompt: 'fish', alt: 'Fish > chips' });
  });

  test('finds the tags the scanner finds (in <pre> and <code> too, as the scanner does), skips comments, takes a closing </GenImage> along', () => {
    const html =
      '<pre><GenImage prompt="in pre" alt="" /></pre><code>&lt;GenImage prompt="escaped" alt="" /&gt;</code><!-- <GenImage prompt="x" alt="" /> --><GenImage prompt="open" alt=""></GenImage>.';
    expect(written(html)).toEqual(['<GenImage prompt="in pre" alt="" />', '<GenImage prompt="open" alt=""></GenImage>']);
  });

  test('a tag the parser rejects is an error located in the text', () => {
    expect(() => findTags('<p>\n<GenImage prompt="a fox" prompt="a fox" alt="" /></p>', 'dist/index.html')).toThrow(
      expect.objectContaining({
        message: expect.stringContaining('given twice'),
        location: { file: 'dist/index.html', line: 2, column: 26 },
      }),
    );
  });
});

describe('splice', () => {
  test('replaces each span with its replacement and keeps the text between', () => {
    expect(
      splice(
        'a [x] b [y] c',
        [
          { start: 2, end: 5 },
          { start: 8, end: 11 },
        ],
        ['1', '22'],
      ),
    ).toBe('a 1 b 22 c');
  });

  test('an empty span inserts', () => {
    expect(splice('ab', [{ start: 1, end: 1 }], ['-'])).toBe('a-b');
  });
});
