import { describe, expect, test } from 'vitest';
import { replaceMarkdownTags } from '../src/markdown-module.ts';

describe('replaceMarkdownTags', () => {
  const source = [
    '---',
    'title: T',
    '---',
    '',
    '<GenImage prompt="a lake" seed="9" alt="A lake" />',
    '',
    'Inline `<GenImage prompt="a badger" alt="" />` code.',
    '',
    '<GenImage prompt="a hill" alt="A hill" />',
  ].join('\n');
  const html =
    '<GenImage prompt="a lake" seed="9" alt="A lake" />\n<p>Inline <code>&lt;GenImage prompt="a badger" alt="" /&gt;</code> code.</p>\n<GenImage prompt="a hill" alt="A hill" />';
  const code = `const html = () => ${JSON.stringify(html)};\nexport function rawContent() { return ${JSON.stringify(source)}; }`;

  test('replaces each raw tag in the HTML string with the rendered HTML, located at its marker', async () => {
    const seen: string[] = [];
    const result = await replaceMarkdownTags(code, source, 'src/pages/post.md', async (attributes, marker) => {
      seen.push(`${marker.location.file}:${marker.location.line}:${marker.location.column} ${JSON.stringify(attributes)}`);
      return `<picture data-prompt="${String(attributes.prompt)}"></picture>`;
    });
    expect(seen).toEqual([
      'src/pages/post.md:5:1 {"prompt":"a lake","seed":"9","alt":"A lake"}',
      'src/pages/post.md:9:1 {"prompt":"a hill","alt":"A hill"}',
    ]);
    const rendered = /const html = \(\) => ("(?:[^"\\]|\\.)*");/.exec(result ?? '')?.[1];
    expect(JSON.parse(rendered!)).toBe(
      '<picture data-prompt="a lake"></picture>\n<p>Inline <code>&lt;GenImage prompt="a badger" alt="" /&gt;</code> code.</p>\n<picture data-prompt="a hill"></picture>',
    );
    // rawContent() keeps the Markdown as written.
    expect(result).toContain(`return ${JSON.stringify(source)};`);
  });

  test('reads a tag spanning lines and a ">" in a value, as the compiled HTML holds them', async () => {
    const markdown = [
      '# T',
      '',
      '<GenImage',
      '  prompt="a lake"',
      '  alt="A lake"',
      '/>',
      '',
      '<GenImage prompt="fish" alt="Fish > chips" />',
    ].join('\n');
    const compiled = '<h1>T</h1>\n<p><GenImage\nprompt="a lake"\nalt="A lake"\n/></p>\n<GenImage prompt="fish" alt="Fish > chips" />';
    const module = `const html = async () => await updateImageReferences(${JSON.stringify(compiled)});`;
    const result = await replaceMarkdownTags(
      module,
      markdown,
      'src/pages/p.md',
      async (attributes, marker) => `<picture data-at="${marker.location.line}" data-alt="${String(attributes.alt)}"></picture>`,
    );
    const rendered = /updateImageReferences\(("(?:[^"\\]|\\.)*")\)/.exec(result ?? '')?.[1];
    expect(JSON.parse(rendered!)).toBe(
      '<h1>T</h1>\n<p><picture data-at="3" data-alt="A lake"></picture></p>\n<picture data-at="8" data-alt="Fish > chips"></picture>',
    );
  });

  test('a marker the parser rejects fails, located in the Markdown source', async () => {
    const markdown = '---\ntitle: T\n---\n\n<GenImage prompt="a" prompt="b" alt="" />';
    const module = `const html = () => ${JSON.stringify('<GenImage prompt="a" prompt="b" alt="" />')};`;
    await expect(replaceMarkdownTags(module, markdown, 'src/pages/p.md', async () => '')).rejects.toMatchObject({
      location: { file: 'src/pages/p.md', line: 5 },
    });
  });

  test('leaves a module without raw tags alone', async () => {
    expect(await replaceMarkdownTags('const html = () => "<p>hi</p>";', 'hi', 'a.md', async () => '')).toBeUndefined();
  });
});
