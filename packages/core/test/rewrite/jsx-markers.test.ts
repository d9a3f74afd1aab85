import { describe, expect, test } from 'vitest';
import { replaceJsxMarkers } from '../../src/rewrite/jsx-markers.ts';

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
    expect(result).toBe(
      code.replace(
        /<GenImage[^\n]*\/>/,
        '<picture><img src={"/assets/fox-1-64.jpg"} width={64} height={36} className={styles.hero} alt={t("fox")} /></picture>',
      ),
    );
  });

  test('replaces an open marker with its closing tag, and several markers in one file', async () => {
    const code = 'export const A = () => <>\n<GenImage prompt="a" alt="A"></GenImage>\n<GenImage\n  prompt="b > c"\n  alt="B"\n/>\n</>;';
    const result = await replaceJsxMarkers(code, 'src/A.jsx', async (attributes) => `<img alt="${String(attributes.alt)}">`);
    expect(result).toBe('export const A = () => <>\n<img alt={"A"} />\n<img alt={"B"} />\n</>;');
  });

  test('an expression the build cannot read is an error at its attribute', async () => {
    const code = 'export const A = () => <GenImage prompt="a fox" widths={w} alt="x" />;';
    await expect(replaceJsxMarkers(code, 'src/A.jsx', async () => picture)).rejects.toMatchObject({
      code: 'InvalidAttribute',
      location: { file: 'src/A.jsx', line: 1, column: 49 },
      message: expect.stringContaining(
        "widths={w} is an expression; in a component the image is made at build time, so only alt, className, style, sizes, loading, decoding, fetchPriority (and the <img>'s own attributes: id, title, data-*, ...) may be expressions.",
      ),
    });
  });

  test("the <img>'s own attributes may be expressions; an unknown one is refused by name, whatever its value", async () => {
    const code = 'export const A = () => <GenImage prompt="a fox" alt="x" data-index={i} tabIndex={t} />;';
    expect(await replaceJsxMarkers(code, 'src/A.jsx', async () => picture)).toContain('className={"lit"} data-index={i} tabIndex={t} />');
    const typo = 'export const A = () => <GenImage prompt="a fox" seeed={s} alt="x" />;';
    await expect(replaceJsxMarkers(typo, 'src/A.jsx', async () => picture)).rejects.toMatchObject({
      code: 'UnknownAttribute',
      location: { file: 'src/A.jsx', line: 1, column: 49 },
      message: expect.stringContaining('seeed is not a <GenImage> attribute; did you mean seed?'),
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
    ).rejects.toMatchObject({
      code: 'DynamicAttribute',
      location: { file: 'src/A.tsx', line: 1, column: 49 },
      message: expect.stringContaining('seed={s} is an expression, whose value genimage cannot know'),
    });
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
