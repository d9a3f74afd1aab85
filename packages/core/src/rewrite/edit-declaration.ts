/**
 * Writes one value into an image's declaration, whichever of the three kinds it is: a tag marker
 * (`edit-attribute.ts`), an image function call (`edit-call-option.ts`) or a frontmatter entry
 * (`edit-frontmatter.ts`). What the review loop uses to write the seed an author kept.
 */
import type { LiteralValue, Marker } from '../markers/markers.ts';
import { editAttribute } from './edit-attribute.ts';
import { editCallOption } from './edit-call-option.ts';
import { editFrontmatterValue } from './edit-frontmatter.ts';

/** Where an image is declared: a `<GenImage>` tag, a `genImage({...})` call, or a frontmatter entry. */
export type DeclarationKind = 'marker' | 'call' | 'frontmatter';

export function declarationKind(marker: Marker): DeclarationKind {
  return marker.call ? 'call' : marker.frontmatter ? 'frontmatter' : 'marker';
}

/**
 * `source` with `name` of the declaration `marker` set to `value`, in that declaration's syntax:
 * `seed={42}` (or `seed="42"`, `:seed="42"`, as the file spells it), `seed: 42` in a call or in
 * frontmatter. Only that value's text changes, or one entry is added beside the others.
 */
export function editDeclaration(source: string, marker: Marker, name: string, value: LiteralValue): string {
  const kind = declarationKind(marker);
  if (kind === 'call') return editCallOption(source, marker, name, value);
  if (kind === 'frontmatter') return editFrontmatterValue(source, marker, name, value);
  return editAttribute(source, marker, name, value);
}
