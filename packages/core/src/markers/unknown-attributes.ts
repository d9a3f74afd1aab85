/**
 * Attributes a marker may not carry: neither in the attribute table nor passed through to the
 * `<img>`. Ignored, a typo (`seeed={7}`, `ratio="16:9"`) would cost an image nobody asked for
 * (a random seed, the default ratio); refused at its place with the nearest known name, before
 * anything is generated. Pure.
 */
import {
  ATTRIBUTES,
  PASSTHROUGH_ATTRIBUTES,
  PASSTHROUGH_PREFIXES,
  attributeSpec,
  passthroughName,
  spellingOf,
  type AttributeName,
  type Framework,
} from '../attributes.ts';
import { createDiagnostic, type Diagnostic } from '../diagnostics.ts';
import { UnknownAttribute } from '../errors.ts';
import { nearest } from '../nearest-name.ts';
import type { MarkerAttribute } from './markers.ts';

/** Astro's directives (`client:load`, `set:html`, `is:raw`, `transition:name`, `server:defer`). */
const ASTRO_DIRECTIVE = /^(client|set|is|transition|server):/;

/**
 * The error for an attribute genimage does not know, or undefined when it knows it. `name` is the
 * table's name of it (React's `className` is `class`); `framework` chooses the spellings suggested.
 */
export function unknownAttributeError(attribute: MarkerAttribute, name: string, framework: 'html' | 'react'): Diagnostic | undefined {
  const written = attribute.name;
  if (written === '...' || attributeSpec(name) !== undefined || passthroughName(written) !== undefined) return undefined;
  const directive = ASTRO_DIRECTIVE.exec(written)?.[1];
  if (directive !== undefined) {
    return createDiagnostic(
      UnknownAttribute,
      'error',
      `${written} is an Astro directive, which <GenImage> does not take: it renders once, on the server, to a static <picture>, with no script${directive === 'set' ? ' and no content' : ''}.`,
      attribute.location,
      { attribute: written, hint: `Remove ${written}; for a transition or a hydrated island, put it on an element around the <GenImage>.` },
    );
  }
  const meant = nearestAttribute(written, knownSpellings(framework));
  const suggestion = meant === undefined ? '.' : `; did you mean ${meant}?`;
  return createDiagnostic(
    UnknownAttribute,
    'error',
    `${written} is not a <GenImage> attribute${suggestion} Ignored, it would leave the image to the defaults, so nothing is generated for this marker.`,
    attribute.location,
    {
      attribute: written,
      hint: `${meant === undefined ? 'Remove it or fix its name' : `Write ${meant}`} (names are case-sensitive). Attributes: ${knownSpellings(framework, false).join(', ')}; for the <img>: ${passthroughList(framework)}.`,
    },
  );
}

// --- Internals ---

/** The names a marker in `framework` may write: the table's, then (for suggestions) the passed-through ones. */
function knownSpellings(framework: Framework, withPassthrough = true): string[] {
  const table = (Object.keys(ATTRIBUTES) as AttributeName[]).map((name) => spellingOf(framework, name));
  if (!withPassthrough) return table;
  return [...table, ...Object.entries(PASSTHROUGH_ATTRIBUTES).map(([html, react]) => (framework === 'react' ? react : html))];
}

function passthroughList(framework: Framework): string {
  const names = knownSpellings(framework).slice(Object.keys(ATTRIBUTES).length);
  return [...names, ...PASSTHROUGH_PREFIXES.map((prefix) => `${prefix}*`)].join(', ');
}

/**
 * The known name `written` most likely misspells: the same but for case, `-` and `_`
 * (`aspect-ratio`), else a near one (`seeed`, `promt`), else the one that contains it (`ratio` is
 * part of `aspectRatio`). Undefined when none is close.
 */
function nearestAttribute(written: string, known: readonly string[]): string | undefined {
  const plain = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
  const target = plain(written);
  return (
    known.find((name) => plain(name) === target) ??
    nearest(target, known) ??
    (target.length >= 4 ? known.find((name) => plain(name).includes(target)) : undefined)
  );
}
