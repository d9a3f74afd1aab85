/**
 * Shared pieces of every command's report: locations, statuses, diagnostics, user text, and the
 * `--json` shapes (documented in the README; keep them stable: scripts parse them). Human text
 * from users goes through `where` and `quote`: one line each, controls escaped, prompts shortened;
 * the JSON shapes carry the exact values.
 */
import path from 'node:path';
import {
  type CacheStatus,
  type Diagnostic,
  GenImageError,
  sortByLocation,
  type PlannedRequest,
  type SourceLocation,
  formatError,
} from '@genimage/core';
import type { Output } from './output.ts';
import { PREVIEW_LENGTH, escapeControls, quoteText } from '@genimage/core';
import { UsageError } from './usage.ts';

/** `file:line:col`, the file relative to the root with `/` separators, on one line whatever its name. */
export function where(root: string, location: SourceLocation): string {
  return `${escapeControls(displayPath(root, location.file))}:${location.line}:${location.column}`;
}

/**
 * A prompt (or other user text) for a human line: in double quotes, redacted, controls escaped,
 * and past `max` characters shortened to its beginning and its length. Redacted before it is cut,
 * so that a cut never leaves part of a secret.
 */
export function quote(out: Output, text: string, max = PREVIEW_LENGTH): string {
  return quoteText(out.redact(text), max);
}

export function displayPath(root: string, file: string): string {
  const relative = path.isAbsolute(file) ? path.relative(root, file) : file;
  return relative.split(path.sep).join('/');
}

export function shortKey(key: string): string {
  return key.slice(0, 12);
}

export function paint(out: Output, status: CacheStatus | 'generate'): string {
  const c = out.color;
  if (status === 'cached') return c.green(status);
  if (status === 'corrupt') return c.red(status);
  return c.yellow(status);
}

/** Prints every diagnostic as `file:line:col: severity: message`; returns how many are errors. */
export function printDiagnostics(out: Output, root: string, diagnostics: readonly Diagnostic[]): number {
  const sorted = sortByLocation([...diagnostics]);
  for (const diagnostic of sorted) {
    const severity = diagnostic.severity === 'error' ? out.errColor.red('error') : out.errColor.yellow('warning');
    const line = `${where(root, diagnostic.location)}: ${severity}: ${diagnostic.message}`;
    // Warnings are quiet under --silent; errors never are.
    if (diagnostic.severity === 'error') out.errLine(line);
    else out.info(line);
    if (diagnostic.hint && (diagnostic.severity === 'error' || !out.silent)) out.errLine(`  hint: ${diagnostic.hint}`);
  }
  return diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
}

// --- JSON shapes ---

export interface JsonLocation {
  file: string;
  line: number;
  column: number;
}

export function jsonLocation(root: string, location: SourceLocation): JsonLocation {
  return { file: displayPath(root, location.file), line: location.line, column: location.column };
}

/** Every diagnostic, sorted by file and position like the printed ones. */
export function jsonDiagnostics(root: string, diagnostics: readonly Diagnostic[]) {
  return sortByLocation([...diagnostics]).map((diagnostic) => jsonDiagnostic(root, diagnostic));
}

function jsonDiagnostic(root: string, diagnostic: Diagnostic) {
  return {
    severity: diagnostic.severity,
    code: diagnostic.code,
    message: diagnostic.message,
    location: jsonLocation(root, diagnostic.location),
    attribute: diagnostic.attribute ?? null,
    hint: diagnostic.hint ?? null,
  };
}

/** An error as `{ code, title, message, hint }`: core's catalog codes, `Usage` for the command line, `Unexpected` for a bug. */
export function jsonError(error: unknown): { code: string; title: string; message: string; hint: string | null } {
  if (error instanceof GenImageError) {
    return { code: error.code, title: error.title, message: error.message, hint: error.hint ?? null };
  }
  if (error instanceof UsageError) return { code: 'Usage', title: 'Invalid command line', message: error.message, hint: null };
  return { code: 'Unexpected', title: 'Unexpected error', message: formatError(error), hint: null };
}

/** One distinct image request. */
export function jsonRequest(root: string, request: PlannedRequest, status?: CacheStatus) {
  const { params, references } = request.job;
  return {
    key: request.key,
    ...(status !== undefined && { status }),
    prompt: params.prompt,
    params: {
      model: params.model,
      seed: params.seed,
      n: params.n,
      imageSize: params.imageSize,
      aspectRatio: params.aspectRatio,
      references: references.map((reference) => displayPath(root, reference.source)),
    },
    origins: request.origins.map((origin) => jsonLocation(root, origin)),
  };
}
