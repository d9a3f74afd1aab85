/**
 * The net over what a build emits: a `<GenImage>` that reached a chunk or a page unrendered, in
 * any form, fails the build. The chunks here hold what Vite 8 emits for a Vue or Svelte marker
 * nothing replaced (the plugin missing, or after the framework's), and the stubs a site imports.
 */
import { fileURLToPath } from 'node:url';
import type { Rollup } from 'vite';
import { describe, expect, test } from 'vitest';
import { unrenderedMarkers } from '../src/unrendered.ts';

const ROOT = '/site';

/** A bundle of one chunk made of `modules` (id to rendered code). */
function chunk(modules: Record<string, string>): Rollup.OutputBundle {
  const entries = Object.entries(modules).map(([id, code]) => [id, { code, renderedLength: code.length }]);
  return {
    'assets/index.js': {
      type: 'chunk',
      fileName: 'assets/index.js',
      modules: Object.fromEntries(entries),
      moduleIds: Object.keys(modules),
    },
  } as unknown as Rollup.OutputBundle;
}

function page(source: string): Rollup.OutputBundle {
  return { 'index.html': { type: 'asset', fileName: 'index.html', source } } as unknown as Rollup.OutputBundle;
}

const VUE = `const _component_GenImage = resolveComponent("GenImage");\nreturn openBlock(), createVNode(_component_GenImage, { prompt: "a fox" });`;
const SVELTE = `var node = sibling(h2, 2);\nGenImage(node, {\n\tprompt: "a fox",\n\tseed: 3\n});`;

describe('unrenderedMarkers', () => {
  test('Vue\'s resolveComponent("GenImage") names the .vue file and asks about the plugin order', () => {
    expect(unrenderedMarkers(chunk({ '/site/src/Hero.vue': VUE }), ROOT)).toEqual([
      "src/Hero.vue: a <GenImage> used as a component, which nothing renders, in assets/index.js (only literal <GenImage ... /> tags of a template are replaced, by the genimage plugin listed before the framework's)",
    ]);
  });

  test.each(['svelte', 'react'])('the @genimage/vite/%s stub in a chunk names its importer', (framework) => {
    const stub = fileURLToPath(new URL(`../src/${framework}.js`, import.meta.url));
    expect(unrenderedMarkers(chunk({ [stub]: 'GenImage', '/site/src/legacy.js': 'use(GenImage$1)' }), ROOT)).toEqual([
      expect.stringMatching(
        new RegExp(`^assets/index\\.js: <GenImage> from @genimage/vite/${framework} is used but was not replaced .* in src/legacy\\.js$`),
      ),
    ]);
  });

  test("Vue's stub is bundled by setup's bindings when the template is not inlined: only a use of it counts", () => {
    const stub = fileURLToPath(new URL('../src/vue.js', import.meta.url));
    const bound = 'const __returned__ = { caption, get GenImage() { return GenImage } }';
    expect(unrenderedMarkers(chunk({ [stub]: 'const GenImage = () => {}', '/site/src/Hero.vue': bound }), ROOT)).toEqual([]);
    for (const use of [
      'createVNode($setup["GenImage"], { alt: "" })',
      'return $setup.GenImage',
      'createBlock(resolveDynamicComponent(GenImage))',
    ])
      expect(unrenderedMarkers(chunk({ [stub]: 'x', '/site/src/Hero.vue': `${bound}\n${use}` }), ROOT), use).toEqual([
        expect.stringMatching(/^src\/Hero\.vue: a <GenImage> used as a component, which nothing renders/),
      ]);
  });

  test("Svelte's compiled call GenImage(node, props) names the .svelte file", () => {
    expect(unrenderedMarkers(chunk({ '/site/src/Gallery.svelte': SVELTE }), ROOT)).toEqual([
      expect.stringMatching(/^src\/Gallery\.svelte: a <GenImage> used as a component, which nothing renders/),
    ]);
  });

  test('a component passed by name from a compiled template (MDX: jsx(GenImage, props)) is caught too', () => {
    expect(unrenderedMarkers(chunk({ '/site/src/post.mdx': 'return _jsx(GenImage, { prompt: "x" });' }), ROOT)).toHaveLength(1);
  });

  test("a script module's own function named GenImage is left alone; a renamed resolveComponent is not", () => {
    expect(unrenderedMarkers(chunk({ '/site/src/util.js': 'function GenImage(a, b) {}\nGenImage(1, 2);' }), ROOT)).toEqual([]);
    expect(unrenderedMarkers(chunk({ '/site/src/render.js': 'h(resolveComponent$1("GenImage"))' }), ROOT)).toHaveLength(1);
  });

  test('the text "GenImage" in a template is no reference', () => {
    expect(unrenderedMarkers(chunk({ '/site/src/About.svelte': 'h2.textContent = "Made with GenImage, by us";' }), ROOT)).toEqual([]);
  });

  test('a raw tag is caught whatever its case, in a page and in JavaScript', () => {
    expect(unrenderedMarkers(page('<p><genimage prompt="a fox" alt="Fox"></genimage></p>'), ROOT)).toEqual([
      'index.html:1:4: a raw <GenImage> tag in the built page',
    ]);
    expect(unrenderedMarkers(chunk({ '/site/src/lit.js': 'html`<genimage prompt="x" alt="">`' }), ROOT)).toEqual([
      'src/lit.js: a raw <GenImage> tag in the JavaScript of assets/index.js',
    ]);
  });
});
