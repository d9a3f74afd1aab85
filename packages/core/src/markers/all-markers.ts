/**
 * Every kind of marker in one source file, exactly as the scan reads it: `<GenImage>` tags (those
 * of an `.astro` file refused when the component is not imported), image function calls and
 * frontmatter declarations. Pure; `scan.ts` calls it for each file, and whatever must read one
 * file again as the scan did (the review loop, before it edits a declaration) calls it too.
 */
import { refuseUnimported } from './astro-import.ts';
import { IMAGE_FUNCTION, parseCallMarkers } from './call-markers.ts';
import { FRONTMATTER_FILE, parseFrontmatterMarkers } from './frontmatter-markers.ts';
import { MARKER_TAG, type MarkerParseResult, parseMarkers } from './markers.ts';

const TAG_NEEDLE = `<${MARKER_TAG}`;
const DECLARATION_NEEDLE = 'prompt';

/** The markers of one source file, every kind, and their problems. `file` is relative to the root. */
export function parseAllMarkers(source: string, file: string): MarkerParseResult {
  const none: MarkerParseResult = { markers: [], diagnostics: [] };
  const parsed = source.includes(TAG_NEEDLE) ? parseMarkers(source, file) : none;
  const importable = refuseUnimported(source, file, parsed.markers);
  const calls = source.includes(IMAGE_FUNCTION) ? parseCallMarkers(source, file) : none;
  const declared = FRONTMATTER_FILE.test(file) && source.includes(DECLARATION_NEEDLE) ? parseFrontmatterMarkers(source, file) : none;
  return {
    markers: [...declared.markers, ...importable.markers, ...calls.markers],
    diagnostics: [...declared.diagnostics, ...parsed.diagnostics, ...importable.diagnostics, ...calls.diagnostics],
  };
}
