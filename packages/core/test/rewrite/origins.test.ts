import { describe, expect, test } from 'vitest';
import { injectOrigins } from '../../src/rewrite/origins.ts';

describe('injectOrigins', () => {
  test('adds the marker location to each <GenImage> tag, and to nothing else', () => {
    const source = [
      '---',
      "import { GenImage } from '@genimage/astro/components';",
      '// <GenImage prompt="in a comment" />',
      '---',
      '<GenImage prompt="a fox" alt="" />',
      '<p>text</p> <GenImage',
      '  prompt="a heron" alt="A heron" />',
      '<!-- <GenImage prompt="hidden" alt="" /> -->',
    ].join('\n');
    expect(injectOrigins(source, 'src/pages/x.astro')).toBe(
      [
        '---',
        "import { GenImage } from '@genimage/astro/components';",
        '// <GenImage prompt="in a comment" />',
        '---',
        '<GenImage __genimageOrigin="src/pages/x.astro:5:1" prompt="a fox" alt="" />',
        '<p>text</p> <GenImage __genimageOrigin="src/pages/x.astro:6:13"',
        '  prompt="a heron" alt="A heron" />',
        '<!-- <GenImage prompt="hidden" alt="" /> -->',
      ].join('\n'),
    );
  });

  test('leaves a file without markers alone', () => {
    expect(injectOrigins('<p>no markers</p>', 'src/pages/x.astro')).toBeUndefined();
  });
});
