import { type ForeignEntry, type OnlyCopy, type UnreferencedEntry, applyPrune, planPrune } from '@genimage/core';
import { type ConfirmFlags, type Input, confirmed, requireConfirmation } from '../confirm.ts';
import { type GlobalFlags, EXIT, loadContext, scanProject } from '../context.ts';
import type { Output } from '../output.ts';
import { jsonDiagnostics, quote, shortKey } from '../report.ts';
import { type RemotePruneFlags, remotePruneCommand } from './prune-remote.ts';

export interface PruneFlags extends GlobalFlags, ConfirmFlags, RemotePruneFlags {
  remote?: boolean;
}

/**
 * `genimage prune`: lists the cache entries no marker uses, then deletes them after a y/N on a
 * terminal, or with `--yes`; `--dry-run` only lists, and sends nothing. Only genimage's own
 * entries are deleted. With a bucket, an entry of a real image is deleted only once the bucket
 * holds it (uploaded first when it lacks it); one it cannot be given stays, and is listed.
 * `--remote` prunes the bucket instead (see prune-remote.ts).
 */
export async function pruneCommand(flags: PruneFlags, out: Output, stdin: Input = process.stdin): Promise<number> {
  if (flags.remote) return remotePruneCommand(flags, out, stdin);
  const dryRun = flags.dryRun ?? false;
  const yes = flags.yes ?? false;
  requireConfirmation(flags, out, stdin, 'the unused cache entries');
  // A dry run only lists: it sends nothing, to the bucket neither.
  const context = await loadContext(flags, out, { offline: dryRun });
  const { engine, root } = context;
  const { scan, errors } = await scanProject(context);
  const entries = (n: number) => `${n} unused cache entr${n === 1 ? 'y' : 'ies'}`;
  const cacheDir = `${engine.cacheLocation}/`;
  const bucket = engine.remoteLocation;
  if (errors > 0) return refuseWithMarkerErrors(out, root, scan.diagnostics, errors);

  const plan = await planPrune(engine.cache, scan.uses);
  const n = plan.unreferenced.length;
  const listed = (entry: UnreferencedEntry, verb: string) =>
    out.result(`${verb}  ${shortKey(entry.key)}  ${entry.meta.provider}  ${quote(out, entry.meta.prompt)}`);
  const leftAlone = (items: readonly ForeignEntry[]) => {
    for (const { key, reason } of items) out.result(`left alone  ${shortKey(key)}  not genimage's: ${reason.replace(/\n/g, '\n  ')}`);
  };
  const alone = (foreign: readonly ForeignEntry[]) =>
    foreign.length > 0 ? `; left ${foreign.length} item(s) that are not genimage's alone` : '';
  // Said wherever a deletion is announced: with a bucket, nothing is deleted that only this machine has.
  const safeguard = bucket ? ` (each real image only once ${bucket} holds it: uploaded first where it lacks it)` : '';
  const document = (
    deleted: readonly UnreferencedEntry[],
    foreign: readonly ForeignEntry[],
    pushed: readonly UnreferencedEntry[] = [],
    onlyCopies: readonly OnlyCopy[] = [],
  ) =>
    out.document({
      command: 'prune',
      ok: true,
      dryRun,
      cacheDir: engine.cacheLocation,
      remote: bucket ?? null,
      deleted: deleted.length,
      inUse: plan.kept,
      unused: plan.unreferenced.map(({ key, meta }) => ({
        key,
        provider: meta.provider,
        model: meta.model,
        prompt: meta.prompt,
        deleted: deleted.some((entry) => entry.key === key),
        pushed: pushed.some((entry) => entry.key === key),
      })),
      onlyCopies: onlyCopies.map(({ key, reason }) => ({ key, reason })),
      leftAlone: foreign.map(({ key, reason }) => ({ key, reason })),
    });

  if (dryRun || n === 0) {
    for (const entry of plan.unreferenced) listed(entry, 'would delete');
    leftAlone(plan.foreign);
    if (out.json) document([], plan.foreign);
    out.result(
      n === 0
        ? `No unused cache entries in ${cacheDir}; ${plan.kept} in use${alone(plan.foreign)}.`
        : `${entries(n)} would be deleted from ${cacheDir}${safeguard}; ${plan.kept} in use${alone(plan.foreign)}. Run without --dry-run to delete (with --yes outside a terminal).`,
    );
    return EXIT.ok;
  }

  if (!yes) {
    for (const entry of plan.unreferenced) listed(entry, 'would delete');
    leftAlone(plan.foreign);
    const these = `${n === 1 ? 'this' : `these ${n}`} unused cache entr${n === 1 ? 'y' : 'ies'}`;
    if (!(await confirmed(out, stdin, `Delete ${these} from ${cacheDir}${safeguard}? [y/N] `))) {
      out.result(`Nothing deleted; ${entries(n)} kept in ${cacheDir}.`);
      return EXIT.ok;
    }
  }
  const applied = await applyPrune(engine.cache, plan, { ...(engine.remote && { remote: engine.remote.remote }) });
  // Asked: the list is on screen already. With --yes, this is the list.
  if (yes) for (const entry of applied.deleted) listed(entry, applied.pushed.includes(entry) ? 'uploaded, deleted' : 'deleted');
  for (const entry of applied.onlyCopies) {
    listed(entry, 'kept (only copy)');
    out.result(`  ${entry.reason.replace(/\n/g, '\n  ')}`);
  }
  const foreign = [...plan.foreign, ...applied.foreign];
  leftAlone(yes ? foreign : applied.foreign);
  if (out.json) document(applied.deleted, foreign, applied.pushed, applied.onlyCopies);
  const pushed = applied.pushed.length > 0 ? ` (${applied.pushed.length} uploaded to ${bucket} first)` : '';
  out.result(`Deleted ${entries(applied.deleted.length)} from ${cacheDir}${pushed}; kept ${plan.kept} in use${alone(foreign)}.`);
  if (applied.onlyCopies.length > 0)
    out.warn(
      `Kept ${applied.onlyCopies.length} unused entr${applied.onlyCopies.length === 1 ? 'y' : 'ies'} that exist only in ${cacheDir}: ${bucket} lacks them and could not be given them (see above). They are paid images: run \`genimage push\` once the bucket answers, then prune again.`,
    );
  return EXIT.ok;
}

/** A marker with an error has no key: its image would look unused and be deleted. */
export function refuseWithMarkerErrors(
  out: Output,
  root: string,
  diagnostics: Parameters<typeof jsonDiagnostics>[1],
  errors: number,
  where = '',
): number {
  const message = `Not pruning: ${errors} marker error(s) above${where}; their images would look unused. Fix the markers first.`;
  out.error(message);
  if (out.json) {
    out.document({
      command: 'prune',
      ok: false,
      error: { code: 'MarkerErrors', title: 'Not pruning', message, hint: 'Fix the markers first.' },
      diagnostics: jsonDiagnostics(root, diagnostics),
    });
  }
  return EXIT.failed;
}
