/**
 * The schema of an image declared in data (a content collection's frontmatter): one field per
 * attribute of the table, so a declaration accepts exactly what a `<GenImage>` tag accepts and
 * the scan (`frontmatter-markers.ts`) reads the same mapping as a marker.
 */
import { z } from 'zod';
import { ATTRIBUTES, PASSTHROUGH_ATTRIBUTES, type AttributeSpec, type GenImageProps } from '../attributes.ts';
import { DECLARATION_KEYS } from './frontmatter-markers.ts';

/**
 * A field's schema, without its default: the parsed data is spread on `<GenImage>`, where a
 * filled-in default (the built-in `model`) would override the config's and change the key.
 */
function fieldSchema(spec: AttributeSpec): z.ZodType {
  const schema = spec.schema ?? (spec.choices ? z.enum(spec.choices as [string, ...string[]]) : z.string());
  return schema instanceof z.ZodDefault ? (schema.unwrap() as z.ZodType) : schema;
}

const fields: Record<string, z.ZodType> = {};
for (const [name, spec] of Object.entries(ATTRIBUTES) as [string, AttributeSpec][]) {
  const required = (DECLARATION_KEYS as readonly string[]).includes(name);
  fields[name] = required ? fieldSchema(spec) : fieldSchema(spec).optional();
}
for (const name of Object.keys(PASSTHROUGH_ATTRIBUTES)) fields[name] = z.union([z.string(), z.number(), z.boolean()]).optional();

/**
 * An image declaration, e.g. `{ prompt: "a lighthouse at dusk", seed: 42, alt: "A lighthouse" }`:
 * `prompt` and `alt` required (they are what the scan recognizes a declaration by), every other
 * attribute of `<GenImage>` optional, unknown keys rejected. Typed as the component's props, so
 * `<GenImage {...post.data.hero} />` type-checks.
 */
export const imageDeclarationSchema = z.strictObject(fields) as unknown as z.ZodType<GenImageProps>;
