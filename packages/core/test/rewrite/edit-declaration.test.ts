import { describe, expect, test } from 'vitest';
import { parseAllMarkers } from '../../src/markers/all-markers.ts';
import { interpretMarker } from '../../src/markers/marker-params.ts';
import { declarationKind, editDeclaration } from '../../src/rewrite/edit-declaration.ts';

/**
 * `source` with the seed of its declaration number `index` set to `seed`, checked to parse again
 * (as the scan reads the file) with no problem, to ask for that seed, and to ask for everything
 * else as before.
 */
function writeSeed(source: string, file: string, seed: number, index = 0): string {
  const before = parseAllMarkers(source, file);
  expect(before.diagnostics).toEqual([]);
  const result = editDeclaration(source, before.markers[index]!, 'seed', seed);
  const after = parseAllMarkers(result, file);
  expect(after.diagnostics).toEqual([]);
  expect(after.markers).toHaveLength(before.markers.length);
  const asked = (text: string) => interpretMarker(parseAllMarkers(text, file).markers[index]!).request?.params;
  expect(asked(result)).toEqual({ ...asked(source), seed });
  return result;
}

describe('editDeclaration: tag markers', () => {
  test('JSX and TSX: an existing seed changes in its braces; an absent one is added in braces, on its own line when the others have one', () => {
    expect(writeSeed('export const A = () => <GenImage prompt="a fox" seed={7} alt="" />;', 'src/A.jsx', 42)).toBe(
      'export const A = () => <GenImage prompt="a fox" seed={42} alt="" />;',
    );
    expect(writeSeed('export const A = () => (\n  <GenImage\n    prompt="a fox"\n    alt=""\n  />\n);', 'src/A.tsx', 42)).toBe(
      'export const A = () => (\n  <GenImage\n    prompt="a fox"\n    alt=""\n    seed={42}\n  />\n);',
    );
  });

  test('HTML: a quoted seed stays quoted; an absent one is added quoted', () => {
    expect(writeSeed('<main>\n  <GenImage prompt="a fox" seed="7" alt="" />\n</main>\n', 'index.html', 42)).toBe(
      '<main>\n  <GenImage prompt="a fox" seed="42" alt="" />\n</main>\n',
    );
    expect(writeSeed('<GenImage prompt="a fox" alt="" />', 'index.html', 42)).toBe('<GenImage prompt="a fox" alt="" seed="42" />');
  });

  test('Vue: a bound :seed stays bound; an absent seed is added bound, so Vue reads a number', () => {
    expect(writeSeed('<template>\n  <GenImage prompt="a fox" :seed="7" alt="" />\n</template>\n', 'src/A.vue', 42)).toBe(
      '<template>\n  <GenImage prompt="a fox" :seed="42" alt="" />\n</template>\n',
    );
    const added = writeSeed('<template>\n  <GenImage prompt="a fox" alt="" />\n</template>\n', 'src/A.vue', 42);
    expect(added).toBe('<template>\n  <GenImage prompt="a fox" alt="" :seed="42" />\n</template>\n');
    expect(parseAllMarkers(added, 'src/A.vue').markers[0]?.attributes.at(-1)?.value).toBe(42);
  });

  test('Svelte and Astro: braces', () => {
    expect(writeSeed('<GenImage prompt="a fox" alt="" />', 'src/A.svelte', 42)).toBe('<GenImage prompt="a fox" alt="" seed={42} />');
    const astro = '---\nimport { GenImage } from "@genimage/astro/components";\n---\n<GenImage prompt="a fox" seed={1} alt="" />\n';
    expect(writeSeed(astro, 'src/pages/index.astro', 42)).toBe(astro.replace('seed={1}', 'seed={42}'));
  });

  test('edits the marker it is given and no other', () => {
    const source = '<GenImage prompt="a" seed={1} alt="" />\n<GenImage prompt="b" seed={1} alt="" />\n';
    expect(writeSeed(source, 'src/A.jsx', 9, 1)).toBe('<GenImage prompt="a" seed={1} alt="" />\n<GenImage prompt="b" seed={9} alt="" />\n');
  });
});

const ASTRO_CALL = (options: string) =>
  `---\nimport { genImage } from '@genimage/astro/image';\nconst og = await genImage(${options});\n---\n<meta property="og:image" content={og.src} />\n`;

describe('editDeclaration: image function calls', () => {
  test('an existing seed changes, and nothing else', () => {
    const source = ASTRO_CALL('{ prompt: "a fox", seed: 7, aspectRatio: "16:9" }');
    expect(declarationKind(parseAllMarkers(source, 'src/pages/a.astro').markers[0]!)).toBe('call');
    expect(writeSeed(source, 'src/pages/a.astro', 42)).toBe(source.replace('seed: 7', 'seed: 42'));
  });

  test('on one line: added after the last option', () => {
    const source = ASTRO_CALL("{ prompt: 'a fox', aspectRatio: '16:9' }");
    expect(writeSeed(source, 'src/pages/a.astro', 42)).toBe(source.replace("'16:9' }", "'16:9', seed: 42 }"));
  });

  test('one option a line, with a trailing comma: a line of its own, with one too, after a comment that ends the last line', () => {
    const source = ASTRO_CALL('{\n  prompt: "a fox",\n  aspectRatio: "16:9", // wide\n}');
    expect(writeSeed(source, 'src/pages/a.astro', 42)).toBe(source.replace('// wide\n', '// wide\n  seed: 42,\n'));
  });

  test('one option a line, without a trailing comma: a comma after the last value, the option on a line of its own', () => {
    const source = ASTRO_CALL('{\n\tprompt: "a fox",\n\twidth: 1200 /* px */\n}');
    expect(writeSeed(source, 'src/pages/a.astro', 42)).toBe(source.replace('1200 /* px */\n', '1200, /* px */\n\tseed: 42\n'));
  });

  test('Windows line ends are kept; an .mdx export is edited the same way', () => {
    const source = `export const og = await genImage({\r\n  prompt: "a fox",\r\n  n: 2,\r\n  pick: 1\r\n});\r\n\r\n# Post\r\n`;
    expect(writeSeed(source, 'src/pages/post.mdx', 42)).toBe(source.replace('pick: 1\r\n', 'pick: 1,\r\n  seed: 42\r\n'));
  });
});

describe('editDeclaration: frontmatter entries', () => {
  const POST = '---\ntitle: A night\nhero:\n  prompt: a lighthouse at dusk # the first one\n  seed: 7\n  alt: A lighthouse\n---\n# Body\n';

  test('an existing seed changes, the comments stay', () => {
    expect(declarationKind(parseAllMarkers(POST, 'src/content/blog/a.md').markers[0]!)).toBe('frontmatter');
    expect(writeSeed(POST, 'src/content/blog/a.md', 42)).toBe(POST.replace('seed: 7', 'seed: 42'));
  });

  test('a block mapping: added on a line of its own at the indentation of the last key, after its comment', () => {
    const source = '---\nhero:\n  prompt: a lighthouse\n  alt: A lighthouse # at dusk\nnext: 1\n---\n';
    expect(writeSeed(source, 'a.md', 42)).toBe(source.replace('# at dusk\n', '# at dusk\n  seed: 42\n'));
  });

  test('after a block scalar, and in a list item', () => {
    const block = '---\nhero:\n  prompt: a lighthouse\n  alt: |\n    A lighthouse\n    at dusk\ntitle: T\n---\n';
    expect(writeSeed(block, 'a.md', 42)).toBe(block.replace('at dusk\n', 'at dusk\n  seed: 42\n'));
    const list = '---\ngallery:\n  - prompt: a fox\n    alt: A fox\n  - prompt: a hare\n    alt: A hare\n---\n';
    expect(writeSeed(list, 'a.mdx', 42, 1)).toBe(list.replace('A hare\n', 'A hare\n    seed: 42\n'));
  });

  test('a flow mapping: added inside its braces', () => {
    const source = '---\nhero: { prompt: a fox, alt: A fox }\n---\n';
    expect(writeSeed(source, 'a.md', 42)).toBe('---\nhero: { prompt: a fox, alt: A fox, seed: 42 }\n---\n');
  });

  test('Windows line ends are kept', () => {
    const source = '---\r\nhero:\r\n  prompt: a fox\r\n  alt: A fox\r\n---\r\n';
    expect(writeSeed(source, 'a.md', 42)).toBe('---\r\nhero:\r\n  prompt: a fox\r\n  alt: A fox\r\n  seed: 42\r\n---\r\n');
  });
});
