import { describe, expect, test } from 'vitest';
import { injectOrigins, replaceJsxMarkers, replaceMarkdownTags } from '../src/transforms.ts';

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
    const markdown = ['# T', '', '<GenImage', '  prompt="a lake"', '  alt="A lake"', '/>', '', '<GenImage prompt="fish" alt="Fish > chips" />'].join('\n');
    const compiled = '<h1>T</h1>\n<p><GenImage\nprompt="a lake"\nalt="A lake"\n/></p>\n<GenImage prompt="fish" alt="Fish > chips" />';
    const module = `const html = async () => await updateImageReferences(${JSON.stringify(compiled)});`;
    const result = await replaceMarkdownTags(module, markdown, 'src/pages/p.md', async (attributes, marker) => `<picture data-at="${marker.location.line}" data-alt="${String(attributes.alt)}"></picture>`);
    const rendered = /updateImageReferences\(("(?:[^"\\]|\\.)*")\)/.exec(result ?? '')?.[1];
    expect(JSON.parse(rendered!)).toBe('<h1>T</h1>\n<p><picture data-at="3" data-alt="A lake"></picture></p>\n<picture data-at="8" data-alt="Fish > chips"></picture>');
  });

  test('a marker the parser rejects fails, located in the Markdown source', async () => {
    const markdown = '---\ntitle: T\n---\n\n<GenImage prompt="a" prompt="b" alt="" />';
    const module = `const html = () => ${JSON.stringify('<GenImage prompt="a" prompt="b" alt="" />')};`;
    await expect(replaceMarkdownTags(module, markdown, 'src/pages/p.md', async () => '')).rejects.toMatchObject({ location: { file: 'src/pages/p.md', line: 5 } });
  });

  test('leaves a module without raw tags alone', async () => {
    expect(await replaceMarkdownTags('const html = () => "<p>hi</p>";', 'hi', 'a.md', async () => '')).toBeUndefined();
  });
});

describe('replaceJsxMarkers', () => {
  const picture = '<picture><img src="/assets/fox-1-64.jpg" alt="" width="64" height="36" class="lit"></picture>';

  test('replaces each literal marker with JSX, passing expressions on to the <img>', async () => {
    const seen: Record<string, unknown>[] = [];
    const code = [
      "import { GenImage } from '@genimage/vite/react';",
      'export const A = () => (',
      '  <div>',
      '    <GenImage prompt="a fox" seed={1} className={styles.hero} alt={t("fox")} fetchPriority="high" />',
      '  </div>',
      ');',
    ].join('\n');
    const result = await replaceJsxMarkers(code, 'src/A.tsx', async (attributes, marker) => {
      seen.push({ ...attributes, at: `${marker.location.line}:${marker.location.column}` });
      return picture;
    });
    expect(seen).toEqual([{ prompt: 'a fox', seed: 1, alt: '', fetchPriority: 'high', at: '4:5' }]);
    expect(result).toBe(code.replace(/<GenImage[^\n]*\/>/, '<picture><img src={"/assets/fox-1-64.jpg"} width={64} height={36} className={styles.hero} alt={t("fox")} /></picture>'));
  });

  test('an expression the build cannot read is an error at its attribute', async () => {
    const code = 'export const A = () => <GenImage prompt="a fox" widths={w} alt="x" />;';
    await expect(replaceJsxMarkers(code, 'src/A.jsx', async () => picture)).rejects.toMatchObject({
      code: 'InvalidAttribute',
      location: { file: 'src/A.jsx', line: 1, column: 49 },
      message: expect.stringContaining('widths={w} is an expression'),
    });
  });

  test('an expression in a generation attribute is an error, never rendered with defaults in its place', async () => {
    let rendered = 0;
    const code = 'export const A = () => <GenImage prompt="a fox" seed={s} alt="x" />;';
    await expect(
      replaceJsxMarkers(code, 'src/A.tsx', async () => {
        rendered++;
        return picture;
      }),
    ).rejects.toMatchObject({ code: 'DynamicAttribute', location: { file: 'src/A.tsx', line: 1, column: 49 }, message: expect.stringContaining('seed={s} is an expression, whose value genimage cannot know') });
    expect(rendered).toBe(0);
  });

  test('a relative base is refused: the URLs would resolve against each route', async () => {
    const code = 'export const A = () => <GenImage prompt="a fox" alt="x" />;';
    await expect(replaceJsxMarkers(code, 'src/A.tsx', async () => picture, './assets/')).rejects.toMatchObject({
      code: 'InvalidOptions',
      location: { file: 'src/A.tsx', line: 1, column: 24 },
      message: expect.stringContaining('A relative base (./assets/) cannot serve the images of a component'),
    });
  });

  test('leaves a module without markers alone', async () => {
    expect(await replaceJsxMarkers('export const A = () => <img />;', 'src/A.tsx', async () => picture)).toBeUndefined();
  });
});
