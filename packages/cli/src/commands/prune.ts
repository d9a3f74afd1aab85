import { createInterface } from 'node:readline';
import { type ForeignEntry, type UnreferencedEntry, applyPrune, planPrune } from '@genimage/core';
import { type GlobalFlags, EXIT, UsageError, loadContext, scanProject } from '../context.ts';
import type { Output } from '../output.ts';
import { jsonDiagnostics, quote, shortKey } from '../report.ts';

export interface PruneFlags extends GlobalFlags {
  dryRun?: boolean;
  yes?: boolean;
}

/** Where the confirmation is read from: stdin, or a fake in tests. */
export interface Input extends NodeJS.ReadableStream {
  isTTY?: boolean;
}

/**
 * `genimage prune`: lists the cache entries no marker uses, then deletes them after a y/N on a
 * terminal, or with `--yes`; `--dry-run` only lists. Only genimage's own entries are deleted.
 */
export async function pruneCommand(flags: PruneFlags, out: Output, stdin: Input = process.stdin): Promise<number> {
  const dryRun = flags.dryRun ?? false;
  const yes = flags.yes ?? false;
  // Decided by the command line and the terminal alone, so a script fails the same way every time.
  const canAsk = Boolean(stdin.isTTY && out.stderr.isTTY) && !out.json;
  if (!dryRun && !yes && !canAsk) {
    const why = out.json ? 'with --json' : 'stdin is not a terminal';
    throw new UsageError(
      `Not deleting without confirmation (${why}). Pass --yes to delete the unused cache entries, or --dry-run to list them.`,
    );
  }
  const context = await loadContext(flags, out);
  const { engine, root } = context;
  const { scan, errors } = await scanProject(context);
  const entries = (n: number) => `${n} unused cache entr${n === 1 ? 'y' : 'ies'}`;
  const cacheDir = `${engine.cacheLocation}/`;
  if (errors > 0) {
    // A marker with an error has no key: its image would look unused and be deleted.
    const message = `Not pruning: ${errors} marker error(s) above; their images would look unused. Fix the markers first.`;
    out.error(message);
    if (out.json) {
      out.document({
        command: 'prune',
        ok: false,
        error: { code: 'MarkerErrors', title: 'Not pruning', message, hint: 'Fix the markers first.' },
        diagnostics: jsonDiagnostics(root, scan.diagnostics),
      });
    }
    return EXIT.failed;
  }

  const plan = await planPrune(engine.cache, scan.uses);
  const n = plan.unreferenced.length;
  const listed = (entry: UnreferencedEntry, verb: string) =>
    out.result(`${verb}  ${shortKey(entry.key)}  ${entry.meta.provider}  ${quote(out, entry.meta.prompt)}`);
  const leftAlone = (items: readonly ForeignEntry[]) => {
    for (const { key, reason } of items) out.result(`left alone  ${shortKey(key)}  not genimage's: ${reason.replace(/\n/g, '\n  ')}`);
  };
  const alone = (foreign: readonly ForeignEntry[]) =>
    foreign.length > 0 ? `; left ${foreign.length} item(s) that are not genimage's alone` : '';
  const document = (deleted: readonly UnreferencedEntry[], foreign: readonly ForeignEntry[]) =>
    out.document({
      command: 'prune',
      ok: true,
      dryRun,
      cacheDir: engine.cacheLocation,
      deleted: deleted.length,
      inUse: plan.kept,
      unused: plan.unreferenced.map(({ key, meta }) => ({
        key,
        provider: meta.provider,
        model: meta.model,
        prompt: meta.prompt,
        deleted: deleted.some((entry) => entry.key === key),
      })),
      leftAlone: foreign.map(({ key, reason }) => ({ key, reason })),
    });

  if (dryRun || n === 0) {
    for (const entry of plan.unreferenced) listed(entry, 'would delete');
    leftAlone(plan.foreign);
    if (out.json) document([], plan.foreign);
    out.result(
      n === 0
        ? `No unused cache entries in ${cacheDir}; ${plan.kept} in use${alone(plan.foreign)}.`
        : `${entries(n)} would be deleted from ${cacheDir}; ${plan.kept} in use${alone(plan.foreign)}. Run without --dry-run to delete (with --yes outside a terminal).`,
    );
    return EXIT.ok;
  }

  if (!yes) {
    for (const entry of plan.unreferenced) listed(entry, 'would delete');
    leftAlone(plan.foreign);
    const answer = await ask(
      out,
      stdin,
      `Delete ${n === 1 ? 'this' : `these ${n}`} unused cache entr${n === 1 ? 'y' : 'ies'} from ${cacheDir}? [y/N] `,
    );
    if (!/^(y|yes)$/i.test(answer.trim())) {
      out.result(`Nothing deleted; ${entries(n)} kept in ${cacheDir}.`);
      return EXIT.ok;
    }
  }
  const applied = await applyPrune(engine.cache, plan);
  // Asked: the list is on screen already. With --yes, this is the list.
  if (yes) for (const entry of applied.deleted) listed(entry, 'deleted');
  const foreign = [...plan.foreign, ...applied.foreign];
  leftAlone(yes ? foreign : applied.foreign);
  if (out.json) document(applied.deleted, foreign);
  out.result(`Deleted ${entries(applied.deleted.length)} from ${cacheDir}; kept ${plan.kept} in use${alone(foreign)}.`);
  return EXIT.ok;
}

/** Asks on stderr (stdout is the result's) and reads one line; an empty string at end of input. */
async function ask(out: Output, stdin: Input, question: string): Promise<string> {
  out.ask(question);
  const lines = createInterface({ input: stdin, terminal: false });
  try {
    for await (const line of lines) return line;
    out.ask('\n'); // Ctrl-D: end the prompt's line
    return '';
  } finally {
    lines.close();
  }
}
