/**
 * Files whose markers no renderer replaces yet: Vue and Svelte templates. Their compilers turn a
 * `<GenImage>` into a component reference that nothing defines, so a marker there would be paid
 * for and shipped unrendered. The scan refuses it, and so does a build, before anything is generated.
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics.ts';
import { UnsupportedMarkerFile } from '../errors.ts';
import type { Marker } from './markers.ts';

/** `.vue` and `.svelte`, by file name. */
export const UNSUPPORTED_MARKER_FILE = /\.(vue|svelte)$/i;

/** The error for a marker in a file kind no renderer handles yet, located at its `<`; undefined elsewhere. */
export function unsupportedFileDiagnostic(marker: Marker): Diagnostic | undefined {
  const extension = UNSUPPORTED_MARKER_FILE.exec(marker.file)?.[1]?.toLowerCase();
  if (extension === undefined) return undefined;
  const message = `<GenImage> in a .${extension} file is not rendered yet by any build, so nothing is generated for it.`;
  return createDiagnostic(UnsupportedMarkerFile, 'error', message, marker.location);
}
