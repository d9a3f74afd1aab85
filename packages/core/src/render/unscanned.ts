/**
 * A build renders a marker its scan did not list (a component in a folder `include` does not
 * cover, or one `exclude` skips): generated on demand, it would be paid for outside the build's
 * summary and `genimage scan`, `plan` and `check` would never see it. Refused at its place.
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
    `${file} is not among the files the build's scan reads (include: ${JSON.stringify(include)}${excluded}), so "${use.params.prompt}" was not listed, and a build pays only for what its scan lists: nothing was sent for it.`,
    {
      location: use.origin,
      hint: `Add "${coveringPattern(file)}" to \`include\` in the genimage config (now ${JSON.stringify(include)})${excluded && ', or remove the `exclude` pattern that skips it'}: \`genimage scan\` then lists it, and the build generates it.`,
    },
  );
}

/** `src/components/Hero.astro` → `src/components/**\/*.astro`. */
function coveringPattern(file: string): string {
  const slash = file.lastIndexOf('/');
  const extension = /\.[^./]+$/.exec(file)?.[0] ?? '';
  return slash === -1 ? `*${extension}` : `${file.slice(0, slash)}/**/*${extension}`;
}
