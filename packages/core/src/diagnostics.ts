/**
 * Located problems with markers, and the one order in which every report lists places. The parser
 * makes diagnostics, the engine adds its own, and the CLI, the renderer and the adapters print or
 * throw them; so they live below all of them.
 */
import {
  DynamicAttribute,
  GenImageError,
  InvalidAttribute,
  MarkerSyntax,
  MissingImport,
  UnknownAttribute,
  UnsupportedMarkerFile,
  type ErrorDefinition,
  type SourceLocation,
} from './errors.ts';

/** A located problem with a marker. Errors stop the marker; warnings do not. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  /** The catalog code (`errors.ts`), e.g. `MarkerSyntax`. */
  code: string;
  message: string;
  location: SourceLocation;
  /** The attribute concerned, when there is one. */
  attribute?: string;
  /** What to do about it, when the catalog or the situation says. */
  hint?: string;
}

/** Builds a diagnostic from a catalog entry. */
export function createDiagnostic(
  definition: ErrorDefinition,
  severity: Diagnostic['severity'],
  message: string,
  location: SourceLocation,
  extra: { attribute?: string | undefined; hint?: string | undefined } = {},
): Diagnostic {
  const diagnostic: Diagnostic = { severity, code: definition.code, message, location };
  if (extra.attribute !== undefined) diagnostic.attribute = extra.attribute;
  const hint = extra.hint ?? definition.hint;
  if (hint !== undefined) diagnostic.hint = hint;
  return diagnostic;
}

/** One of our errors as a diagnostic at `location` (unless the error carries its own). */
export function errorToDiagnostic(error: GenImageError, location: SourceLocation, attribute?: string): Diagnostic {
  return createDiagnostic(error, 'error', error.message, error.location ?? location, { attribute, hint: error.hint });
}

const DIAGNOSTIC_DEFINITIONS: readonly ErrorDefinition[] = [
  MarkerSyntax,
  DynamicAttribute,
  InvalidAttribute,
  UnknownAttribute,
  MissingImport,
  UnsupportedMarkerFile,
];

/** The diagnostic as a `GenImageError`, for adapters that report or throw through `formatError`. */
export function diagnosticToError(diagnostic: Diagnostic): GenImageError {
  const definition = DIAGNOSTIC_DEFINITIONS.find((entry) => entry.code === diagnostic.code) ?? MarkerSyntax;
  const options = { location: diagnostic.location, ...(diagnostic.hint === undefined ? {} : { hint: diagnostic.hint }) };
  return new GenImageError(definition, diagnostic.message, options);
}

/**
 * Places in reading order: by file path, then line, then column. Paths compare by code unit, not
 * by locale, so every machine and every report (scan, check, the gallery, a build) lists the same
 * order.
 */
export function compareLocations(a: SourceLocation, b: SourceLocation): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}

/** `items` sorted in place by their `location`, in `compareLocations` order. */
export function sortByLocation<T extends { location: SourceLocation }>(items: T[]): T[] {
  return items.sort((a, b) => compareLocations(a.location, b.location));
}
