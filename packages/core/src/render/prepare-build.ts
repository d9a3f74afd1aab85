/**
 * What a build does before its pages render, the same for every adapter: scan, say each marker's
 * problem at its place (an error stops the build before anything is paid), generate what is missing (or refuse, frozen), say one summary line, and
 * warm the renderer with every scanned marker so that rendering a page is a lookup. Ctrl-C keeps the
 * answers under way (`listenForInterrupt`).
 *
 * Each marker is warmed as soon as its image is in the cache (found there or just stored), not once
 * every image is: its variants encode while later images are still being generated, so a cold
 * build with a slow API keeps the cores busy instead of waiting for its last image first.
 */
import type { ImageUse } from '../engine.ts';
import { unbuiltPagesMessage } from '../config/vite-pages.ts';
import { diagnosticToError, type Diagnostic } from '../diagnostics.ts';
import { GenImageError, formatLocation } from '../errors.ts';
import { listenForInterrupt } from '../generate/interrupt.ts';
import { formatFailures, formatSummary } from '../generate/schedule.ts';
import { quoteText } from '../terminal-text.ts';
import type { ImageRenderer } from './renderer.ts';

export async function prepareBuild(images: ImageRenderer): Promise<void> {
  const { engine } = images;
  const log = engine.logger;
  const scan = await engine.scan();
  for (const diagnostic of scan.diagnostics) {
    log[diagnostic.severity === 'error' ? 'error' : 'warn'](`${formatLocation(diagnostic.location)}: ${diagnostic.message}`);
  }
  const unbuilt = unbuiltPagesMessage(scan.unbuiltPages);
  if (unbuilt) log.warn(unbuilt);
  // A marker with an error fails its page anyway: the build stops before anything is paid.
  const errors = scan.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0) throw markerErrors(errors);
  images.limitTo(scan.uses);
  // Ctrl-C sends nothing more but keeps the answers under way (maybe billed); the build then fails on what is missing.
  const sent = new Set<string>();
  const waiting = usesOfEachKey(scan.uses);
  const warm = (key: string) => {
    const uses = waiting.get(key);
    if (!uses) return;
    waiting.delete(key);
    images.warm(uses);
  };
  const interrupt = listenForInterrupt({ say: (line) => log.warn(line), inFlight: () => sent.size });
  const summary = await engine
    .generate(scan.requests, {
      onEvent: (event) => {
        if (event.type === 'generated' || event.type === 'reused') warm(event.request.key);
        if (event.type !== 'start') return void sent.delete(event.request.key);
        sent.add(event.request.key);
        log.info(`generating ${event.request.origins.map(formatLocation).join(', ')} ${quoteText(event.request.job.params.prompt)}`);
      },
      stopSignal: interrupt.stopSignal,
      signal: interrupt.signal,
    })
    .finally(interrupt.dispose);
  log.info(`${scan.uses.length} marker(s) in ${scan.files} file(s) · ${formatSummary(summary)}`);
  if (summary.failed > 0)
    throw new Error(`${summary.failed} image(s) could not be generated:\n${formatFailures(summary.failures).join('\n')}`);
  for (const key of waiting.keys()) warm(key);
}

function usesOfEachKey(uses: readonly ImageUse[]): Map<string, ImageUse[]> {
  const byKey = new Map<string, ImageUse[]>();
  for (const use of uses) {
    const same = byKey.get(use.key);
    if (same) same.push(use);
    else byKey.set(use.key, [use]);
  }
  return byKey;
}

/** The first marker error, located, saying how many others the log lists above it. */
function markerErrors(errors: readonly Diagnostic[]): GenImageError {
  const first = diagnosticToError(errors[0]!);
  if (errors.length === 1) return first;
  const others = `${first.message} (and ${errors.length - 1} more marker error(s), listed above; nothing was generated)`;
  return new GenImageError(first, others, { ...(first.location && { location: first.location }), ...(first.hint && { hint: first.hint }) });
}
