import { GenImageError, RenderFailed, type SourceLocation, formatLocation, isGenImageError, messageOf } from '../errors.ts';

/**
 * A failure while rendering an image, at the markers that show it: without them, a build stops
 * on sharp's bare "Input image exceeds pixel limit" and nobody knows which image. One of ours
 * keeps its code, title and hint and gains the first marker's location (one that has a location
 * is returned unchanged); a foreign one is wrapped once, as RenderFailed, `doing` saying what failed.
 *
 * @example
 * throw atMarkers(error, [use.origin], `Encoding ${original.id}`);
 * // src/pages/index.astro:3:1: An image could not be rendered: Encoding <key>/0.png failed: Input image exceeds pixel limit
 */
export function atMarkers(error: unknown, origins: readonly SourceLocation[], doing: string): unknown {
  const [location, ...others] = origins;
  if (!location || (isGenImageError(error) && error.location)) return error;
  const also = others.length > 0 ? ` (also shown at ${others.map(formatLocation).join(', ')})` : '';
  if (isGenImageError(error)) {
    const definition = { code: error.code, title: error.title };
    return new GenImageError(definition, `${error.message}${also}`, {
      location,
      cause: error,
      ...(error.hint !== undefined && { hint: error.hint }),
    });
  }
  const message = messageOf(error);
  return new GenImageError(RenderFailed, `${doing} failed: ${message}${also}`, { location, cause: error });
}
