/**
 * Progress of `genimage generate`: a bar on a terminal, one line per image otherwise (CI logs,
 * pipes). Both on stderr; nothing under `--silent`.
 */
import type { ScheduleEvent } from '@genimage/core';
import cliProgress from 'cli-progress';
import type { Output } from './output.ts';
import { quote, where } from './report.ts';

export interface Progress {
  onEvent(event: ScheduleEvent): void;
  stop(): void;
}

export function createProgress(out: Output, root: string, total: number): Progress {
  if (out.silent || total === 0) return { onEvent() {}, stop() {} };
  const started = new Map<string, number>();
  const label = (event: ScheduleEvent) =>
    `${event.request.origins.map((origin) => where(root, origin)).join(', ') || event.request.key.slice(0, 12)} ${quote(out, event.request.job.params.prompt)}`;

  if (out.stderr.isTTY && !out.verbose) {
    const bar = new cliProgress.SingleBar(
      {
        stream: out.stderr as NodeJS.WritableStream,
        format: 'generating {bar} {value}/{total} images | {duration_formatted} | {last}',
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { last: '' });
    out.statusLine = true;
    return {
      onEvent(event) {
        if (event.type === 'generated' || event.type === 'failed') {
          // cli-progress writes this itself: it must arrive already safe for the terminal (quote escapes it).
          bar.increment(1, { last: `${event.type} ${quote(out, event.request.job.params.prompt, 40)}` });
        }
      },
      stop() {
        bar.stop();
        out.statusLine = false;
      },
    };
  }

  return {
    onEvent(event) {
      const c = out.errColor;
      if (event.type === 'start') {
        started.set(event.request.key, Date.now());
        out.debug(`start ${label(event)}`);
      } else if (event.type === 'reused') {
        out.debug(`cached ${label(event)}`);
      } else if (event.type === 'generated') {
        const seconds = ((Date.now() - (started.get(event.request.key) ?? Date.now())) / 1000).toFixed(1);
        const credit = event.result.credit === undefined ? '' : ` · ${event.result.credit} credits`;
        out.info(`${c.green('generated')} ${label(event)} (${event.result.images.length} image(s)${credit} · ${seconds} s)`);
      } else if (event.type === 'failed') {
        out.info(`${c.red('failed')} ${label(event)}: ${event.error.title}`);
      }
    },
    stop() {},
  };
}
