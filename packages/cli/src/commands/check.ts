import { formatError } from '@genimage/core';
import { type GlobalFlags, EXIT, loadContext, scanProject } from '../context.ts';
import type { Output } from '../output.ts';
import { jsonDiagnostics, jsonRequest, paint, where } from '../report.ts';

/**
 * `genimage check`, the CI gate: every marker has a verified image in the cache. Reads the cache
 * only: never creates a provider, so it needs no API key and never spends a credit.
 */
export async function checkCommand(flags: GlobalFlags, out: Output): Promise<number> {
  const context = await loadContext(flags, out);
  const { engine, root } = context;
  const { scan, errors } = await scanProject(context);
  const statuses = await engine.statuses(scan.requests);
  const problems = [];
  for (const request of scan.requests) {
    const status = statuses.get(request.key) ?? 'missing';
    if (status === 'cached') continue;
    // Says what failed verification: the size, the hash, or the metadata.
    const reason = status === 'corrupt' ? await engine.cache.get(request.key).then(() => undefined, (error: unknown) => formatError(error)) : undefined;
    problems.push({ request, status, reason });
  }
  const ok = problems.length === 0 && errors === 0;

  if (out.json) {
    out.document({
      command: 'check',
      ok,
      provider: engine.providerId,
      cacheDir: engine.cacheLocation,
      images: scan.requests.length,
      markers: scan.uses.length,
      problems: problems.map(({ request, status, reason }) => ({ ...jsonRequest(root, request, status), reason: reason ?? null })),
      diagnostics: jsonDiagnostics(root, scan.diagnostics),
    });
    return ok ? EXIT.ok : EXIT.failed;
  }

  for (const { request, status, reason } of problems) {
    for (const origin of request.origins) out.result(`${where(root, origin)}  ${paint(out, status)}  "${request.job.params.prompt}"`);
    if (reason) out.result(`  ${reason.replace(/\n/g, '\n  ')}`);
  }
  if (problems.length > 0) {
    out.result(`${problems.length} of ${scan.requests.length} image(s) missing or corrupt in ${engine.cacheLocation}/.`);
    out.info(`Run \`genimage generate\` locally and commit ${engine.cacheLocation}/.`);
    if (engine.providerId === 'local') {
      out.info('Checked for offline placeholders: no SHARK_API_KEY is set and CI is not. Set CI=1 to check for the real images.');
    }
  } else {
    out.result(`All ${scan.requests.length} image(s) for ${scan.uses.length} marker(s) are cached and verified in ${engine.cacheLocation}/.`);
  }
  if (errors > 0) out.error(`${errors} marker error(s) above.`);
  return ok ? EXIT.ok : EXIT.failed;
}
