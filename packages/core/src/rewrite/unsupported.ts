/**
 * A build's refusal of a source whose markers no renderer replaces yet (see
 * `markers/unsupported-files.ts`): the adapter calls it where it sees the source, before the
 * framework's compiler turns each marker into a component nothing defines.
 */
import { diagnosticToError } from '../diagnostics.ts';
import { unsupportedFileDiagnostic } from '../markers/unsupported-files.ts';
import { findTags } from './tags.ts';

/**
 * Throws the located error of the first marker of `source` when `file` is a kind of file no
 * renderer handles yet (`.vue`, `.svelte`); returns for any other file, or a source without markers.
 * @example refuseUnsupportedMarkers(code, 'src/Hero.vue') // throws at src/Hero.vue:3:3: "<GenImage> in a .vue file is not rendered yet by any build, ..."
 */
export function refuseUnsupportedMarkers(source: string, file: string): void {
  for (const tag of findTags(source, file)) {
    const refused = unsupportedFileDiagnostic(tag);
    if (refused) throw diagnosticToError(refused);
  }
}
