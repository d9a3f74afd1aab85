import { describe, expect, test } from 'vitest';
import type { LiteralValue } from '../../src/markers/literals.ts';
import { parseMarkers } from '../../src/markers/markers.ts';
import { editAttribute } from '../../src/rewrite/edit-attribute.ts';

/**
 * `source` with attribute `name` of its marker number `index` set to `value`, checked to parse
 * again and to read as `reads` (a quoted number reads as text, as in HTML).
 */
function edit(
  source: string,
  file: string,
  name: string,
  value: LiteralValue,
  { index = 0, reads = value }: { index?: number; reads?: LiteralValue } = {},
): string {
  const { markers, diagnostics } = parseMarkers(source, file);
  expect(diagnostics).toEqual([]);
  const result = editAttribute(source, markers[index]!, name, value);
  const reread = parseMarkers(result, file);
  expect(reread.diagnostics).toEqual([]);
  expect(reread.markers[index]!.attributes.find((attribute) => attribute.name === name)?.value).toEqual(reads);
  return result;
}

describe('editAttribute', () => {
  test('.astro, .jsx and .tsx: seed={1} stays in braces, seed="1" stays quoted', () => {
    expect(edit('<GenImage prompt="a fox" seed={1} />', 'src/pages/a.astro', 'seed', 42)).toBe('<GenImage prompt="a fox" seed={42} />');
    expect(edit('const A = () => <GenImage prompt="a fox" seed="1" alt="" />;', 'src/A.jsx', 'seed', 42, { reads: '42' })).toBe(
      'const A = () => <GenImage prompt="a fox" seed="42" alt="" />;',
    );
    expect(edit('const A = () => <GenImage seed={ 1 } prompt="a fox" />;', 'src/A.tsx', 'seed', 7)).toBe(
      'const A = () => <GenImage seed={7} prompt="a fox" />;',
    );
  });

  test('.html and .md: a quoted value stays quoted, an unquoted one unquoted', () => {
    expect(edit('<p>\n  <GenImage prompt="a fox" seed="1" alt="" />\n</p>', 'index.html', 'seed', 42, { reads: '42' })).toBe(
      '<p>\n  <GenImage prompt="a fox" seed="42" alt="" />\n</p>',
    );
    expect(edit('# Title\n\n<GenImage prompt=\'a fox\' seed=1 alt="" />\n', 'src/pages/post.md', 'seed', 42, { reads: '42' })).toBe(
      '# Title\n\n<GenImage prompt=\'a fox\' seed=42 alt="" />\n',
    );
  });

  test('changes only that value in a tag over several lines, beside values holding ">" and quotes', () => {
    const source = '---\ntitle: T\n---\n<GenImage\n  prompt="fish > chips"\n  alt=\'say "hi"\'\n  seed={1}\n/>\n';
    expect(edit(source, 'src/pages/a.astro', 'seed', 2)).toBe(source.replace('seed={1}', 'seed={2}'));
  });

  test('writes a value holding ">", quotes or references so that it reads back as itself', () => {
    expect(edit('<GenImage prompt="a" alt="" />', 'src/pages/a.astro', 'alt', 'Fish > chips')).toBe(
      '<GenImage prompt="a" alt="Fish > chips" />',
    );
    expect(edit('<GenImage prompt="a" alt="" />', 'src/pages/a.astro', 'alt', 'say "hi" \\o/')).toBe(
      '<GenImage prompt="a" alt={"say \\"hi\\" \\\\o/"} />',
    );
    expect(edit('<GenImage prompt="a" alt=\'\' />', 'src/A.jsx', 'alt', "it's")).toBe('<GenImage prompt="a" alt={"it\'s"} />');
    expect(edit('<GenImage prompt="a" alt="" />', 'index.html', 'alt', 'say "hi" & bye')).toBe(
      '<GenImage prompt="a" alt="say &quot;hi&quot; &amp; bye" />',
    );
    expect(edit('<GenImage prompt="a" alt=\'\' />', 'src/pages/post.md', 'alt', "it's <b>")).toBe(
      '<GenImage prompt="a" alt=\'it&#39;s &lt;b&gt;\' />',
    );
  });

  test('edits the open marker it is given and leaves its closing tag and the other markers alone', () => {
    const source =
      '<GenImage prompt="a" seed={1}></GenImage>\n<GenImage prompt="b" seed={1}>\n</GenImage>\n<GenImage prompt="c" seed={1} />';
    expect(edit(source, 'src/pages/a.astro', 'seed', 9, { index: 1 })).toBe(
      '<GenImage prompt="a" seed={1}></GenImage>\n<GenImage prompt="b" seed={9}>\n</GenImage>\n<GenImage prompt="c" seed={1} />',
    );
  });

  test('an absent attribute is added after the last one, before "/>" or ">"', () => {
    expect(edit('<GenImage prompt="a fox" alt="" />', 'src/pages/a.astro', 'seed', 42)).toBe(
      '<GenImage prompt="a fox" alt="" seed={42} />',
    );
    expect(edit('<GenImage prompt="a fox"/>', 'index.html', 'seed', 42, { reads: '42' })).toBe('<GenImage prompt="a fox" seed="42"/>');
    expect(edit('<GenImage prompt="a fox"></GenImage>', 'src/pages/post.md', 'widths', [480, 960], { reads: '480, 960' })).toBe(
      '<GenImage prompt="a fox" widths="480, 960"></GenImage>',
    );
    expect(edit('<GenImage prompt="a fox" />', 'src/A.tsx', 'widths', [480, 960])).toBe('<GenImage prompt="a fox" widths={[480, 960]} />');
  });

  test('an absent attribute gets a line of its own when the others have one', () => {
    const source = 'export const A = () => (\n  <GenImage\n    prompt="a fox"\n    alt=""\n  />\n);';
    expect(edit(source, 'src/A.tsx', 'seed', 42)).toBe(
      'export const A = () => (\n  <GenImage\n    prompt="a fox"\n    alt=""\n    seed={42}\n  />\n);',
    );
  });

  test('an attribute written without a value gets one', () => {
    expect(edit('<GenImage prompt="a" seed />', 'src/pages/a.astro', 'seed', 3)).toBe('<GenImage prompt="a" seed={3} />');
  });

  test('Vue: a bound value stays bound, text becomes a plain attribute', () => {
    expect(edit('<template><GenImage prompt="a" :seed="1" /></template>', 'src/A.vue', 'seed', 5)).toBe(
      '<template><GenImage prompt="a" :seed="5" /></template>',
    );
    expect(edit('<template><GenImage :prompt="\'a\'" /></template>', 'src/A.vue', 'prompt', 'b')).toBe(
      '<template><GenImage prompt="b" /></template>',
    );
  });

  test('refuses a marker that was not parsed from this source, and a name it cannot write', () => {
    const [marker] = parseMarkers('<GenImage prompt="a" />', 'a.html').markers;
    expect(() => editAttribute('<p>changed</p><GenImage prompt="a" />', marker!, 'seed', 1)).toThrow('was not parsed from this source');
    expect(() => editAttribute('<GenImage prompt="a" />', marker!, '...', 1)).toThrow('is not an attribute name');
  });
});
