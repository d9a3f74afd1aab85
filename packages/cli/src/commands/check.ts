import { type CheckReport, checkCache } from '@genimage/core';
import { type GlobalFlags, EXIT, loadContext, scanProject } from '../context.ts';
import type { Output } from '../output.ts';
import { jsonDiagnostics, jsonError, jsonLocation, jsonRequest, paint, quote, shortKey, where } from '../report.ts';

/** How `check --verbose` names where an image was found. */
const FOUND_IN = { local: 'local', remote: 'bucket', missing: 'missing', corrupt: 'corrupt' } as const;

/**
 * `genimage check`, the CI gate: prints core's check report (`checkCache`). Exit 1 when an image
 * is missing or corrupt, or a marker has an error.
 */
export async function checkCommand(flags: GlobalFlags, out: Output): Promise<number> {
  const context = await loadContext(flags, out);
  const { engine, root } = context;
  const { scan, errors } = await scanProject(context);
  const report = await checkCache(engine, scan.requests);
  const { problems, remote, found, placeholders } = report;
  const ok = problems.length === 0 && errors === 0;

  if (out.json) {
    out.document({
      command: 'check',
      ok,
      provider: engine.providerId,
      cacheDir: engine.cacheLocation,
      images: report.images,
      markers: scan.uses.length,
      placeholders,
      remote: remote ?? null,
      remoteProblem: report.remoteProblem ? jsonError(report.remoteProblem) : null,
      found,
      locations: report.locations.map((item) => ({
        key: item.key,
        found: item.found,
        prompt: item.prompt,
        markers: item.origins.map((origin) => jsonLocation(root, origin)),
      })),
      nextStep: report.nextStep ?? null,
      problems: problems.map(({ request, status, reason }) => ({ ...jsonRequest(root, request, status), reason: reason ?? null })),
      diagnostics: jsonDiagnostics(root, scan.diagnostics),
    });
    if (report.offline) warnOffline(out, report);
    return ok ? EXIT.ok : EXIT.failed;
  }

  for (const { request, status, reason } of problems) {
    for (const origin of request.origins)
      out.result(`${where(root, origin)}  ${paint(out, status)}  ${quote(out, request.job.params.prompt)}`);
    if (reason) out.result(`  ${reason.replace(/\n/g, '\n  ')}`);
  }
  if (problems.length > 0) {
    out.result(`${problems.length} of ${report.images} image(s) missing or corrupt in ${engine.cacheLocation}/.`);
    if (report.nextStep) out.info(report.nextStep);
  } else {
    // On stdout, so that --silent still tells a placeholder from a real image.
    const what = `All ${report.images} image(s) for ${scan.uses.length} marker(s) are cached and verified`;
    out.result(
      placeholders > 0
        ? `${what}, but ${placeholders} of them are offline placeholders (in ${engine.placeholdersLocation}/, never committed), not real images.`
        : `${what} in ${engine.cacheLocation}/.`,
    );
  }
  if (remote) {
    out.result(
      `Found ${found.local} in ${engine.cacheLocation}/, ${found.remote} in ${remote} (copied into ${engine.cacheLocation}/), ${found.missing} missing${found.corrupt > 0 ? `, ${found.corrupt} corrupt` : ''}.`,
    );
    // Each marker, where it is declared, and where its image was found: what --verbose is for.
    for (const item of report.locations)
      for (const origin of item.origins)
        out.debug(`${where(root, origin)}  ${FOUND_IN[item.found]}  ${quote(out, item.prompt)}  ${shortKey(item.key)}`);
  }
  if (report.offline) warnOffline(out, report);
  if (errors > 0) out.error(`${errors} marker error(s) above.`);
  return ok ? EXIT.ok : EXIT.failed;
}

/** Offline placeholders pass here and fail in CI: exit 0 still (they are there), but never silently. */
function warnOffline(out: Output, { placeholders, images }: CheckReport): void {
  out.warn(
    `Checked without SHARK_API_KEY and outside CI, so offline placeholders count as cached` +
      `${placeholders > 0 ? ` (${placeholders} of the ${images} image(s) are placeholders)` : ''}; CI does not accept them. ` +
      'To check for the real images, set SHARK_API_KEY or CI=1: `CI=1 genimage check`.',
  );
}
