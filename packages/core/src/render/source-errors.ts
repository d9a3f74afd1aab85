import { diagnosticToError } from '../diagnostics.ts';
import type { Engine } from '../engine.ts';
import type { GenImageError } from '../errors.ts';
import { parseMarkers } from '../markers/markers.ts';

/**
 * Dev: the first error (in reading order) among the markers of one source file, checked the way
 * `genimage scan` checks them, at its place, saying how many more the file has; undefined when
 * there is none. A dev server throws it while compiling the file, so that its error overlay shows
 * it: left to the component, it would be thrown while the page streams, after Astro has answered
 * 200, and the page would stop at the marker with the error in the terminal only.
 */
export async function firstMarkerError(engine: Engine, source: string, file: string): Promise<GenImageError | undefined> {
  const parsed = parseMarkers(source, file);
  const { diagnostics } = await engine.resolveMarkers(parsed.markers, parsed.diagnostics);
  const [first, ...others] = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (!first) return undefined;
  const more = others.length > 0 ? ` (${others.length} more marker error(s) in this file)` : '';
  return diagnosticToError({ ...first, message: `${first.message}${more}` });
}
