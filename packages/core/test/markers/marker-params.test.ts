import { describe, expect, it } from 'vitest';
import { ASPECT_RATIOS, DEFAULT_MODEL, generationParamsSchema } from '../../src/params.ts';
import { GENERATION_ATTRIBUTES } from '../../src/attributes.ts';
import { interpretMarker, type MarkerContext } from '../../src/markers/marker-params.ts';
import { parseMarkers, type Marker } from '../../src/markers/markers.ts';

const FILE = 'src/pages/index.astro';

function marker(source: string): Marker {
  const { markers, diagnostics } = parseMarkers(source, FILE);
  expect(diagnostics).toEqual([]);
  expect(markers).toHaveLength(1);
  return markers[0] as Marker;
}

function interpret(source: string, context: MarkerContext = {}) {
  return interpretMarker(marker(source), context);
}

/** The only diagnostic of a marker, asserting there is exactly one. */
function only(source: string, context: MarkerContext = {}) {
  const { request, diagnostics } = interpret(source, context);
  expect(diagnostics).toHaveLength(1);
  return { request, diagnostic: diagnostics[0]! };
}

const presets: MarkerContext['presets'] = {
  hero: { prompt: 'watercolor, soft light', aspectRatio: '21:9', seed: 7, imageSize: '2K', reference: './style.png' },
  square: { aspectRatio: '1:1', n: 2 },
};

describe('marker-params', () => {
  it.each([
    ['widths={["wide"]}', 'widths', 'widths=["wide"] must list positive integers, e.g. widths={[480, 960]}.'],
    ['widths="480, 0"', 'widths', 'widths="480, 0" must list positive integers, e.g. widths={[480, 960]}.'],
    ['formats={["avif", "gif"]}', 'formats', 'formats="gif" is not one of avif, webp, jpeg, png.'],
    ['quality={500}', 'quality', 'quality=500 must be an integer from 1 to 100.'],
    ['loading="soon"', 'loading', 'loading="soon" is not one of lazy, eager.'],
    ['decoding="fast"', 'decoding', 'decoding="fast" is not one of async, sync, auto.'],
    ['fetchpriority={1}', 'fetchpriority', 'fetchpriority=1 is not one of high, low, auto.'],
    ['placeholder="dots"', 'placeholder', 'placeholder="dots" is not one of blur, color, none.'],
  ])('refuses the rendering attribute %s at scan time, at its location, before anything is generated', (attribute, name, message) => {
    const { request, diagnostic } = only(`<GenImage prompt="a cat"\n  ${attribute} alt="x" />`);
    expect(request).toBeUndefined();
    expect(diagnostic).toMatchObject({
      severity: 'error',
      code: 'InvalidAttribute',
      attribute: name,
      message,
      location: { file: FILE, line: 2, column: 3 },
    });
  });

  it('reads React spellings in .jsx/.tsx as the attributes they are, and checks them at scan time', () => {
    const { markers } = parseMarkers('<GenImage prompt="a cat" className="hero" fetchPriority="bogus" alt="x" />', 'src/App.tsx');
    const { request, diagnostics } = interpretMarker(markers[0]!);
    expect(request).toBeUndefined();
    expect(diagnostics).toEqual([
      expect.objectContaining({ attribute: 'fetchpriority', message: 'fetchpriority="bogus" is not one of high, low, auto.' }),
    ]);
    const valid = interpretMarker(
      parseMarkers('<GenImage prompt="a cat" className="hero" fetchPriority="high" alt="x" />', 'src/App.jsx').markers[0]!,
    );
    expect(valid.request?.render).toEqual({ class: 'hero', fetchpriority: 'high', alt: 'x' });
  });

  it('accepts valid rendering attributes and leaves expressions to the renderer', () => {
    const { request, diagnostics } = interpret(
      '<GenImage prompt="a cat" widths="320, 640" formats={["webp"]} quality={80} loading="eager" decoding="sync" fetchpriority="high" placeholder="none" class={styles.hero} sizes={sizes} alt={alt} />',
    );
    expect(diagnostics).toEqual([]);
    expect(request?.render).toEqual({
      widths: '320, 640',
      formats: ['webp'],
      quality: 80,
      loading: 'eager',
      decoding: 'sync',
      fetchpriority: 'high',
      placeholder: 'none',
    });
  });

  it.each(['src/App.vue', 'src/lib/Card.svelte'])('reads a marker of a %s template as any other', (file) => {
    const { markers } = parseMarkers('<template>\n  <GenImage prompt="a cat" alt="x" :seed="3" />\n</template>', file);
    const { request, diagnostics } = interpretMarker(markers[0]!);
    expect(diagnostics).toEqual([]);
    expect(request).toMatchObject({ params: { prompt: 'a cat', seed: 3 }, render: { alt: 'x' }, location: { file, line: 2, column: 3 } });
  });

  it('lists the generation attributes', () => {
    expect(GENERATION_ATTRIBUTES).toEqual(['prompt', 'seed', 'n', 'pick', 'aspectRatio', 'imageSize', 'model', 'reference', 'preset']);
  });

  it('builds a request with the defaults of the schema filled in', () => {
    const { request, diagnostics } = interpret('<GenImage prompt="a red fox" />');
    expect(diagnostics).toEqual([]);
    expect(request).toEqual({
      params: { prompt: 'a red fox', model: DEFAULT_MODEL, seed: -1, n: 1, imageSize: '1K', aspectRatio: '1:1', reference: [] },
      pick: 0,
      render: {},
      location: { file: FILE, line: 1, column: 1 },
      file: FILE,
    });
  });

  it('returns params that parse with generationParamsSchema unchanged', () => {
    const { request } = interpret('<GenImage prompt=" a fox " seed={3} n={4} aspectRatio="9:16" imageSize="4K" reference="a.png" />');
    expect(generationParamsSchema.parse(request?.params)).toEqual(request?.params);
    expect(request?.params).toMatchObject({ prompt: 'a fox', seed: 3, n: 4, aspectRatio: '9:16', imageSize: '4K', reference: ['a.png'] });
  });

  it('takes the config defaults for what the marker does not set', () => {
    const { request } = interpret('<GenImage prompt="a fox" />', { defaults: { model: 'x/y', n: 2, aspectRatio: '4:3' } });
    expect(request?.params).toMatchObject({ model: 'x/y', n: 2, aspectRatio: '4:3' });
  });

  it('lets the preset override the defaults and the marker override the preset', () => {
    const { request } = interpret('<GenImage prompt="a fox" preset="hero" seed={1} />', {
      defaults: { seed: 5, imageSize: '1K', model: 'd/m' },
      presets,
    });
    expect(request?.params).toMatchObject({ seed: 1, imageSize: '2K', aspectRatio: '21:9', model: 'd/m', reference: ['./style.png'] });
  });

  it("appends the preset's prompt to the marker's with a comma", () => {
    const { request } = interpret('<GenImage prompt="a fox " preset="hero" />', { presets });
    expect(request?.params.prompt).toBe('a fox, watercolor, soft light');
  });

  it('records the chosen preset by name', () => {
    expect(interpret('<GenImage prompt="a" preset="square" />', { presets }).request?.preset).toBe('square');
    expect(interpret('<GenImage prompt="a" />', { presets }).request).not.toHaveProperty('preset');
  });

  it('reads pick, 0-based', () => {
    expect(interpret('<GenImage prompt="a" n={3} pick={2} />').request?.pick).toBe(2);
  });

  it('reads numeric strings as numbers, so plain HTML works', () => {
    const { request } = interpret('<GenImage prompt="a" seed="42" n=2 pick="1" />');
    expect(request?.params).toMatchObject({ seed: 42, n: 2 });
    expect(request?.pick).toBe(1);
  });

  it('puts every literal non-generation attribute in render', () => {
    const { request } = interpret(
      '<GenImage prompt="a" alt="A fox" widths={[480, 960]} sizes="100vw" loading="eager" data-zoom quality={80} id="fox" />',
    );
    expect(request?.render).toEqual({
      alt: 'A fox',
      widths: [480, 960],
      sizes: '100vw',
      loading: 'eager',
      'data-zoom': true,
      quality: 80,
      id: 'fox',
    });
  });

  it('leaves dynamic rendering attributes out of render without complaint', () => {
    const { request, diagnostics } = interpret('<GenImage prompt="a" alt={title} class="hero" />');
    expect(diagnostics).toEqual([]);
    expect(request?.render).toEqual({ class: 'hero' });
  });
});

describe('marker-params: problems', () => {
  it('rejects a dynamic generation attribute, naming file:line:col, the attribute and what is allowed', () => {
    const { request, diagnostic } = only('<p>x</p>\n<GenImage\n  prompt={title} />');
    expect(request).toBeUndefined();
    expect(diagnostic).toMatchObject({
      severity: 'error',
      code: 'DynamicAttribute',
      attribute: 'prompt',
      location: { file: FILE, line: 3, column: 3 },
    });
    expect(diagnostic.message).toContain('prompt={title} is an expression, whose value genimage cannot know');
    expect(diagnostic.location).toEqual({ file: FILE, line: 3, column: 3 });
    expect(diagnostic.message).toContain('a non-empty string, e.g. prompt="a red fox in the snow"');
    expect(diagnostic.hint).toMatch(/before any code runs/);
  });

  it('rejects a dynamic seed with the seeds that are allowed', () => {
    const { diagnostic } = only('<GenImage prompt="a" seed={Math.random()} />');
    expect(diagnostic).toMatchObject({ code: 'DynamicAttribute', attribute: 'seed' });
    expect(diagnostic.message).toContain('seed={Math.random()}');
    expect(diagnostic.message).toContain('-1 (random) or a non-negative integer');
  });

  it('warns about a spread, which may hide generation attributes', () => {
    const { request, diagnostic } = only('<GenImage prompt="a" {...props} />');
    expect(request).toBeDefined();
    expect(diagnostic).toMatchObject({ severity: 'warning', code: 'DynamicAttribute', attribute: '...', location: { column: 22 } });
  });

  it('rejects a seed that is not a number, saying what was given and what is allowed', () => {
    const { request, diagnostic } = only('<GenImage prompt="a" seed="abc" />');
    expect(request).toBeUndefined();
    expect(diagnostic).toMatchObject({ severity: 'error', code: 'InvalidAttribute', attribute: 'seed', location: { line: 1, column: 22 } });
    expect(diagnostic.message).toBe('seed="abc" is not a number. Allowed: -1 (random) or a non-negative integer, e.g. seed={42}.');
  });

  it('rejects a seed below -1', () => {
    const { diagnostic } = only('<GenImage prompt="a" seed={-2} />');
    expect(diagnostic.message).toMatch(/^seed=\{-2\} is invalid \(must be -1 \(random\) or a non-negative integer\)/);
  });

  it('rejects n outside 1 to 4', () => {
    const { diagnostic } = only('<GenImage prompt="a" n={9} />');
    expect(diagnostic).toMatchObject({ code: 'InvalidAttribute', attribute: 'n' });
    expect(diagnostic.message).toBe('n={9} is invalid (must be from 1 to 4). Allowed: an integer from 1 to 4, e.g. n={2}.');
  });

  it('rejects a fractional n', () => {
    expect(only('<GenImage prompt="a" n={1.5} />').diagnostic.message).toMatch(/^n=\{1.5\} is not an integer/);
  });

  it('rejects an unsupported aspect ratio, listing the ten supported ones', () => {
    const { diagnostic } = only('<GenImage prompt="a" aspectRatio="7:3" />');
    expect(diagnostic).toMatchObject({ code: 'InvalidAttribute', attribute: 'aspectRatio', location: { column: 22 } });
    expect(diagnostic.message).toBe(`aspectRatio="7:3" is not supported. Allowed: one of ${ASPECT_RATIOS.join(', ')}.`);
    expect(ASPECT_RATIOS).toHaveLength(10);
  });

  it('rejects an unsupported image size', () => {
    expect(only('<GenImage prompt="a" imageSize="8K" />').diagnostic.message).toBe(
      'imageSize="8K" is not supported. Allowed: one of 1K, 2K, 4K.',
    );
  });

  it('rejects a pick that is not below n', () => {
    const { diagnostic } = only('<GenImage prompt="a" n={2} pick={2} />');
    expect(diagnostic).toMatchObject({ code: 'InvalidAttribute', attribute: 'pick', location: { column: 28 } });
    expect(diagnostic.message).toMatch(/^pick=\{2\} is out of range: n is 2, so the images are numbered 0 to 1/);
  });

  it('rejects a negative or non-numeric pick', () => {
    expect(only('<GenImage prompt="a" pick={-1} />').diagnostic.message).toMatch(/^pick=\{-1\} is not a non-negative integer/);
    expect(only('<GenImage prompt="a" pick="first" />').diagnostic.message).toMatch(/^pick="first" is not a non-negative integer/);
  });

  it('rejects an unknown preset, listing the configured ones', () => {
    const { request, diagnostic } = only('<GenImage prompt="a" preset="heroo" />', { presets });
    expect(request).toBeUndefined();
    expect(diagnostic).toMatchObject({ code: 'InvalidAttribute', attribute: 'preset', location: { column: 22 } });
    expect(diagnostic.message).toBe('preset="heroo" is not a configured preset (configured presets: hero, square).');
  });

  it('says so when a preset is chosen but none are configured', () => {
    expect(only('<GenImage prompt="a" preset="hero" />').diagnostic.message).toContain('no presets are configured');
  });

  it('does not take inherited object keys for presets', () => {
    expect(only('<GenImage prompt="a" preset="constructor" />', { presets }).diagnostic.attribute).toBe('preset');
  });

  it('reports a missing prompt at the marker', () => {
    const { request, diagnostic } = only('<p>x</p> <GenImage seed={1} />');
    expect(request).toBeUndefined();
    expect(diagnostic).toMatchObject({
      severity: 'error',
      code: 'InvalidAttribute',
      attribute: 'prompt',
      location: { line: 1, column: 10 },
    });
    expect(diagnostic.message).toContain('has no prompt');
  });

  it('rejects an empty prompt, even with a preset suffix', () => {
    const { diagnostic } = only('<GenImage prompt="  " preset="hero" />', { presets });
    expect(diagnostic).toMatchObject({ code: 'InvalidAttribute', attribute: 'prompt' });
    expect(diagnostic.message).toMatch(/^prompt=" {2}" is invalid \(must be a non-empty string\)/);
  });

  it('rejects a prompt that is not a string', () => {
    expect(only('<GenImage prompt={42} />').diagnostic.message).toMatch(/^prompt=\{42\} is not a string/);
  });

  it('rejects a reference list with a non-string element', () => {
    const { diagnostic } = only('<GenImage prompt="a" reference={["a.png", 3]} />');
    expect(diagnostic).toMatchObject({ code: 'InvalidAttribute', attribute: 'reference' });
    expect(diagnostic.message).toMatch(/^reference=\{\["a.png",3\]\} has an element 3 that is not a string/);
  });

  it('rejects a reference that is neither a path nor a list', () => {
    expect(only('<GenImage prompt="a" reference={true} />').diagnostic.message).toMatch(
      /^reference=\{true\} is not a path or a list of paths/,
    );
  });

  it('names the preset when the invalid value comes from it', () => {
    const { diagnostic } = only('<GenImage prompt="a" preset="bad" />', { presets: { bad: { n: 7 } } });
    expect(diagnostic).toMatchObject({ attribute: 'n', location: { column: 22 } });
    expect(diagnostic.message).toMatch(/^n=\{7\} from preset "bad" is invalid/);
  });

  it('reports every problem of a marker at once', () => {
    const { diagnostics } = interpret('<GenImage prompt={title} seed="x" aspectRatio="2:1" />');
    expect(diagnostics.map((diagnostic) => diagnostic.attribute)).toEqual(['prompt', 'seed', 'aspectRatio']);
  });

  it('refuses a generation attribute spelled another way, naming the right spelling', () => {
    const { request, diagnostic } = only('<GenImage prompt="a" aspect-ratio="16:9" />');
    expect(request).toBeUndefined();
    expect(diagnostic).toMatchObject({ severity: 'error', code: 'UnknownAttribute', attribute: 'aspect-ratio', location: { column: 22 } });
    expect(diagnostic.message).toContain('did you mean aspectRatio?');
  });
});

describe('marker-params: unknown attributes', () => {
  /** The diagnostics of the one marker in `source`, read as `file`. */
  const problems = (source: string, file: string) => {
    const { markers, diagnostics } = parseMarkers(source, file);
    expect(diagnostics).toEqual([]);
    return interpretMarker(markers[0]!);
  };
  const typo = '<GenImage prompt="a lighthouse at dusk"\n  seeed={7} alt="Lighthouse" />';

  it.each(['src/pages/a.astro', 'src/pages/a.md', 'src/pages/a.mdx', 'index.html', 'src/A.jsx', 'src/A.tsx'])(
    'refuses seeed={7} in %s at its place, suggesting seed, and asks for nothing',
    (file) => {
      const { request, diagnostics } = problems(typo, file);
      expect(request).toBeUndefined();
      expect(diagnostics).toEqual([
        expect.objectContaining({
          severity: 'error',
          code: 'UnknownAttribute',
          attribute: 'seeed',
          location: { file, line: 2, column: 3 },
          message: expect.stringMatching(/^seeed is not a <GenImage> attribute; did you mean seed\?/),
        }),
      ]);
    },
  );

  it.each([
    ['ratio="16:9"', 'aspectRatio'],
    ['promt="x"', 'prompt'],
    ['aspectRaito="16:9"', 'aspectRatio'],
    ['imageSise="2K"', 'imageSize'],
    ['widhts={[480]}', 'widths'],
    ['tabindx="0"', 'tabindex'],
  ])('suggests the nearest name for %s: %s', (attribute, meant) => {
    const { diagnostics } = problems(`<GenImage prompt="a" alt="" ${attribute} />`, 'index.html');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.message).toContain(`did you mean ${meant}?`);
  });

  it('reads names case-sensitively outside HTML and Markdown: ImageSize in .astro is a typo of imageSize', () => {
    const { diagnostics } = problems('<GenImage prompt="a" alt="" ImageSize="2K" />', 'src/pages/a.astro');
    expect(diagnostics[0]!.message).toContain('did you mean imageSize?');
  });

  it("suggests React's spelling in a component", () => {
    const { diagnostics } = problems('<GenImage prompt="a" alt="" classname="hero" />', 'src/A.tsx');
    expect(diagnostics[0]!.message).toContain('did you mean className?');
  });

  it('suggests nothing for a name far from every known one, and lists them in the hint', () => {
    const { diagnostics } = problems('<GenImage prompt="a" alt="" flavour="sweet" />', 'index.html');
    expect(diagnostics[0]!.message).toBe(
      'flavour is not a <GenImage> attribute. Ignored, it would leave the image to the defaults, so nothing is generated for this marker.',
    );
    expect(diagnostics[0]!.hint).toMatch(/Attributes: prompt, seed, .*; for the <img>: id, title, .*data-\*, aria-\*\.$/);
  });

  it('refuses an unknown attribute given as an expression too', () => {
    const { diagnostics } = problems('<GenImage prompt="a" alt="" seeed={seed} />', 'src/pages/a.astro');
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'UnknownAttribute', attribute: 'seeed' })]);
  });

  it.each(['client:load', 'set:html={html}', 'is:raw', 'transition:name="hero"', 'server:defer'])(
    'refuses the Astro directive %s, saying why',
    (directive) => {
      const { request, diagnostics } = problems(`<GenImage prompt="a" alt="" ${directive} />`, 'src/pages/a.astro');
      expect(request).toBeUndefined();
      expect(diagnostics).toEqual([
        expect.objectContaining({ code: 'UnknownAttribute', message: expect.stringContaining('is an Astro directive') }),
      ]);
    },
  );

  it.each([
    ['index.html', 'id="hero" title="A fox" role="img" tabindex="0" draggable="false" data-zoom="2" aria-describedby="c" itemprop="image"'],
    ['src/A.tsx', 'id="hero" tabIndex={0} crossOrigin="anonymous" referrerPolicy="no-referrer" data-test-id="x" aria-hidden={true}'],
    ['src/pages/a.astro', 'id={id} title={caption} data-index={i} crossorigin="anonymous" referrerpolicy="no-referrer"'],
  ])("allows the <img>'s own attributes in %s", (file, attributes) => {
    const { request, diagnostics } = problems(`<GenImage prompt="a" alt="" ${attributes} />`, file);
    expect(diagnostics).toEqual([]);
    expect(request).toBeDefined();
  });

  it('still reads a marker with a spread, whose content it cannot see', () => {
    const { request } = problems('<GenImage prompt="a" alt="" {...rest} />', 'src/pages/a.astro');
    expect(request).toBeDefined();
  });
});
