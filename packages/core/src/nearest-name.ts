/**
 * The known name a mistyped one most likely means: for "did you mean" in the CLI (commands and
 * flags) and in the scan (marker attributes). Pure.
 */

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
