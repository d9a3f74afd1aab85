/**
 * Reads the images that Markdown and MDX files declare in their YAML frontmatter, as a content
 * collection's schema (`genImageSchema()`) lets them: `hero: { prompt: "…", seed: 42, alt: "…" }`.
 * A layout renders such an image from data (`<GenImage {...post.data.hero} />`), which no tag
 * scan can see; read here from the file itself, without running user code, the declaration is a
 * marker like any other, so `scan`, `plan`, `check`, `prune` and a build list the same keys. Pure.
 *
 * The rule: a mapping in the frontmatter, at any depth, with both a `prompt` and an `alt` key is a
 * declaration. Both are required of every image, so frontmatter that is not about images (a
 * `prompt` for a chatbot demo, an `alt` title) does not match by accident; only the frontmatter
 * at the very top of the file is read, never a `---` block further down (a code fence, a rule).
 */
import { createRequire } from 'node:module';
import type { Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { createDiagnostic } from '../diagnostics.ts';
import { InvalidAttribute } from '../errors.ts';
import { lineStarts, locationAt } from './lines.ts';
import type { LiteralScalar, LiteralValue } from './literals.ts';
import type { Marker, MarkerAttribute, MarkerParseResult } from './markers.ts';

/** The files whose frontmatter is read: those Astro reads frontmatter from. */
export const FRONTMATTER_FILE = /\.(md|mdx|markdown)$/i;

/** The keys that make a frontmatter mapping an image declaration (see the top of this module). */
export const DECLARATION_KEYS = ['prompt', 'alt'] as const;

/** Astro's frontmatter: a `---` line first (after a byte-order mark), up to the next `---` line. */
const FRONTMATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)^---[ \t]*\r?$/m;

/**
 * The YAML parser, loaded when a frontmatter first holds both keys: its 80 modules cost every
 * command and build about 20 ms of start-up, and most sites declare no image in frontmatter.
 */
let yamlModule: typeof import('yaml') | undefined;
const yamlParser = () => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
const isScalar = (node: unknown): node is Scalar => yamlParser().isScalar(node);
const isSeq = (node: unknown): node is YAMLSeq => yamlParser().isSeq(node);

/** Finds the image declarations in the frontmatter of one Markdown or MDX file. */
export function parseFrontmatterMarkers(source: string, file: string): MarkerParseResult {
  const result: MarkerParseResult = { markers: [], diagnostics: [] };
  if (!FRONTMATTER_FILE.test(file)) return result;
  const match = FRONTMATTER.exec(source);
  // The regular expression is multiline: a match not at the file's start is a later `---` block.
  if (match === null || match.index !== 0 || !DECLARATION_KEYS.every((key) => match[1]?.includes(key))) return result;
  const yaml = match[1] as string;
  const offset = source.indexOf('\n') + 1; // the YAML starts on the line after the opening `---`
  // Broken YAML is Astro's to report, with its own message; the scan does not guess at it.
  const { parseDocument, visit } = yamlParser();
  const document = parseDocument(yaml);
  if (document.errors.length > 0) return result;
  const lines = lineStarts(source);
  const locate = (at: number) => locationAt(lines, file, offset + at);
  visit(document, {
    Map(_, map) {
      if (!isDeclaration(map)) return undefined;
      result.markers.push(declarationMarker(map, file, offset, locate, result));
      return visit.SKIP;
    },
  });
  return result;
}

// --- Internals ---

function isDeclaration(map: YAMLMap): boolean {
  return DECLARATION_KEYS.every((key) => map.items.some((pair) => isScalar(pair.key) && pair.key.value === key));
}

type Locate = (at: number) => ReturnType<typeof locationAt>;

function declarationMarker(map: YAMLMap, file: string, offset: number, locate: Locate, result: MarkerParseResult): Marker {
  const attributes: MarkerAttribute[] = [];
  for (const pair of map.items) {
    if (!isScalar(pair.key)) continue;
    const name = String(pair.key.value);
    const keyStart = pair.key.range?.[0] ?? 0;
    const value = pair.value as Node | null;
    const literal = literalOf(value);
    if (literal === undefined) {
      result.diagnostics.push(
        createDiagnostic(
          InvalidAttribute,
          'error',
          `${name} of this image declaration is not a text, a number, a boolean or a list of them.`,
          locate(keyStart),
          {
            attribute: name,
            hint: `Write it as a single value, e.g. seed: 42, or leave it out.`,
          },
        ),
      );
      continue;
    }
    const end = value?.range?.[1] ?? keyStart;
    attributes.push({
      name,
      value: literal,
      location: locate(keyStart),
      span: { start: offset + keyStart, end: offset + end },
      ...(value?.range && { valueSpan: { start: offset + value.range[0], end: offset + value.range[1] } }),
    });
  }
  const [start, , end] = map.range ?? [0, 0, 0];
  return { file, location: locate(start), attributes, span: { start: offset + start, end: offset + end }, frontmatter: true };
}

function literalOf(node: Node | null): LiteralValue | undefined {
  if (isScalar(node)) return scalarOf(node.value);
  if (!isSeq(node)) return undefined;
  const items = node.items.map((item) => (isScalar(item) ? scalarOf(item.value) : undefined));
  return items.every((item) => item !== undefined) ? (items as LiteralScalar[]) : undefined;
}

function scalarOf(value: unknown): LiteralScalar | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : undefined;
}
