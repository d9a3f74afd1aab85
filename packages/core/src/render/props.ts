import { GenImageError, InvalidAttribute, type SourceLocation } from '../errors.ts';
import type { LiteralScalar, LiteralValue, Marker } from '../markers/markers.ts';

/**
 * The hidden prop added to each `<GenImage` tag of an Astro or MDX file before it is compiled
 * (`rewrite/origins.ts`), so a component instance knows the marker it came from: `"src/pages/x.astro:12:3"`.
 */
export const ORIGIN_ATTRIBUTE = '__genimageOrigin';

/** Parses `file:line:column` (the file may itself contain colons). */
export function parseOrigin(value: unknown): SourceLocation | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(.+):(\d+):(\d+)$/.exec(value);
  if (!match) return undefined;
  return { file: match[1]!, line: Number(match[2]), column: Number(match[3]) };
}

/** Props were never text: their marker and attributes have empty spans. */
const NO_TEXT = { start: 0, end: 0 } as const;

/**
 * A component's props as the marker a scan would have read at `origin`, so both go through the
 * same interpretation. Unset props and the hidden origin prop are left out.
 */
export function propsToMarker(
  props: Record<string, unknown>,
  origin: SourceLocation = { file: '(unknown file)', line: 0, column: 0 },
): Marker {
  const attributes = Object.entries(props)
    .filter(([name, value]) => value !== undefined && value !== null && name !== ORIGIN_ATTRIBUTE)
    .map(([name, value]) => ({ name, value: literal(name, value, origin), location: origin, span: NO_TEXT }));
  return { file: origin.file, location: origin, attributes, span: NO_TEXT };
}

/** A prop as a marker attribute value: scalars and lists stay; a style object becomes CSS. */
function literal(name: string, value: unknown, origin: SourceLocation): LiteralValue {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) return value as LiteralScalar[];
  if (name === 'style' && typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([property, css]) => `${property.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:${String(css)}`)
      .join(';');
  }
  throw new GenImageError(InvalidAttribute, `${name} must be a string, a number, a boolean or a list of them.`, { location: origin });
}
