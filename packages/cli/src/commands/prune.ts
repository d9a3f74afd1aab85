import { pruneCache } from '@genimage/core';
import { type GlobalFlags, EXIT, loadContext, scanProject } from '../context.ts';
import type { Output } from '../output.ts';
import { shortKey } from '../report.ts';

export interface PruneFlags extends GlobalFlags {
  dryRun?: boolean;
}

/** `genimage prune`: deletes the cache entries no marker uses; `--dry-run` only lists them. */
export async function pruneCommand(flags: PruneFlags, out: Output): Promise<number> {
  const context = await loadContext(flags, out);
  const { engine } = context;
  const { scan, errors } = await scanProject(context);
  if (errors > 0) {
    // A marker with an error has no key: its image would look unused and be deleted.
    out.error(`Not pruning: ${errors} marker error(s) above; their images would look unused. Fix the markers first.`);
    return EXIT.failed;
  }
  const dryRun = flags.dryRun ?? false;
  const result = await pruneCache(engine.cache, scan.uses, { dryRun });
  for (const { key, meta } of result.unreferenced) {
    const what = meta ? `${meta.provider}  "${meta.prompt}"` : '(unreadable metadata)';
    out.result(`${dryRun ? 'would delete' : 'deleted'}  ${shortKey(key)}  ${what}`);
  }
  const n = result.unreferenced.length;
  out.result(
    dryRun
      ? `${n} unused cache entr${n === 1 ? 'y' : 'ies'} would be deleted from ${engine.cacheLocation}/; ${result.kept} in use. Run without --dry-run to delete.`
      : `Deleted ${n} unused cache entr${n === 1 ? 'y' : 'ies'} from ${engine.cacheLocation}/; kept ${result.kept} in use.`,
  );
  return EXIT.ok;
}
