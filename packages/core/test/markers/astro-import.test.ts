import { describe, expect, it } from 'vitest';
import { importsGenImage, refuseUnimported } from '../../src/markers/astro-import.ts';
import { parseMarkers } from '../../src/markers/markers.ts';

const FILE = 'src/pages/index.astro';
const BODY = '<main>\n  <GenImage prompt="a fox" alt="A fox" />\n</main>\n';

/** The page with `frontmatter` between its --- lines, refused or kept. */
function check(frontmatter: string | undefined, body = BODY, file = FILE) {
  const source = frontmatter === undefined ? body : `---\n${frontmatter}\n---\n${body}`;
  return refuseUnimported(source, file, parseMarkers(source, file).markers);
}

describe('refuseUnimported', () => {
  it.each([
    ["import { GenImage } from '@genimage/astro/components';"],
    ['import GenImage from "../components/GenImage.astro";'],
    ["import { Other, GenImage as GenImage } from '@genimage/astro/components';"],
    ["import { GenImage as Img, Picture as GenImage } from './images';"],
    ["import Layout, {\n  GenImage,\n} from '~/lib';"],
    ["const title = 'x';\nimport { GenImage } from '@genimage/astro/components'\nconst y = 1;"],
  ])('keeps the markers of a page that imports the component: %s', (frontmatter) => {
    const { markers, diagnostics } = check(frontmatter);
    expect(diagnostics).toEqual([]);
    expect(markers).toHaveLength(1);
  });

  it.each([
    ['no frontmatter', undefined],
    ['a frontmatter without the import', "import Layout from '../layouts/Layout.astro';"],
    ['an import commented out', "// import { GenImage } from '@genimage/astro/components';"],
    ['a block comment', "/* import { GenImage } from '@genimage/astro/components'; */"],
    ['another name', "import { GenImage as Img } from '@genimage/astro/components';"],
    ['a type only', "import type { GenImage } from '@genimage/astro/components';"],
  ])('refuses each marker of a page with %s, at the marker, with the import in the hint', (_, frontmatter) => {
    const { markers, diagnostics } = check(frontmatter);
    expect(markers).toEqual([]);
    const line = frontmatter === undefined ? 2 : frontmatter.split('\n').length + 4;
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'MissingImport',
        location: { file: FILE, line, column: 3 },
        message: expect.stringContaining('GenImage is not defined'),
        hint: expect.stringContaining("import { GenImage } from '@genimage/astro/components';"),
      }),
    ]);
  });

  it('says nothing about a page whose only <GenImage> is in a comment', () => {
    expect(check(undefined, '<!-- <GenImage prompt="a fox" alt="" /> -->\n')).toEqual({ markers: [], diagnostics: [] });
  });

  it('checks .astro files only: Markdown and HTML have no imports', () => {
    for (const file of ['src/pages/post.md', 'index.html']) expect(check(undefined, BODY, file).markers).toHaveLength(1);
  });

  it('reads only the frontmatter, not an import written in the page', () => {
    expect(importsGenImage(`---\n---\n<code>import { GenImage } from 'x';</code>`)).toBe(false);
  });
});
