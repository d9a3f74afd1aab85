import { describe, expect, test } from 'vitest';
import { refuseUnsupportedMarkers } from '../../src/rewrite/unsupported.ts';

const VUE = '<template>\n  <h1>Hi</h1>\n  <GenImage prompt="a fox" :seed="2" alt="Fox" />\n</template>\n';
const SVELTE = '<script>\n  let title = "x";\n</script>\n\n<GenImage prompt="a fox" seed={3} alt="Fox" />\n';

describe('refuseUnsupportedMarkers', () => {
  test('a marker in a .vue file is refused at its <, with the UnsupportedMarkerFile code', () => {
    expect(() => refuseUnsupportedMarkers(VUE, 'src/Hero.vue')).toThrow(
      expect.objectContaining({
        code: 'UnsupportedMarkerFile',
        message: expect.stringContaining('<GenImage> in a .vue file is not rendered yet'),
        location: { file: 'src/Hero.vue', line: 3, column: 3 },
      }),
    );
  });

  test('a marker in a .svelte file is refused at its <', () => {
    expect(() => refuseUnsupportedMarkers(SVELTE, 'src/Gallery.svelte')).toThrow(
      expect.objectContaining({
        message: expect.stringContaining('.svelte file'),
        location: { file: 'src/Gallery.svelte', line: 5, column: 1 },
      }),
    );
  });

  test('a marker in a comment of a .vue file, or in a file a renderer handles, passes', () => {
    expect(() => refuseUnsupportedMarkers('<template><!-- <GenImage prompt="x" alt="" /> --></template>', 'src/A.vue')).not.toThrow();
    expect(() => refuseUnsupportedMarkers('<GenImage prompt="x" alt="" />', 'index.html')).not.toThrow();
  });
});
