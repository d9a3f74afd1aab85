/**
 * The attribute table against each of its consumers: the scan's checks, the generation schema,
 * the rendering checks, the config's render defaults, the spellings and the prop types. A new
 * entry fails here (or in `tsc -p tsconfig.tests.json`) until every consumer handles it.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ATTRIBUTES,
  GENERATION_ATTRIBUTES,
  PASSTHROUGH_ATTRIBUTES,
  PLACEHOLDER_KINDS,
  RENDER_FORMATS,
  attributeNameOf,
  attributeSpec,
  expressionProp,
  expressionProps,
  passthroughName,
  spellingOf,
  type AttributeName,
  type GenImageProps,
  type GenImageReactProps,
  type PlaceholderKind,
  type RenderFormat,
  type StyleObject,
} from '../src/attributes.ts';
import { renderOptionsSchema, type RenderOptions } from '../src/config/config.ts';
import { interpretMarker } from '../src/markers/marker-params.ts';
import { parseMarkers } from '../src/markers/markers.ts';
import { renderValueProblem } from '../src/markers/render-values.ts';
import { generationParamsSchema } from '../src/params.ts';
import type { Placeholder, VariantFormat } from '../src/render/optimize.ts';

const NAMES = Object.keys(ATTRIBUTES) as AttributeName[];

/**
 * One valid and one invalid literal per attribute, as a marker writes them. `invalid` is absent
 * only for text that genimage passes through unchecked (the entry has no schema).
 */
const SAMPLES = {
  prompt: { valid: 'prompt="a red fox"', invalid: 'prompt=" "' },
  seed: { valid: 'seed="42"', invalid: 'seed={-2}' },
  n: { valid: 'n={4}', invalid: 'n={5}' },
  pick: { valid: 'pick={0}', invalid: 'pick={-1}' },
  aspectRatio: { valid: 'aspectRatio="16:9"', invalid: 'aspectRatio="7:5"' },
  imageSize: { valid: 'imageSize="2K"', invalid: 'imageSize="8K"' },
  model: { valid: 'model="x/y"', invalid: 'model=" "' },
  reference: { valid: 'reference={["./fox.png"]}', invalid: 'reference={[""]}' },
  preset: { valid: 'preset="hero"', invalid: 'preset="nope"' },
  alt: { valid: 'alt=""', invalid: 'alt={1}' },
  class: { valid: 'class="hero"' },
  style: { valid: 'style="border-radius: 8px"' },
  sizes: { valid: 'sizes="100vw"' },
  loading: { valid: 'loading="eager"', invalid: 'loading="soon"' },
  decoding: { valid: 'decoding="sync"', invalid: 'decoding="fast"' },
  fetchpriority: { valid: 'fetchpriority="high"', invalid: 'fetchpriority="urgent"' },
  widths: { valid: 'widths="320, 640"', invalid: 'widths={[480, 0]}' },
  formats: { valid: 'formats={["webp", "png"]}', invalid: 'formats="avif, gif"' },
  quality: { valid: 'quality="80"', invalid: 'quality={0}' },
  placeholder: { valid: 'placeholder="color"', invalid: 'placeholder="dots"' },
  layout: { valid: 'layout="full-width"', invalid: 'layout="fluid"' },
  width: { valid: 'width="64"', invalid: 'width={0}' },
  height: { valid: 'height={64}', invalid: 'height={1.5}' },
  densities: { valid: 'densities="1, 2"', invalid: 'densities={[1, 8]}' },
  fit: { valid: 'fit="contain"', invalid: 'fit="stretch"' },
  position: { valid: 'position="top left"', invalid: 'position="top bottom"' },
} satisfies Record<AttributeName, { valid: string; invalid?: string }>;

const FILE = 'src/pages/index.astro';

/** A marker with `attribute` on line 2, column 3, and a prompt and alt unless it is one of them. */
function scan(name: AttributeName, attribute: string) {
  const others = [name !== 'prompt' && 'prompt="a cat"', name !== 'alt' && 'alt="x"'].filter(Boolean).join(' ');
  const { markers } = parseMarkers(`<GenImage ${others}\n  ${attribute} />`, FILE);
  return interpretMarker(markers[0]!, { presets: { hero: {} } });
}

describe('the attribute table', () => {
  it('has a sample for every attribute, and an invalid one exactly when the attribute is checked', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES)
      expect('invalid' in SAMPLES[name], name).toBe(ATTRIBUTES[name].kind === 'generation' || attributeSpec(name)?.schema !== undefined);
  });

  it.each(NAMES)('the scan accepts a valid %s', (name) => {
    const { request, diagnostics } = scan(name, SAMPLES[name].valid);
    expect(diagnostics).toEqual([]);
    expect(request).toBeDefined();
  });

  it.each(NAMES.filter((name) => 'invalid' in SAMPLES[name]))(
    'the scan refuses an invalid %s at its location, saying what is allowed',
    (name) => {
      const { request, diagnostics } = scan(name, (SAMPLES[name] as { invalid: string }).invalid);
      expect(request).toBeUndefined();
      expect(diagnostics).toEqual([
        expect.objectContaining({
          severity: 'error',
          code: 'InvalidAttribute',
          attribute: name,
          location: { file: FILE, line: 2, column: 3 },
        }),
      ]);
      // The message says what is allowed, in the table's words (preset names the configured presets instead).
      if (name !== 'preset') expect(diagnostics[0]!.message).toContain(ATTRIBUTES[name].allowed);
    },
  );

  it('lists as generation parameters exactly the schema of a request, plus pick and preset, which only choose', () => {
    const shape: Record<string, unknown> = generationParamsSchema.shape;
    for (const name of Object.keys(shape)) expect(attributeSpec(name)?.schema, name).toBe(shape[name]);
    expect(GENERATION_ATTRIBUTES.filter((name) => !(name in shape))).toEqual(['pick', 'preset']);
  });

  it.each(NAMES.filter((name) => attributeSpec(name)?.choices !== undefined && ATTRIBUTES[name].kind === 'rendering'))(
    'renderValueProblem accepts each word of %s and refuses another with the table words',
    (name) => {
      for (const word of attributeSpec(name)!.choices!) expect(renderValueProblem(name, word)).toBeUndefined();
      expect(renderValueProblem(name, 'bogus')).toBe(`${name}="bogus" is not ${ATTRIBUTES[name].allowed}.`);
    },
  );

  it("takes the config's render defaults with the same schema as the attributes of those names", () => {
    const defaults = renderOptionsSchema.parse({});
    for (const name of ['widths', 'formats', 'quality', 'layout', 'fit', 'position'] as const) {
      expect(renderValueProblem(name, defaults[name] as number | string | string[])).toBeUndefined();
      expect(renderOptionsSchema.shape[name].unwrap()).toBe(ATTRIBUTES[name].schema);
    }
    expect(renderOptionsSchema.safeParse({ formats: [...RENDER_FORMATS] }).success).toBe(true);
    expect(renderOptionsSchema.safeParse({ formats: ['gif'] }).success).toBe(false);
  });
});

describe('spellings', () => {
  it('maps every attribute to its React spelling and back', () => {
    for (const name of NAMES) expect(attributeNameOf('react', spellingOf('react', name))).toBe(name);
    expect(NAMES.map((name) => spellingOf('react', name)).filter((spelling, index) => spelling !== NAMES[index])).toEqual([
      'className',
      'fetchPriority',
    ]);
  });

  it('reads an HTML name whatever its case, as HTML does, and leaves names the table does not know as written', () => {
    for (const name of NAMES) expect(attributeNameOf('html', name.toUpperCase())).toBe(name);
    expect(attributeNameOf('html', 'aspectratio')).toBe('aspectRatio');
    expect(attributeNameOf('html', 'data-Role')).toBe('data-Role');
    expect(attributeNameOf('vue', 'aspectratio')).toBe('aspectratio');
  });

  it('uses the HTML name in HTML, Vue and Svelte', () => {
    for (const framework of ['html', 'vue', 'svelte'] as const) {
      for (const name of NAMES) expect(spellingOf(framework, name)).toBe(name);
      expect(attributeNameOf(framework, 'className')).toBe('className');
    }
  });

  it('reads a React spelling in a .tsx marker as the attribute it is, and checks it', () => {
    for (const name of NAMES.filter((name) => spellingOf('react', name) !== name)) {
      const { markers } = parseMarkers(
        `<GenImage prompt="a cat" alt="x" ${SAMPLES[name].valid.replace(name, spellingOf('react', name))} />`,
        'src/App.tsx',
      );
      const { request, diagnostics } = interpretMarker(markers[0]!);
      expect(diagnostics).toEqual([]);
      expect(Object.keys(request!.render)).toContain(name);
    }
  });
});

describe('expressionProp', () => {
  it('gives the prop of each rendering attribute that may be an expression, in each framework', () => {
    expect(expressionProps('react')).toEqual(['alt', 'className', 'style', 'sizes', 'loading', 'decoding', 'fetchPriority']);
    expect(expressionProps('vue')).toEqual(['alt', 'class', 'style', 'sizes', 'loading', 'decoding', 'fetchpriority']);
    expect(expressionProps('svelte')).toEqual(expressionProps('vue'));
  });

  it('takes either spelling in React, a bound name in Vue, the HTML name in Svelte', () => {
    expect(expressionProp('react', 'class')).toBe('className');
    expect(expressionProp('react', 'className')).toBe('className');
    expect(expressionProp('react', 'fetchpriority')).toBe('fetchPriority');
    expect(expressionProp('vue', ':class')).toBe('class');
    expect(expressionProp('vue', 'v-bind:fetchpriority')).toBe('fetchpriority');
    expect(expressionProp('svelte', 'sizes')).toBe('sizes');
  });

  it('refuses generation attributes, the rendering attributes read at build time, and unknown names', () => {
    for (const framework of ['react', 'vue', 'svelte'] as const) {
      const readAtBuild = ['widths', 'formats', 'quality', 'placeholder', 'layout', 'width', 'height', 'densities', 'fit', 'position'];
      for (const name of [...GENERATION_ATTRIBUTES, ...readAtBuild, 'onClick', 'constructor']) {
        expect(expressionProp(framework, name), `${framework} ${name}`).toBeUndefined();
      }
    }
  });

  it('never lets an attribute that changes the image be an expression', () => {
    for (const name of NAMES) if (ATTRIBUTES[name].kind === 'generation') expect(attributeSpec(name)?.expression, name).toBeFalsy();
  });
});

describe('prop types', () => {
  it('have a prop for every attribute and every passed-through one, and no other, in each spelling', () => {
    type Families = `data-${string}` | `aria-${string}`;
    expectTypeOf<keyof GenImageProps>().toEqualTypeOf<AttributeName | keyof typeof PASSTHROUGH_ATTRIBUTES | Families>();
    expectTypeOf<keyof GenImageReactProps>().toEqualTypeOf<
      | Exclude<AttributeName, 'class' | 'fetchpriority'>
      | 'className'
      | 'fetchPriority'
      | (typeof PASSTHROUGH_ATTRIBUTES)[keyof typeof PASSTHROUGH_ATTRIBUTES]
      | Families
    >();
    expectTypeOf<{ prompt: string; alt: string; 'data-zoom': true; tabIndex: 0 }>().toExtend<GenImageReactProps>();
  });

  it('pass through exactly what the scan lets through, and nothing the table names', () => {
    for (const [html, react] of Object.entries(PASSTHROUGH_ATTRIBUTES)) {
      expect(passthroughName(html)).toBe(html);
      expect(passthroughName(react)).toBe(html);
      expect(attributeSpec(html), html).toBeUndefined();
      expect(expressionProp('react', react)).toBe(react);
    }
    expect(passthroughName('data-')).toBeUndefined();
    expect(passthroughName('data-zoom')).toBe('data-zoom');
    expect(passthroughName('seeed')).toBeUndefined();
  });

  it('require prompt and alt only', () => {
    expectTypeOf<{ prompt: string; alt: string }>().toExtend<GenImageProps>();
    expectTypeOf<{ prompt: string; alt: string }>().toExtend<GenImageReactProps>();
    expectTypeOf<{ prompt: string }>().not.toExtend<GenImageProps>();
    expectTypeOf<{ alt: string }>().not.toExtend<GenImageReactProps>();
  });

  it('take the values the checks accept', () => {
    expectTypeOf<GenImageProps['n']>().toEqualTypeOf<1 | 2 | 3 | 4 | undefined>();
    expectTypeOf<GenImageProps['widths']>().toEqualTypeOf<readonly number[] | string | undefined>();
    expectTypeOf<GenImageProps['formats']>().toEqualTypeOf<readonly RenderFormat[] | undefined>();
    expectTypeOf<GenImageProps['reference']>().toEqualTypeOf<string | readonly string[] | undefined>();
    expectTypeOf<GenImageProps['aspectRatio']>().toEqualTypeOf<
      '1:1' | '2:3' | '3:2' | '3:4' | '4:3' | '4:5' | '5:4' | '9:16' | '16:9' | '21:9' | undefined
    >();
    expectTypeOf<GenImageProps['placeholder']>().toEqualTypeOf<PlaceholderKind | undefined>();
    expectTypeOf<GenImageProps['style']>().toEqualTypeOf<string | StyleObject | undefined>();
    expectTypeOf<GenImageReactProps['style']>().toEqualTypeOf<StyleObject | undefined>();
    expectTypeOf<GenImageReactProps['fetchPriority']>().toEqualTypeOf<'high' | 'low' | 'auto' | undefined>();
    expectTypeOf<GenImageProps['seed']>().toEqualTypeOf<number | undefined>();
  });

  it('agree with the renderer and the config', () => {
    expectTypeOf<VariantFormat>().toEqualTypeOf<RenderFormat>();
    expectTypeOf<Placeholder['kind']>().toEqualTypeOf<PlaceholderKind>();
    expectTypeOf<RenderOptions['formats']>().toEqualTypeOf<RenderFormat[]>();
    expect([...PLACEHOLDER_KINDS]).toEqual(['blur', 'color', 'none']);
  });
});
