import { GenImageError, RemoteNotConfigured, type SyncItem, type SyncSummary, pullCache, pushCache, usesByKey } from '@genimage/core';
import cliProgress from 'cli-progress';
import { type GlobalFlags, EXIT, loadContext, scanProject } from '../context.ts';
import type { Output } from '../output.ts';
import { shortKey } from '../report.ts';

/**
 * `genimage push` and `genimage pull`: copy what the other side lacks between the local cache and
 * the `remote` bucket, every entry verified before it is copied (a corrupt one is reported and
 * skipped). Nothing is overwritten or deleted on either side; neither command calls the image API.
 * An entry another machine replaced first is reported and skipped; it fails the command only when
 * the remote's copy does not verify (a concurrent writer is not a failure here).
 */
export interface PullFlags extends GlobalFlags {
  /** Every entry of the bucket, not only those the markers use. */
  all?: boolean;
}

export async function syncCommand(direction: SyncSummary['direction'], flags: PullFlags, out: Output): Promise<number> {
  const context = await loadContext(flags, out);
  const { engine } = context;
  const tiered = engine.remote;
  const cacheDir = `${engine.cacheLocation}/`;
  if (!tiered) {
    throw new GenImageError(
      RemoteNotConfigured,
      `\`genimage ${direction}\` copies between ${cacheDir} and a bucket, but the \`remote\` option is not set.`,
    );
  }
  const location = tiered.remote.location;
  const [from, to] = direction === 'push' ? [cacheDir, location] : [location, cacheDir];
  const verb = direction === 'push' ? 'uploaded' : 'downloaded';
  // A pull copies what this checkout's markers use (with any provider), unless asked for all.
  const only = direction === 'pull' && !flags.all ? new Set(usesByKey((await scanProject(context)).scan.uses).keys()) : undefined;
  const progress = createSyncProgress(out, verb);
  let summary: SyncSummary;
  try {
    const run = direction === 'push' ? pushCache : pullCache;
    summary = await run(tiered.local, tiered.remote, {
      onItem: (item, done, total) => progress.onItem(item, done, total),
      ...(only && { only }),
    });
  } finally {
    progress.stop();
  }
  const lost = summary.changed.filter((item) => !item.verified);
  const ok = summary.corrupt.length === 0 && lost.length === 0;
  if (out.json) {
    out.document({
      command: direction,
      ok,
      from,
      to,
      ...(direction === 'pull' && { all: Boolean(flags.all) }),
      entries: summary.total,
      copied: summary.copied,
      present: summary.present,
      placeholders: summary.placeholders,
      corrupt: summary.corrupt.map((item) => ({ key: item.key, reason: item.reason ?? null })),
      changed: summary.changed.map((item) => ({ key: item.key, verified: item.verified ?? false, reason: item.reason ?? null })),
      elapsedMs: summary.elapsedMs,
    });
  } else {
    for (const item of summary.corrupt)
      out.result(`corrupt  ${shortKey(item.key)}  not ${verb}:\n  ${(item.reason ?? '').replace(/\n/g, '\n  ')}`);
    for (const item of summary.changed) {
      const copy = item.verified
        ? 'its copy in the bucket verifies'
        : `its copy in the bucket does not verify; run \`genimage ${direction}\` again`;
      out.result(
        `changed  ${shortKey(item.key)}  not ${verb}: another machine replaced it first, and ${copy}:\n  ${(item.reason ?? '').replace(/\n/g, '\n  ')}`,
      );
    }
    const seconds = (summary.elapsedMs / 1000).toFixed(1);
    const which = only ? ' used by the markers' : '';
    out.result(
      `${summary.total} entr${summary.total === 1 ? 'y' : 'ies'}${which} in ${from}: ${summary.copied} ${verb} to ${to}, ${summary.present} already there` +
        `${summary.placeholders > 0 ? `, ${summary.placeholders} placeholder(s) not ${verb} (\`genimage prune\` deletes them)` : ''}` +
        `${summary.corrupt.length > 0 ? `, ${summary.corrupt.length} corrupt (not ${verb})` : ''}` +
        `${summary.changed.length > 0 ? `, ${summary.changed.length} changed by another machine (${summary.changed.length - lost.length} verified)` : ''} · ${seconds} s`,
    );
  }
  return ok ? EXIT.ok : EXIT.failed;
}

/** A bar on a terminal; otherwise a line per entry copied (or refused), on stderr. */
function createSyncProgress(out: Output, verb: string): { onItem(item: SyncItem, done: number, total: number): void; stop(): void } {
  if (out.silent) return { onItem() {}, stop() {} };
  if (out.stderr.isTTY && !out.verbose) {
    let bar: cliProgress.SingleBar | undefined;
    return {
      onItem(_item, done, total) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              stream: out.stderr as NodeJS.WritableStream,
              format: `${verb} {bar} {value}/{total} entries`,
              hideCursor: true,
              clearOnComplete: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, 0);
          out.statusLine = true;
        }
        bar.update(done);
      },
      stop() {
        bar?.stop();
        out.statusLine = false;
      },
    };
  }
  return {
    onItem(item, done, total) {
      if (item.result === 'copied') out.info(`${verb} ${shortKey(item.key)} (${done}/${total})`);
      else if (item.result === 'corrupt') out.warn(`corrupt ${shortKey(item.key)}: not ${verb} (${done}/${total})`);
      // A verified copy from the other machine loses nothing: said, not warned.
      else if (item.result === 'changed')
        out[item.verified ? 'info' : 'warn'](
          `changed ${shortKey(item.key)}: not ${verb}, another machine replaced it first (${done}/${total})`,
        );
      else out.debug(`already there ${shortKey(item.key)} (${done}/${total})`);
    },
    stop() {},
  };
}
