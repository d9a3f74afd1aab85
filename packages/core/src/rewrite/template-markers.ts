/**
 * Vue single-file components and Svelte components: each literal `<GenImage ... />` of a template
 * becomes the `<picture>` the renderer makes for it, in the template's own markup, before the
 * framework's compiler runs, so server rendering, client rendering and hydration all show the same
 * image and the browser bundle does no image work. The rendering attributes a component may bind
 * (`:alt="title"` in Vue, `alt={title}` or `alt="Photo of {name}"` in Svelte) go on to the `<img>`
 * exactly as written.
 */
import type { MarkerAttribute } from '../markers/markers.ts';
import { htmlToTemplate, type TemplateFramework, type WrittenAttribute } from '../render/template.ts';
import { replaceComponentMarkers } from './component-markers.ts';
import type { RenderMarker } from './tags.ts';

/** `.vue` and `.svelte`: the components whose templates this module rewrites. */
export const TEMPLATE_COMPONENT = /\.(vue|svelte)$/i;

/**
 * `code` (a `.vue` or `.svelte` file, as `file` says) with each marker of its template replaced by
 * its picture's markup. An expression other than a rendering attribute the framework binds is an
 * error at its location. `publicPath` is where the pages find the files. Returns undefined when
 * there is nothing to replace.
 * @example replaceTemplateMarkers('<template><GenImage prompt="a fox" :alt="t(\'fox\')" /></template>', 'src/Hero.vue', render)
 */
export function replaceTemplateMarkers(code: string, file: string, render: RenderMarker, publicPath = '/'): Promise<string | undefined> {
  const framework = frameworkOf(file);
  return replaceComponentMarkers(code, file, framework, {
    render,
    publicPath,
    toMarkup: (html, expressions) =>
      htmlToTemplate(html, framework, Object.fromEntries([...expressions].map(([prop, attribute]) => [prop, writtenIn(code, attribute)]))),
  });
}

function frameworkOf(file: string): TemplateFramework {
  const extension = TEMPLATE_COMPONENT.exec(file)?.[1]?.toLowerCase();
  if (extension === undefined) throw new TypeError(`replaceTemplateMarkers: ${file} is neither a .vue nor a .svelte file.`);
  return extension as TemplateFramework;
}

/** The attribute as the component wrote it, and its value without quotes. */
function writtenIn(code: string, attribute: MarkerAttribute): WrittenAttribute {
  const written = code.slice(attribute.span.start, attribute.span.end);
  if (attribute.valueSpan === undefined) return { written, value: written };
  const value = code.slice(attribute.valueSpan.start, attribute.valueSpan.end);
  return { written, value: /^["']/.test(value) ? value.slice(1, -1) : value };
}
