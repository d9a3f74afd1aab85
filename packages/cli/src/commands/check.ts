import { type Engine, type PlannedRequest, formatError } from '@genimage/core';
import { type GlobalFlags, EXIT, loadContext, scanProject } from '../context.ts';
import type { Output } from '../output.ts';
import { jsonDiagnostics, jsonRequest, paint, quote, where } from '../report.ts';

/**
 * `genimage check`, the CI gate: every marker has a verified image in the cache, one the build
 * can decode. Reads the cache only: never creates a provider, so it needs no API key and never
 * spends a credit.
 */
export async function checkCommand(flags: GlobalFlags, out: Output): Promise<number> {
  const context = await loadContext(flags, out);
  const { engine, root } = context;
  const { scan, errors } = await scanProject(context);
  const statuses = await engine.statuses(scan.requests);
  // Matching hashes are not enough: the build must decode each image, within the renderer's pixel limit.
  const unrenderable = await engine.unrenderable(scan.requests.filter((request) => statuses.get(request.key) === 'cached'));
  const problems = [];
  for (const request of scan.requests) {
    const broken = unrenderable.get(request.key);
    const status = broken ? 'corrupt' : (statuses.get(request.key) ?? 'missing');
    if (status === 'cached') continue;
    // Says what failed verification: the size, the hash, the metadata, a link, or the decoding.
    const reason = broken
      ? formatError(broken)
      : status === 'corrupt'
        ? await engine.cache.get(request.key).then(() => undefined, (error: unknown) => formatError(error))
        : undefined;
    problems.push({ request, status, reason });
  }
  const ok = problems.length === 0 && errors === 0;
  // Where each image was found: this machine's cache, the shared remote (copied here since), or nowhere.
  const remote = engine.remote?.remote.location;
  const found = scan.requests.map((request) => {
    const status = unrenderable.has(request.key) ? 'corrupt' : (statuses.get(request.key) ?? 'missing');
    return { key: request.key, found: status === 'cached' ? (engine.foundIn(request.key) ?? 'local') : status };
  });
  const count = (where: string) => found.filter((item) => item.found === where).length;
  // No key and no CI: the keys are the `local` provider's, so a placeholder passes where CI, which
  // looks for the real images, fails. Exit 0 still (the placeholders are there), but never silently.
  const offline = engine.config.provider === 'auto' && engine.providerId === 'local';
  const cached = scan.requests.filter((request) => statuses.get(request.key) === 'cached' && !unrenderable.has(request.key));
  const placeholders = offline ? await countPlaceholders(engine, cached) : 0;
  const offlineWarning = () =>
    out.warn(
      `Checked without SHARK_API_KEY and outside CI, so offline placeholders count as cached` +
        `${placeholders > 0 ? ` (${placeholders} of the ${scan.requests.length} image(s) are placeholders)` : ''}; CI does not accept them. ` +
        'To check for the real images, set SHARK_API_KEY or CI=1: `CI=1 genimage check`.',
    );

  if (out.json) {
    out.document({
      command: 'check',
      ok,
      provider: engine.providerId,
      cacheDir: engine.cacheLocation,
      images: scan.requests.length,
      markers: scan.uses.length,
      placeholders,
      remote: remote ?? null,
      found: { local: count('local'), remote: count('remote'), missing: count('missing'), corrupt: count('corrupt') },
      locations: found,
      problems: problems.map(({ request, status, reason }) => ({ ...jsonRequest(root, request, status), reason: reason ?? null })),
      diagnostics: jsonDiagnostics(root, scan.diagnostics),
    });
    if (offline) offlineWarning();
    return ok ? EXIT.ok : EXIT.failed;
  }

  for (const { request, status, reason } of problems) {
    for (const origin of request.origins) out.result(`${where(root, origin)}  ${paint(out, status)}  ${quote(out, request.job.params.prompt)}`);
    if (reason) out.result(`  ${reason.replace(/\n/g, '\n  ')}`);
  }
  if (problems.length > 0) {
    out.result(`${problems.length} of ${scan.requests.length} image(s) missing or corrupt in ${engine.cacheLocation}/.`);
    out.info(remote ? `Run \`genimage generate\` where SHARK_API_KEY is set: it uploads the images to ${remote}.` : `Run \`genimage generate\` locally and commit ${engine.cacheLocation}/.`);
  } else {
    // On stdout, so that --silent still tells a placeholder from a real image.
    const but = placeholders > 0 ? `, but ${placeholders} of them are offline placeholders, not real images` : '';
    out.result(`All ${scan.requests.length} image(s) for ${scan.uses.length} marker(s) are cached and verified in ${engine.cacheLocation}/${but}.`);
  }
  if (remote) {
    out.result(`Found ${count('local')} in ${engine.cacheLocation}/, ${count('remote')} in ${remote} (copied into ${engine.cacheLocation}/), ${count('missing')} missing${count('corrupt') > 0 ? `, ${count('corrupt')} corrupt` : ''}.`);
    for (const item of found) out.debug(`${item.found}  ${item.key}`);
  }
  if (offline) offlineWarning();
  if (errors > 0) out.error(`${errors} marker error(s) above.`);
  return ok ? EXIT.ok : EXIT.failed;
}

/** Verified entries rendered by the `local` provider (real images committed by others win over them). */
async function countPlaceholders(engine: Engine, cached: readonly PlannedRequest[]): Promise<number> {
  const providers = await Promise.all(cached.map(async (request) => (await engine.cache.store.readMeta(request.key))?.provider));
  return providers.filter((provider) => provider === 'local').length;
}
