import { MARKER_OPEN } from '../markers/marker-tag.ts';
import { parseMarkers } from '../markers/markers.ts';
import { ORIGIN_ATTRIBUTE } from '../render/props.ts';
import { splice } from './tags.ts';

/**
 * Adds `__genimageOrigin="file:line:column"` to each `<GenImage` tag the scan finds in a source
 * (comments and code blocks are skipped the same way), so that the component rendering it knows
 * its marker: reference paths resolve against that file and errors point at that line.
 * Returns undefined when there is nothing to change.
 */
export function injectOrigins(source: string, file: string): string | undefined {
  const { markers } = parseMarkers(source, file);
  if (markers.length === 0) return undefined;
  const after = markers.map(({ span }) => ({ start: span.start + MARKER_OPEN.length, end: span.start + MARKER_OPEN.length }));
  const origins = markers.map(
    ({ location }) => ` ${ORIGIN_ATTRIBUTE}="${`${location.file}:${location.line}:${location.column}`.replace(/"/g, '&quot;')}"`,
  );
  return splice(source, after, origins);
}
