/**
 * genimage reads Vue and Svelte markers with its own parser (core imports no framework), so it is
 * held here to the real compilers: every attribute value genimage reads is the value
 * `@vue/compiler-sfc` and `svelte/compiler` hand the component (entities, quotes, bindings,
 * expressions inside quotes), the markers found are the ones in the template, and the markup that
 * replaces them compiles, with the bound attributes kept as the component wrote them.
 */
import { type LiteralValue, parseMarkers, renderPicture, replaceTemplateMarkers } from '@genimage/core';
import { compileTemplate, parse as parseVue } from '@vue/compiler-sfc';
import { compile as compileSvelte, parse as parseSvelte } from 'svelte/compiler';
import { describe, expect, test } from 'vitest';

/** What a compiler hands over: a literal, or "dynamic" for an expression of the component. */
type Read = LiteralValue | 'dynamic';

/** A JavaScript literal's value, or "dynamic" when it names something of the component. */
function evaluate(expression: string): Read {
  try {
    return new Function(`"use strict"; return (${expression});`)() as LiteralValue;
  } catch {
    return 'dynamic';
  }
}

/** genimage's reading of each marker: attribute name to value. */
function genimageReads(source: string, file: string): Record<string, Read>[] {
  const { markers, diagnostics } = parseMarkers(source, file);
  expect(diagnostics).toEqual([]);
  return markers.map((marker) =>
    Object.fromEntries(
      marker.attributes.map(({ name, value }) => [name, typeof value === 'object' && !Array.isArray(value) ? 'dynamic' : value]),
    ),
  );
}

interface VueNode {
  type: number;
  tag?: string;
  children?: VueNode[];
  props?: { type: number; name: string; value?: { content: string }; arg?: { content: string }; exp?: { content: string } }[];
}

function vueReads(source: string): Record<string, Read>[] {
  const { descriptor, errors } = parseVue(source);
  expect(errors).toEqual([]);
  const found: Record<string, Read>[] = [];
  const visit = (node: VueNode) => {
    if (node.tag === 'GenImage')
      found.push(
        Object.fromEntries(
          (node.props ?? []).map((prop) =>
            // 6: a static attribute; 7: a directive (`:name` is v-bind with an argument).
            prop.type === 6 ? [prop.name, prop.value?.content ?? true] : [prop.arg!.content, evaluate(prop.exp!.content)],
          ),
        ),
      );
    for (const child of node.children ?? []) visit(child);
  };
  visit(descriptor.template!.ast as unknown as VueNode);
  return found;
}

interface SvelteNode {
  type: string;
  name?: string;
  start: number;
  end: number;
  fragment?: { nodes: SvelteNode[] };
  attributes?: { name: string; value: true | SveltePart | SveltePart[] }[];
  [key: string]: unknown;
}
interface SveltePart {
  type: 'Text' | 'ExpressionTag';
  data?: string;
  expression?: { start: number; end: number };
}

function svelteReads(source: string): Record<string, Read>[] {
  const root = parseSvelte(source, { modern: true }) as unknown as SvelteNode;
  const found: Record<string, Read>[] = [];
  const read = (value: true | SveltePart | SveltePart[]): Read => {
    if (value === true) return true;
    const parts = Array.isArray(value) ? value : [value];
    if (parts.some((part) => part.type === 'ExpressionTag'))
      return parts.length === 1 ? evaluate(source.slice(parts[0]!.expression!.start, parts[0]!.expression!.end)) : 'dynamic';
    return parts.map((part) => part.data).join('');
  };
  const visit = (node: SvelteNode) => {
    if (node.type === 'Component' && node.name === 'GenImage')
      found.push(Object.fromEntries((node.attributes ?? []).map((attribute) => [attribute.name, read(attribute.value)])));
    // Children: a fragment's nodes, and a block's (`{#if}` has a `consequent` fragment).
    for (const value of Object.values(node)) for (const child of (value as { nodes?: SvelteNode[] } | null)?.nodes ?? []) visit(child);
  };
  visit(root);
  return found;
}

const VUE = `<script setup lang="ts">
const title = 'A fox';
// <GenImage prompt="in the script, not a marker" />
</script>

<template>
  <section>
    <GenImage prompt="a fox &amp; a hare, &lt;3 &quot;quoted&quot; &#x41;&#66;" seed="7" alt='it&apos;s "here"' />
    <GenImage :prompt="'bound &amp; decoded'" :seed="42" v-bind:reference="['./a.png', &quot;b.png&quot;]" :alt="title" class="hero" />
    <template v-if="title"><GenImage prompt="in a nested template" alt="" loading="eager" /></template>
  </section>
</template>

<style>
/* <GenImage prompt="in the style, not a marker" /> */
</style>
`;

const SVELTE = `<script lang="ts">
  let { name = 'fox' } = $props();
  const loading = 'eager';
  const note = '<GenImage prompt="in the script, not a marker" />';
</script>

<GenImage prompt="a fox &amp; a hare, &lt;3 &#123;braces&#125;" seed={7} alt='it&apos;s "here"' />
<GenImage prompt={'an expression literal'} seed="42" reference={['./a.png', "b.png"]} alt="Photo of {name}" class={name} />
{#if name}<GenImage prompt="in a block" {loading} alt="" />{/if}

<style>
  /* <GenImage prompt="in the style, not a marker" /> */
</style>
`;

describe('genimage reads Vue and Svelte markers as their compilers do', () => {
  test('Vue (@vue/compiler-sfc): entities decoded, bindings read as JavaScript, only the <template> block', () => {
    const vue = vueReads(VUE);
    expect(vue).toHaveLength(3);
    expect(genimageReads(VUE, 'src/Hero.vue')).toEqual(vue);
    expect(vue[0]!.prompt).toBe('a fox & a hare, <3 "quoted" AB');
    expect(vue[1]!.prompt).toBe('bound & decoded');
  });

  test('Svelte (svelte/compiler): entities decoded, {...} in quotes an expression, only the markup', () => {
    const svelte = svelteReads(SVELTE);
    expect(svelte).toHaveLength(3);
    expect(genimageReads(SVELTE, 'src/Gallery.svelte')).toEqual(svelte);
    expect(svelte[0]!.prompt).toBe('a fox & a hare, <3 {braces}');
    expect(svelte[1]!.alt).toBe('dynamic');
  });
});

/** A picture as the renderer writes it, with a transparent image's onload and an alt to escape. */
const picture = (alt: unknown) =>
  renderPicture({
    files: [
      { url: '/assets/fox-32.avif', width: 32, height: 18, format: 'avif' },
      { url: '/assets/fox-32.jpg', width: 32, height: 18, format: 'jpeg' },
    ],
    formats: ['avif'],
    fallbackFormat: 'jpeg',
    alt: `${String(alt)} {not an expression} & "quoted"`,
    placeholder: { kind: 'color', color: '#123456', opaque: false },
  } as Parameters<typeof renderPicture>[0]);

describe('the markup that replaces a marker compiles', () => {
  test('Vue: no compiler error, bound attributes kept as written, the placeholder removed on load', async () => {
    const code = await replaceTemplateMarkers(VUE, 'src/Hero.vue', async (attributes) => picture(attributes.alt));
    expect(code).not.toContain('<GenImage prompt="a fox');
    const { descriptor } = parseVue(code!);
    const { errors, code: render } = compileTemplate({ source: descriptor.template!.content, filename: 'Hero.vue', id: 'hero' });
    expect(errors).toEqual([]);
    expect(render).toContain('alt: _ctx.title');
    expect(render).toContain('{not an expression} & \\"quoted\\""');
    expect(render).toMatch(/onLoad: .*removeProperty\('background-color'\)/);
  });

  test('Svelte: no compiler error, expressions kept, braces of the rendered text stay text', async () => {
    const code = await replaceTemplateMarkers(SVELTE, 'src/Gallery.svelte', async (attributes) => picture(attributes.alt));
    expect(code).not.toContain('<GenImage prompt="a fox');
    const { js, warnings } = compileSvelte(code!, { filename: 'Gallery.svelte', generate: 'server' });
    expect(warnings.map((warning) => warning.code)).toEqual([]);
    expect(js.code).toContain('Photo of ${');
    expect(js.code).toContain('{not an expression}');
    expect(compileSvelte(code!, { filename: 'Gallery.svelte', generate: 'client' }).js.code).toContain(
      "removeProperty('background-color')",
    );
  });
});
