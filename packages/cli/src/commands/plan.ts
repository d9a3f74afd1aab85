import { type ScanResult, planGeneration } from '@genimage/core';
import { type Context, type GlobalFlags, EXIT, loadContext, notAsked, scanProject } from '../context.ts';
import type { Output } from '../output.ts';
import { jsonDiagnostics, jsonRequest, paint, quote, where } from '../report.ts';

/** `genimage plan`: what a build would generate and an estimate of its cost. No network: the bucket is not asked. */
export async function planCommand(flags: GlobalFlags, out: Output): Promise<number> {
  const context = await loadContext(flags, out, { offline: true });
  const { scan, errors } = await scanProject(context);
  return reportPlan(context, scan, errors, 'plan');
}

/** The plan report, shared with `generate --dry-run`. */
export async function reportPlan(context: Context, scan: ScanResult, errors: number, command: string): Promise<number> {
  const { engine, root, out } = context;
  const plan = planGeneration(scan.requests, await engine.statuses(scan.requests), {
    provider: engine.providerId,
    estimatedCreditsPerImage: engine.config.estimatedCreditsPerImage,
  });
  const cached = plan.items.filter((item) => item.status === 'cached').length;
  const exitCode = errors > 0 ? EXIT.failed : EXIT.ok;

  if (out.json) {
    out.document({
      command,
      ok: errors === 0,
      provider: plan.provider,
      frozen: engine.frozen,
      requests: plan.items.length,
      cached,
      toGenerate: plan.toGenerate.map((request) => jsonRequest(root, request, plan.items.find((item) => item.request === request)?.status)),
      images: plan.images,
      creditsPerImage: plan.creditsPerImage,
      estimatedCredits: plan.estimatedCredits,
      diagnostics: jsonDiagnostics(root, scan.diagnostics),
    });
    return exitCode;
  }

  for (const item of plan.items) {
    if (item.status === 'cached') continue;
    const origins = item.request.origins.map((origin) => where(root, origin)).join(', ');
    const { n, prompt } = item.request.job.params;
    out.result(
      `${paint(out, 'generate')}  ${origins}  ${quote(out, prompt)}  ${n} image(s)${item.status === 'corrupt' ? ` ${paint(out, 'corrupt')}` : ''}`,
    );
  }
  const cost =
    plan.provider === 'local'
      ? 'no credits (offline placeholders from the local provider)'
      : `about ${plan.estimatedCredits} credits (${plan.images} × ${plan.creditsPerImage}, estimatedCreditsPerImage)`;
  out.result(
    `${plan.items.length} image request(s): ${cached} cached, ${plan.toGenerate.length} to generate → ${plan.images} image(s), ${cost}.`,
  );
  notAsked(context, plan.toGenerate.length, command === 'plan' ? 'plan' : 'generate --dry-run');
  if (engine.frozen && plan.toGenerate.length > 0) {
    out.warn(
      `Generation is frozen here: a build would fail on these ${plan.toGenerate.length} image(s). Run \`genimage generate\` locally and commit ${engine.cacheLocation}/.`,
    );
  } else if (plan.provider === 'local' && plan.toGenerate.length > 0) {
    out.info('No SHARK_API_KEY is set: a build would render placeholders. Set the key to plan real images.');
  }
  return exitCode;
}
