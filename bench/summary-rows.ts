/**
 * The README's summary table when the comparison was not run again: the rows of the benchmarks
 * that were are replaced in place, the comparison's rows stay as the last run wrote them. Pure.
 */
import { README_END, README_START, type Verdict } from './compare-report.ts';

const verdictWord = (met: boolean | null) => (met === false ? '**missed**' : met === null ? 'n/a' : 'met');

/**
 * `text` with the summary's rows whose target `replaces` drops taken out and `verdicts` put where
 * the first of them was (or last); unchanged when the README has no summary block.
 */
export function mergeSummaryRows(text: string, verdicts: readonly Verdict[], replaces: (target: string) => boolean): string {
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start === -1 || end < start) return text;
  const lines = text.slice(start, end).split('\n');
  const rows = verdicts.map((v) => `| ${v.target} | ${v.value} | ${verdictWord(v.met)} |`);
  const isRow = (line: string) => line.startsWith('| ') && !line.startsWith('| target |') && !line.startsWith('| ---');
  const firstCell = (line: string) => line.slice(2, line.indexOf(' | '));
  let at = -1;
  const kept: string[] = [];
  for (const line of lines) {
    if (isRow(line) && replaces(firstCell(line))) {
      if (at === -1) at = kept.length;
      continue;
    }
    kept.push(line);
  }
  if (at === -1) at = kept.findLastIndex(isRow) + 1;
  kept.splice(at, 0, ...rows);
  return text.slice(0, start) + kept.join('\n') + text.slice(end);
}
