/**
 * What a build does before its pages render, the same for every adapter: scan, say each marker's
 * problem at its place, generate what is missing (or refuse, frozen), say one summary line, and
 * warm the renderer with every scanned marker so that rendering a page is a lookup.
 */
import { unbuiltPagesMessage } from '../config/vite-pages.ts';
import { formatLocation } from '../errors.ts';
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
  const summary = await engine.generate(scan.requests, {
    onEvent: (event) => {
      if (event.type !== 'start') return;
      log.info(`generating ${event.request.origins.map(formatLocation).join(', ')} ${quoteText(event.request.job.params.prompt)}`);
    },
  });
  log.info(`${scan.uses.length} marker(s) in ${scan.files} file(s) · ${formatSummary(summary)}`);
  if (summary.failed > 0)
    throw new Error(`${summary.failed} image(s) could not be generated:\n${formatFailures(summary.failures).join('\n')}`);
  images.warm(scan.uses);
}
