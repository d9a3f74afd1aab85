/**
 * Mistakes on the command line: the error they raise, and the "did you mean" that names the
 * nearest valid command or flag. Flags are named as the user typed them (`--dry-run`, never the
 * `dryRun` the parser turns them into).
 */

/** A mistake on the command line (unknown command or flag, a bad flag value): exit code 2, JSON code `Usage`. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Edit distance between two names, ignoring case: insertions, deletions, substitutions and swaps
 * of two neighbouring characters cost 1 each (`scna` is 1 from `scan`).
 */
export function editDistance(from: string, to: string): number {
  const a = from.toLowerCase();
  const b = to.toLowerCase();
  // rows[i][j]: the distance between the first i characters of a and the first j of b.
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The candidate nearest to `input`, when it is close enough to be a typo of it: within 2 edits,
 * and within a third of the longer name's length for short names (so `pan` suggests `plan`, while
 * `build` suggests nothing). Ties go to the first candidate.
 */
export function nearest(input: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(input, name);
    const limit = Math.min(2, Math.max(1, Math.floor(Math.max(input.length, name.length) / 3)));
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
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
