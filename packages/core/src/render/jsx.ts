/**
 * The renderer's HTML (`<picture>` with `<source>`s and an `<img>`, or a pending `<img>`) as the
 * equivalent JSX, for markers in `.jsx`/`.tsx` components: one markup, whatever renders it.
 */
import { ATTRIBUTES, PASSTHROUGH_ATTRIBUTES, type AttributeName, spellingOf } from '../attributes.ts';
import { isVoid, loadedProperty, renderedTags } from './rendered-tags.ts';

/** HTML attribute names that React spells otherwise: the marker's own (`class`), and those only the renderer writes. */
const REACT_NAMES: Record<string, string> = {
  ...Object.fromEntries(Object.keys(ATTRIBUTES).map((name) => [name, spellingOf('react', name as AttributeName)])),
  ...PASSTHROUGH_ATTRIBUTES,
  srcset: 'srcSet',
};

/**
 * JSX for `html`. `imgProps` are expressions for props of the `<img>`, as written in the marker
 * (e.g. `{ className: 'styles.hero' }`): each replaces the rendered value, except `style`, which
 * is spread over the rendered style (the placeholder) so both apply.
 */
export function htmlToJsx(html: string, imgProps: Readonly<Record<string, string>> = {}): string {
  let jsx = '';
  for (const { closing, name, attributes } of renderedTags(html)) {
    if (closing) {
      jsx += `</${name}>`;
      continue;
    }
    const overrides = name === 'img' ? imgProps : {};
    let rendered = attributes;
    let extra = '';
    for (const [prop, expression] of Object.entries(overrides)) {
      const same = rendered.find((attribute) => (REACT_NAMES[attribute.name] ?? attribute.name) === prop);
      rendered = rendered.filter((entry) => entry !== same);
      extra +=
        prop === 'style' && same?.value
          ? ` style={{ ...${JSON.stringify(styleObject(same.value))}, ...(${expression}) }}`
          : ` ${prop}={${expression}}`;
    }
    const props = rendered.map(({ name: attribute, value }) => jsxAttribute(attribute, value));
    jsx += `<${name}${props.join('')}${extra}${isVoid(name) ? ' />' : '>'}`;
  }
  return jsx;
}

function jsxAttribute(name: string, value: string | undefined): string {
  if (value === undefined) return ` ${name}`;
  if (name === 'style') return ` style={${JSON.stringify(styleObject(value))}}`;
  if (name === 'onload') return ` onLoad={(event) => event.currentTarget.style.removeProperty(${JSON.stringify(loadedProperty(value))})}`;
  if (name === 'width' || name === 'height') return ` ${name}={${Number(value)}}`;
  return ` ${REACT_NAMES[name] ?? name}={${JSON.stringify(value)}}`;
}

/** `a:b;background-image:url("x")` as React's style object (custom properties keep their name). */
function styleObject(css: string): Record<string, string> {
  const style: Record<string, string> = {};
  for (const declaration of splitDeclarations(css)) {
    const colon = declaration.indexOf(':');
    if (colon <= 0) continue;
    const property = declaration.slice(0, colon).trim();
    const name = property.startsWith('--') ? property : property.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    style[name] = declaration.slice(colon + 1).trim();
  }
  return style;
}

/** Declarations split at `;` outside quotes and parentheses (a data URL holds both). */
function splitDeclarations(css: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < css.length; i++) {
    const c = css[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ';' && depth === 0) {
      parts.push(css.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(css.slice(start));
  return parts.filter((part) => part.trim() !== '');
}
