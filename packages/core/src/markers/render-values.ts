/**
 * The allowed values of the rendering attributes (widths, formats, quality, loading, ...), checked
 * in one place against the attribute table: the scan reports a bad literal at its file:line:col
 * before anything is generated, and the renderer refuses a bad prop (from an expression) with the
 * very same words.
 */
import { attributeSpec, isNumeric, type AttributeSpec } from '../attributes.ts';
import type { LiteralValue } from './literals.ts';

/** `{[480, 960]}` or `"480, 960"`, as a list of trimmed items. */
export function listOf(value: LiteralValue): string[] {
  const items = Array.isArray(value) ? value : String(value).split(/[\s,]+/);
  return items.map((item) => String(item).trim()).filter(Boolean);
}

/**
 * What is wrong with a rendering attribute's value, with what is allowed; undefined when nothing
 * is (or when genimage does not read that attribute: it is passed through or ignored).
 */
export function renderValueProblem(name: string, value: LiteralValue): string | undefined {
  const spec = attributeSpec(name);
  if (spec?.kind !== 'rendering' || spec.schema === undefined) return undefined;
  if (spec.choices !== undefined) {
    // The first wrong word, so `formats="gif"` says which of the list it refuses.
    const words = spec.list ? listOf(value) : [value];
    const wrong = words.find((word) => typeof word !== 'string' || !spec.choices!.includes(word));
    return wrong === undefined ? undefined : `${name}=${JSON.stringify(wrong)} is not ${spec.allowed}.`;
  }
  if (spec.schema.safeParse(readValue(spec, value)).success) return undefined;
  return `${name}=${JSON.stringify(value)} must ${spec.list ? 'list' : 'be'} ${spec.allowed}.`;
}

/** The value as the schema takes it: HTML writes numbers and lists as text (`quality="80"`, `widths="480, 960"`). */
export function readValue(spec: AttributeSpec, value: LiteralValue): unknown {
  const numeric = isNumeric(spec);
  if (spec.list) return numeric ? listOf(value).map(Number) : listOf(value);
  // A boolean is no number, though Number(true) is 1.
  if (numeric) return typeof value === 'boolean' ? value : Number(value);
  return value;
}
