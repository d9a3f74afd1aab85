/**
 * React (`.jsx`/`.tsx`): each literal `<GenImage ... />` of a component becomes the JSX of the
 * `<picture>` the renderer makes for it, before the JSX is compiled, so server rendering, static
 * prerendering and the browser all show the same markup and the browser bundle does no image work.
 */
import { htmlToJsx } from '../render/jsx.ts';
import { replaceComponentMarkers } from './component-markers.ts';
import type { RenderMarker } from './tags.ts';

/**
 * `code` with each marker replaced by its picture's JSX. The rendering attributes the attribute
 * table allows (`expressionProp`: `alt`, `className`, `style`, ...) may be expressions, passed on to
 * the `<img>`; any other expression cannot be read at build time and is an error at its location. `publicPath` is where
 * the pages find the files. Returns undefined when there is nothing to replace.
 */
export function replaceJsxMarkers(code: string, file: string, render: RenderMarker, publicPath = '/'): Promise<string | undefined> {
  return replaceComponentMarkers(code, file, 'react', {
    render,
    publicPath,
    toMarkup: (html, expressions) =>
      htmlToJsx(html, Object.fromEntries([...expressions].map(([prop, attribute]) => [prop, attribute.value.expression]))),
  });
}
