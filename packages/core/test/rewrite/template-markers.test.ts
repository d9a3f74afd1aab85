import { describe, expect, test } from 'vitest';
import { replaceTemplateMarkers } from '../../src/rewrite/template-markers.ts';

const picture =
  '<picture><source type="image/avif" srcset="/assets/fox-64.avif 64w"><img src="/assets/fox-64.jpg" alt="" width="64" height="36" style="background-color:#123"></picture>';

describe('replaceTemplateMarkers', () => {
  test('Vue: literal attributes go to the renderer, bound ones onto the <img> as written', async () => {
    const seen: Record<string, unknown>[] = [];
    const code = '<template>\n  <GenImage prompt="a fox" :seed="1" :alt="t(\'fox\')" :class="{ hero }" :style="tilt" />\n</template>';
    const result = await replaceTemplateMarkers(code, 'src/Hero.vue', async (attributes, marker) => {
      seen.push({ ...attributes, at: `${marker.location.line}:${marker.location.column}` });
      return picture;
    });
    expect(seen).toEqual([{ prompt: 'a fox', seed: 1, alt: '', at: '2:3' }]);
    // Vue merges style with :style itself: the placeholder stays.
    expect(result).toBe(
      '<template>\n  <picture><source type="image/avif" :srcset="&quot;/assets/fox-64.avif 64w&quot;" /><img :src="&quot;/assets/fox-64.jpg&quot;" width="64" height="36" style="background-color:#123" :alt="t(\'fox\')" :class="{ hero }" :style="tilt" /></picture>\n</template>',
    );
  });

  test("Svelte: expressions kept as written, one style joining the placeholder and the component's", async () => {
    const code = '<GenImage prompt="a fox" seed={1} {alt} style="rotate: {deg}deg" data-index={i} />';
    const result = await replaceTemplateMarkers(code, 'src/Card.svelte', async () => picture);
    expect(result).toBe(
      '<picture><source type="image/avif" srcset="/assets/fox-64.avif 64w" /><img src="/assets/fox-64.jpg" width="64" height="36" {alt} style="background-color:#123;rotate: {deg}deg" data-index={i} /></picture>',
    );
  });

  test('an expression in a generation attribute is an error at its place, never rendered', async () => {
    let rendered = 0;
    const render = async () => {
      rendered++;
      return picture;
    };
    await expect(
      replaceTemplateMarkers('<template><GenImage prompt="a" :seed="s" alt="" /></template>', 'src/A.vue', render),
    ).rejects.toMatchObject({
      code: 'DynamicAttribute',
      location: { file: 'src/A.vue', line: 1, column: 32 },
    });
    await expect(replaceTemplateMarkers('<GenImage prompt="a {b}" alt="" />', 'src/A.svelte', render)).rejects.toMatchObject({
      code: 'DynamicAttribute',
      location: { file: 'src/A.svelte', line: 1, column: 11 },
    });
    expect(rendered).toBe(0);
  });

  test('a marker outside the template is left alone; a file without one is undefined', async () => {
    const code = '<script setup>\nconst example = \'<GenImage prompt="x" />\';\n</script>\n<template><p /></template>';
    expect(await replaceTemplateMarkers(code, 'src/A.vue', async () => picture)).toBeUndefined();
  });

  test('a relative base is refused, located at the first marker', async () => {
    await expect(
      replaceTemplateMarkers('<GenImage prompt="a" alt="" />', 'src/A.svelte', async () => picture, './assets/'),
    ).rejects.toMatchObject({
      code: 'InvalidOptions',
      location: { file: 'src/A.svelte', line: 1, column: 1 },
    });
  });
});
