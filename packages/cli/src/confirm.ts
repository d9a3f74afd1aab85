import { createInterface } from 'node:readline';
import type { Output } from './output.ts';
import { UsageError } from './usage.ts';

/** Where a confirmation is read from: stdin, or a fake in tests. */
export interface Input extends NodeJS.ReadableStream {
  isTTY?: boolean;
}

/** The flags of a command that lists, then deletes after a y/N (or `--yes`); `--dry-run` only lists. */
export interface ConfirmFlags {
  dryRun?: boolean;
  yes?: boolean;
}

/**
 * Fails before any work when a deletion would need a y/N that cannot be asked. Decided by the
 * command line and the terminal alone, so that a script fails the same way every time.
 */
export function requireConfirmation(flags: ConfirmFlags, out: Output, stdin: Input, what: string): void {
  const canAsk = Boolean(stdin.isTTY && out.stderr.isTTY) && !out.json;
  if (flags.dryRun || flags.yes || canAsk) return;
  const why = out.json ? 'with --json' : 'stdin is not a terminal';
  throw new UsageError(`Not deleting without confirmation (${why}). Pass --yes to delete ${what}, or --dry-run to list them.`);
}

/** Asks on stderr (stdout is the result's) and reads one line: whether it was yes. */
export async function confirmed(out: Output, stdin: Input, question: string): Promise<boolean> {
  out.ask(question);
  const lines = createInterface({ input: stdin, terminal: false });
  try {
    for await (const line of lines) return /^(y|yes)$/i.test(line.trim());
    out.ask('\n'); // Ctrl-D: end the prompt's line
    return false;
  } finally {
    lines.close();
  }
}
