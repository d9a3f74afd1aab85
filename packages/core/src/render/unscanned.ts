/**
 * A build renders a marker its scan did not list (a component in a folder `include` does not
 * cover, or one `exclude` skips): generated on demand, it would be paid for outside the build's
 * summary and `genimage scan`, `plan` and `check` would never see it. The same for a tag whose
 * attributes come from a spread (`<GenImage {...hero} />`) of data that no scanned file declares.
 * Refused at its place.
 */
import type { ImageUse } from '../engine.ts';
import { GenImageError, UnscannedMarker } from '../errors.ts';
import { DEFAULT_INCLUDE } from '../markers/scan.ts';

export interface ScanPatterns {
  include?: readonly string[] | undefined;
  exclude: readonly string[];
}

export function unscannedMarkerError(use: ImageUse, patterns: ScanPatterns): GenImageError {
  const file = use.origin.file;
  const include = patterns.include ?? DEFAULT_INCLUDE;
  const excluded = patterns.exclude.length > 0 ? `, exclude: ${JSON.stringify(patterns.exclude)}` : '';
  return new GenImageError(
    UnscannedMarker,
    `"${use.params.prompt}": a build pays only for what its scan lists, so nothing was sent for it. Either ${file} is not among the files the build's scan reads (include: ${JSON.stringify(include)}${excluded}), or the image's attributes come from a spread of data that no scanned file declares.`,
    {
      location: use.origin,
      hint: `Add "${coveringPattern(file)}" to \`include\` in the genimage config (now ${JSON.stringify(include)})${excluded && ', or remove the `exclude` pattern that skips it'}: \`genimage scan\` then lists it, and the build generates it. For a spread, declare the image where the scan reads it: in Markdown frontmatter (genImageSchema()), as a tag or as a genImage() call.`,
    },
  );
}

/** `src/components/Hero.astro` → `src/components/**\/*.astro`. */
function coveringPattern(file: string): string {
  const slash = file.lastIndexOf('/');
  const extension = /\.[^./]+$/.exec(file)?.[0] ?? '';
  return slash === -1 ? `*${extension}` : `${file.slice(0, slash)}/**/*${extension}`;
}
