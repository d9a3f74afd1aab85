import {
  DEFAULT_REMOTE_RETENTION_DAYS,
  GenImageError,
  type ImageUse,
  type RemoteEntryInfo,
  RemoteNotConfigured,
  applyRemotePrune,
  planRemotePrune,
} from '@genimage/core';
import { type ConfirmFlags, type Input, confirmed, requireConfirmation } from '../confirm.ts';
import { type GlobalFlags, EXIT, UsageError, loadContext, scanProject } from '../context.ts';
import type { Output } from '../output.ts';
import { displayPath, shortKey } from '../report.ts';
import { refuseWithMarkerErrors } from './prune.ts';

export interface RemotePruneFlags {
  /** Other checkouts (a worktree per branch to keep) whose markers keep their entries too. */
  keepRoot?: string | string[];
  /** Retention in days: unused entries uploaded more recently are kept. */
  olderThan?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `genimage prune --remote`: deletes the bucket's entries that no marker of this root, nor of any
 * `--keep-root` (a checkout of each branch whose images must stay), uses, and that were uploaded
 * more than `--older-than` days ago; a branch nobody named keeps its recent images that way. The
 * same list-then-confirm rules as the local prune; needs the bucket, `--dry-run` included.
 */
export async function remotePruneCommand(flags: GlobalFlags & ConfirmFlags & RemotePruneFlags, out: Output, stdin: Input): Promise<number> {
  requireConfirmation(flags, out, stdin, 'the unused bucket entries');
  const days = parseDays(flags.olderThan);
  const context = await loadContext(flags, out);
  const { engine } = context;
  if (!engine.remote) {
    throw new GenImageError(
      RemoteNotConfigured,
      '`genimage prune --remote` deletes entries of a bucket, but the `remote` option is not set.',
    );
  }
  const bucket = engine.remote.remote.location;
  const uses: ImageUse[] = [];
  const roots: string[] = [];
  for (const [index, rootFlag] of [undefined, ...[flags.keepRoot ?? []].flat()].entries()) {
    // The other checkouts are only scanned: they send nothing.
    const each = index === 0 ? context : await loadContext({ ...flags, root: String(rootFlag), config: undefined }, out, { offline: true });
    const { scan, errors } = await scanProject(each);
    const name = displayPath(process.cwd(), each.root) || '.';
    if (errors > 0) return refuseWithMarkerErrors(out, each.root, scan.diagnostics, errors, ` in ${name}`);
    if (each.engine.remoteLocation !== bucket)
      out.warn(
        `${name} uses ${each.engine.remoteLocation ?? 'no bucket'}, not ${bucket}; its markers keep their entries here all the same.`,
      );
    uses.push(...scan.uses);
    roots.push(name);
  }

  const plan = await planRemotePrune(engine.remote.remote, uses, { retentionMs: days * DAY_MS });
  const n = plan.unused.length;
  const entries = (count: number) => `${count} unused entr${count === 1 ? 'y' : 'ies'}`;
  const listed = (entry: RemoteEntryInfo, verb: string) =>
    out.result(`${verb}  ${shortKey(entry.key)}  uploaded ${entry.uploaded.toISOString().slice(0, 10)}`);
  const why = `used by no marker of ${roots.join(', ')} and uploaded more than ${days} day(s) ago`;
  const rest = `${plan.inUse} in use, ${plan.recent.length} unused but uploaded within ${days} day(s) (kept)`;
  const document = (deleted: readonly RemoteEntryInfo[]) =>
    out.document({
      command: 'prune',
      ok: true,
      remote: bucket,
      dryRun: flags.dryRun ?? false,
      roots,
      olderThanDays: days,
      deleted: deleted.length,
      inUse: plan.inUse,
      recent: plan.recent.map((entry) => ({ key: entry.key, uploaded: entry.uploaded.toISOString() })),
      unused: plan.unused.map((entry) => ({
        key: entry.key,
        uploaded: entry.uploaded.toISOString(),
        deleted: deleted.includes(entry),
      })),
    });

  if (flags.dryRun || n === 0) {
    for (const entry of plan.unused) listed(entry, 'would delete');
    if (out.json) document([]);
    out.result(
      n === 0
        ? `No entries of ${bucket} to delete (${why}); ${rest}.`
        : `${entries(n)} would be deleted from ${bucket} (${why}); ${rest}. Run without --dry-run to delete (with --yes outside a terminal).`,
    );
    return EXIT.ok;
  }
  if (!flags.yes) {
    for (const entry of plan.unused) listed(entry, 'would delete');
    const these = `${n === 1 ? 'this' : `these ${n}`} unused entr${n === 1 ? 'y' : 'ies'}`;
    if (!(await confirmed(out, stdin, `Delete ${these} from ${bucket}, for every machine? [y/N] `))) {
      out.result(`Nothing deleted; ${entries(n)} kept in ${bucket}.`);
      return EXIT.ok;
    }
  }
  const deleted: RemoteEntryInfo[] = [];
  try {
    await applyRemotePrune(engine.remote.remote, plan, deleted);
  } finally {
    if (flags.yes) for (const entry of deleted) listed(entry, 'deleted');
    if (deleted.length < n) out.error(`Deleted ${deleted.length} of ${n} before the bucket failed; run again to delete the rest.`);
  }
  if (out.json) document(deleted);
  out.result(`Deleted ${entries(deleted.length)} from ${bucket} (${why}); ${rest}.`);
  return EXIT.ok;
}

function parseDays(value: string | undefined): number {
  if (value === undefined) return DEFAULT_REMOTE_RETENTION_DAYS;
  const text = String(value).trim();
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`Invalid --older-than "${text}": a number of days, 0 or more (e.g. 30).`);
  return Number(text);
}
