import { compareLocations } from '@genimage/core';
import { type GlobalFlags, EXIT, loadContext, notAsked, scanProject } from '../context.ts';
import type { Output } from '../output.ts';
import { jsonDiagnostics, jsonLocation, jsonRequest, paint, quote, shortKey, where } from '../report.ts';

/** `genimage scan`: every marker, where it is, its key and whether its image is cached. No network: the bucket is not asked. */
export async function scanCommand(flags: GlobalFlags, out: Output): Promise<number> {
  const context = await loadContext(flags, out, { offline: true });
  const { engine, root } = context;
  const { scan, errors } = await scanProject(context);
  const statuses = await engine.statuses(scan.requests);
  const uses = [...scan.uses].sort((a, b) => compareLocations(a.origin, b.origin));
  const count = (status: string) => scan.requests.filter((request) => statuses.get(request.key) === status).length;
  const counts = {
    files: scan.files,
    markers: uses.length,
    images: scan.requests.length,
    cached: count('cached'),
    missing: count('missing'),
    corrupt: count('corrupt'),
    errors,
    warnings: scan.diagnostics.length - errors,
  };

  if (out.json) {
    out.document({
      command: 'scan',
      ok: errors === 0,
      root,
      cacheDir: engine.cacheLocation,
      provider: engine.providerId,
      markers: uses.map((use) => ({
        location: jsonLocation(root, use.origin),
        key: use.key,
        status: statuses.get(use.key) ?? 'missing',
        prompt: use.params.prompt,
        params: jsonRequest(root, use.request).params,
        pick: use.pick,
        preset: use.preset ?? null,
      })),
      images: scan.requests.map((request) => jsonRequest(root, request, statuses.get(request.key))),
      diagnostics: jsonDiagnostics(root, scan.diagnostics),
      unbuiltPages: scan.unbuiltPages,
      counts,
    });
    return errors > 0 ? EXIT.failed : EXIT.ok;
  }

  for (const use of uses) {
    const status = statuses.get(use.key) ?? 'missing';
    out.result(`${where(root, use.origin)}  ${out.color.dim(shortKey(use.key))}  ${paint(out, status)}  ${quote(out, use.params.prompt)}`);
  }
  out.result(
    `${counts.markers} marker(s) in ${counts.files} file(s), ${counts.images} distinct image request(s): ` +
      `${counts.cached} cached, ${counts.missing} missing, ${counts.corrupt} corrupt` +
      (errors > 0 ? `, ${errors} marker error(s)` : ''),
  );
  notAsked(context, counts.missing, 'scan');
  return errors > 0 ? EXIT.failed : EXIT.ok;
}
