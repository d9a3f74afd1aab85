/**
 * Mistakes on the command line: the error they raise, and the "did you mean" that names the
 * nearest valid command or flag. Flags are named as the user typed them (`--dry-run`, never the
 * `dryRun` the parser turns them into).
 */

import { nearest } from '@genimage/core';

/** A mistake on the command line (unknown command or flag, a bad flag value): exit code 2, JSON code `Usage`. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** ` Did you mean \`x\`?`, or nothing when no candidate is near. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const near = nearest(input, candidates);
  return near === undefined ? '' : ` Did you mean \`${near}\`?`;
}

/**
 * The flags on a command line as typed, without their `=value`: `--dry-run`, `--no-color`, `-h`.
 * Words that are not flags (commands, values) and everything after `--` are left out; so are
 * negative numbers, which are values.
 */
export function typedFlags(argv: readonly string[]): string[] {
  const flags: string[] = [];
  for (const arg of argv) {
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) continue;
    flags.push(arg.split('=', 1)[0]!);
  }
  return flags;
}

/**
 * The names a cac option declares, as a user types them: `-h, --help` gives `-h` and `--help`,
 * `--concurrency <n>` gives `--concurrency`.
 */
export function flagNames(rawName: string): string[] {
  return rawName
    .replace(/[<[].*$/, '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.startsWith('-'));
}

/**
 * Whether a typed flag is one of `known`. A single dash may group short flags (`-hv`), as the
 * parser reads it.
 */
export function isKnownFlag(typed: string, known: readonly string[]): boolean {
  if (known.includes(typed)) return true;
  if (typed.startsWith('--') || typed.length < 3) return false;
  return [...typed.slice(1)].every((letter) => known.includes(`-${letter}`));
}
