/**
 * Reads the renderer's own HTML (`<picture>` with `<source>`s and an `<img>`, or a pending `<img>`)
 * tag by tag, for the modules that write it again in a component's language (`jsx.ts`,
 * `template.ts`). Only that output: double-quoted, escaped attributes, no text, `source` and `img`
 * void; so this is not a general HTML parser, and anything else is a TypeError.
 */
import { decodeEntities } from '../markers/literals.ts';

export interface RenderedTag {
  closing: boolean;
  name: string;
  /** In order; `value` decoded, undefined for a bare attribute. `raw` is the value as written, still escaped. */
  attributes: { name: string; value: string | undefined; raw: string | undefined }[];
}

const TAG = /<(\/?)([a-z]+)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*>/g;
const ATTRIBUTE = /\s+([\w:-]+)(?:="([^"]*)")?/g;

/** The tags of `html`, which must be the renderer's. */
export function renderedTags(html: string): RenderedTag[] {
  const tags: RenderedTag[] = [];
  let at = 0;
  for (const match of html.matchAll(TAG)) {
    if (match.index !== at) throw new TypeError(`The renderer's HTML holds tags only, found text at ${at}: ${html.slice(at, at + 20)}`);
    const [, closing, name, attributes = ''] = match;
    at = match.index + match[0].length;
    tags.push({
      closing: closing === '/',
      name: name!,
      attributes: [...attributes.matchAll(ATTRIBUTE)].map(([, attribute, raw]) => ({
        name: attribute!,
        value: raw === undefined ? undefined : decodeEntities(raw),
        raw,
      })),
    });
  }
  if (at !== html.length) throw new TypeError(`The renderer's HTML holds tags only, found text at ${at}`);
  return tags;
}

/** Elements the renderer writes without a closing tag. */
export const isVoid = (name: string): boolean => name === 'img' || name === 'source';

/**
 * The style property that the renderer's inline `onload` removes (the placeholder, once a
 * transparent image has loaded): each framework writes that handler in its own way.
 */
export function loadedProperty(script: string): string {
  const property = /removeProperty\('([\w-]+)'\)/.exec(script)?.[1];
  if (!property) throw new TypeError(`The renderer's onload script is not known: ${script}`);
  return property;
}
