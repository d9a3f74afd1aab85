import {
  type GenerationSummary,
  Aborted,
  FrozenMissingError,
  configSchema,
  describeIssues,
  formatError,
  formatFailures,
  formatSummary,
  isGenImageError,
  planGeneration,
} from '@genimage/core';
import { type GlobalFlags, EXIT, UsageError, loadContext, scanProject } from '../context.ts';
import { listenForInterrupt } from '../interrupt.ts';
import type { Output } from '../output.ts';
import { createProgress } from '../progress.ts';
import { jsonDiagnostics, jsonError, jsonLocation, jsonRequest, quote, where } from '../report.ts';
import { reportPlan } from './plan.ts';

export interface GenerateFlags extends GlobalFlags {
  concurrency?: string | number;
  dryRun?: boolean;
  frozen?: boolean;
}

/**
 * `genimage generate`: generates what the cache lacks. Valid markers are generated even when
 * others have errors (never lose work); the exit code still reports them.
 */
export async function generateCommand(flags: GenerateFlags, out: Output): Promise<number> {
  const concurrency = parseConcurrency(flags.concurrency);
  const context = await loadContext(flags, out, {
    ...(flags.frozen && { frozen: true }),
    ...(concurrency !== undefined && { options: { concurrency } }),
    // A dry run is `genimage plan`: it sends nothing, to the bucket neither.
    ...(flags.dryRun && { offline: true }),
  });
  const { engine, root } = context;
  const { scan, errors } = await scanProject(context);
  if (flags.dryRun) return reportPlan(context, scan, errors, 'generate');

  const plan = planGeneration(scan.requests, await engine.statuses(scan.requests), {
    provider: engine.providerId,
    estimatedCreditsPerImage: engine.config.estimatedCreditsPerImage,
  });
  const progress = createProgress(out, root, engine.frozen ? 0 : plan.toGenerate.length);
  // Keys sent and not yet answered: what a second Ctrl-C drops.
  const sent = new Set<string>();
  const interrupt = listenForInterrupt(out, () => sent.size);
  let summary: GenerationSummary;
  try {
    summary = await engine.generate(scan.requests, {
      onEvent: (event) => {
        if (event.type === 'start') sent.add(event.request.key);
        else sent.delete(event.request.key);
        progress.onEvent(event);
      },
      stopSignal: interrupt.stopSignal,
      signal: interrupt.signal,
    });
  } catch (error) {
    if (!(error instanceof FrozenMissingError)) throw error;
    // Core's message quotes every prompt whole; the same list here, each prompt quoted for a line.
    out.error(`${error.title}: ${error.headline}`);
    for (const { request, status } of error.missing) {
      out.errLine(
        `  ${request.origins.map((origin) => where(root, origin)).join(', ') || request.key}  ${status}: ${quote(out, request.job.params.prompt)}`,
      );
    }
    if (error.hint) out.errLine(`  hint: ${error.hint}`);
    if (out.json) {
      out.document({
        command: 'generate',
        ok: false,
        provider: engine.providerId,
        frozen: true,
        error: jsonError(error),
        missing: error.missing.map(({ request, status }) => jsonRequest(root, request, status)),
        diagnostics: jsonDiagnostics(root, scan.diagnostics),
      });
    }
    return EXIT.failed;
  } finally {
    progress.stop();
    interrupt.dispose();
  }

  const ok = summary.failed === 0 && errors === 0;
  if (out.json) {
    out.document({
      command: 'generate',
      ok,
      provider: engine.providerId,
      frozen: engine.frozen,
      summary: {
        requests: summary.requests,
        generated: summary.generated,
        images: summary.images,
        reused: summary.reused,
        failed: summary.failed,
        attempts: summary.attempts,
        possiblyBilledAttempts: summary.possiblyBilledAttempts,
        unstored: summary.unstored,
        credits: summary.credits,
        elapsedMs: summary.elapsedMs,
        remote: summary.remote ?? null,
      },
      failures: summary.failures.map((failure) => ({
        key: failure.key,
        origins: failure.origins.map((origin) => jsonLocation(root, origin)),
        error: jsonError(failure.error),
      })),
      stoppedBy: summary.stoppedBy ? jsonError(summary.stoppedBy) : null,
      diagnostics: jsonDiagnostics(root, scan.diagnostics),
    });
  }
  if (summary.failures.length > 0) {
    out.error(`${summary.failures.length} image request(s) failed:`);
    for (const line of formatFailures(summary.failures)) out.errLine(`  ${line.replace(/\n/g, '\n  ')}`);
  }
  if (summary.stoppedBy) out.error(`The run stopped early: ${formatError(summary.stoppedBy)}`);
  const interrupted = summary.failures.filter((failure) => isGenImageError(failure.error, Aborted)).length;
  if (interrupt.presses > 0 && interrupted > 0) {
    out.error(
      `Interrupted: ${interrupted} image request(s) not generated. Run \`genimage generate\` again to generate them; the images already generated stay cached.`,
    );
  }
  if (errors > 0) out.error(`${errors} marker error(s) above: those markers were not generated.`);
  out.result(formatSummary(summary));
  return ok ? EXIT.ok : EXIT.failed;
}

/** `--concurrency` as a number, checked against the `concurrency` option's own rule. */
function parseConcurrency(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const number = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  const checked = configSchema.shape.concurrency.safeParse(number);
  if (!checked.success) {
    const reason = Number.isNaN(number)
      ? 'must be a whole number'
      : (describeIssues(checked.error.issues)[0] ?? '').replace(/^[^:]*: /, '');
    throw new UsageError(`Invalid --concurrency "${text}": ${reason} (from 1 to 64).`);
  }
  return number;
}
