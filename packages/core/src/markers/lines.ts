/** Offsets to `file:line:column`, for the parsers' locations. Pure. */
import type { SourceLocation } from '../errors.ts';

/** Offsets where the lines of `src` start. */
export function lineStarts(src: string): number[] {
  const starts = [0];
  for (let i = src.indexOf('\n'); i !== -1; i = src.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The 1-based line and column of `offset`, by binary search in `starts` (from `lineStarts`). */
export function locationAt(starts: readonly number[], file: string, offset: number): SourceLocation {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return { file, line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
}
