/**
 * The renderer's HTML (`<picture>` with `<source>`s and an `<img>`, or a pending `<img>`) as the
 * equivalent markup of a Vue or Svelte template, for markers in `.vue`/`.svelte` components: one
 * markup, whatever renders it. Both compilers read static attributes as HTML does (references
 * decoded); Svelte also reads `{` in a value as an expression, so it is written `&#123;` there.
 * Vue gets the URLs bound, as string literals (see `templateAttribute`).
 */
import { escapeHtml } from '../html.ts';
import { isVoid, loadedProperty, type RenderedTag, renderedTags } from './rendered-tags.ts';

export type TemplateFramework = 'vue' | 'svelte';

/** An attribute of the marker given as an expression, as the component wrote it. */
export interface WrittenAttribute {
  /** The whole attribute: `:class="hero"`, `alt={title}`, `{alt}`. */
  written: string;
  /** Its value without quotes (`Photo of {name}`, `{title}`); the whole attribute for Svelte's `{alt}`. */
  value: string;
}

/**
 * Template markup for `html`. `imgAttributes` are the marker's expressions for the `<img>`, by
 * HTML name: each is written as the component wrote it and replaces the rendered value, except a
 * style, which adds to the rendered one (the placeholder): Vue merges `style` and `:style` (and
 * `class` and `:class`) itself, in Svelte the two are joined in one value.
 */
export function htmlToTemplate(
  html: string,
  framework: TemplateFramework,
  imgAttributes: Readonly<Record<string, WrittenAttribute>> = {},
): string {
  let markup = '';
  for (const { closing, name, attributes } of renderedTags(html)) {
    if (closing) {
      markup += `</${name}>`;
      continue;
    }
    const overrides = name === 'img' ? imgAttributes : {};
    const merged = framework === 'vue' ? ['style', 'class'] : [];
    const rendered = attributes.filter((attribute) => merged.includes(attribute.name) || !Object.hasOwn(overrides, attribute.name));
    const style = attributes.find((attribute) => attribute.name === 'style')?.raw;
    const extra = Object.entries(overrides).map(([prop, { written, value }]) =>
      // Svelte takes one style attribute: the placeholder's declarations, then the component's.
      framework === 'svelte' && prop === 'style' && style ? ` style="${svelteText(style)};${value}"` : ` ${written}`,
    );
    const props = rendered.map((attribute) => templateAttribute(framework, attribute));
    markup += `<${name}${props.join('')}${extra.join('')}${isVoid(name) ? ' />' : '>'}`;
  }
  return markup;
}

function templateAttribute(framework: TemplateFramework, { name, value, raw }: RenderedTag['attributes'][number]): string {
  if (raw === undefined) return ` ${name}`;
  if (name === 'onload') {
    const remove = `.currentTarget.style.removeProperty('${loadedProperty(value ?? raw)}')`;
    return framework === 'vue' ? ` @load="$event${remove}"` : ` onload={(event) => event${remove}}`;
  }
  // Vue's compiler turns a static `src`/`srcset` into imports of the files (transformAssetUrls),
  // which are genimage's, not Vite's: bound as string literals, they stay URLs.
  if (framework === 'vue' && URL_ATTRIBUTES.has(name)) return ` :${name}="${escapeHtml(JSON.stringify(value ?? ''))}"`;
  return ` ${name}="${framework === 'vue' ? raw : svelteText(raw)}"`;
}

const URL_ATTRIBUTES = new Set(['src', 'srcset']);

/** Escaped HTML as Svelte reads it back unchanged: its braces as references. */
function svelteText(raw: string): string {
  return raw.replaceAll('{', '&#123;').replaceAll('}', '&#125;');
}
