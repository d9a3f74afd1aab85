import { ReviewSession, startReviewServer } from '@genimage/core';
import { type GlobalFlags, EXIT, UsageError, loadContext, scanProject } from '../context.ts';
import { listenForInterrupt } from '../interrupt.ts';
import type { Output } from '../output.ts';

export interface ReviewFlags extends GlobalFlags {
  port?: string | number;
  frozen?: boolean;
}

/**
 * `genimage review`: the review loop without a dev server. Serves the gallery with its actions
 * (try more seeds, keep one, fix a seed) on 127.0.0.1 until Ctrl-C, through the same core session
 * and API as the dev servers; prints the page's URL, which carries the session's token.
 */
export async function reviewCommand(flags: ReviewFlags, out: Output): Promise<number> {
  const port = parsePort(flags.port);
  const context = await loadContext(flags, out, { ...(flags.frozen && { frozen: true }) });
  const { engine } = context;
  const { scan } = await scanProject(context);
  const session = new ReviewSession({ engine });
  const server = await startReviewServer({ session, port }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      throw new UsageError(`--port ${port}: the port is in use on 127.0.0.1. Choose another, or leave --port out for any free one.`);
    if (error.code === 'EACCES')
      throw new UsageError(`--port ${port}: this user may not listen on it. Choose one from 1024 up, or leave --port out.`);
    throw error;
  });
  const { canGenerate, reason } = await session.ability();
  out.result(`Review ${scan.uses.length} image declaration(s) at ${server.url}`);
  out.info(
    canGenerate ? 'Try more seeds, keep one: the source file is edited. Ctrl-C stops the server.' : `${reason} Ctrl-C stops the server.`,
  );
  await new Promise<void>((resolve) => {
    const interrupt = listenForInterrupt(out, () => engine.requestsInFlight);
    interrupt.stopSignal.addEventListener('abort', () => {
      interrupt.dispose();
      resolve();
    });
  });
  await server.close();
  // Candidates under way were paid for: their answers are waited for and stored.
  await engine.drain();
  return EXIT.ok;
}

/** `--port` as a port number; 0 (the default) takes any free one. */
function parsePort(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const text = String(value).trim();
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535)
    throw new UsageError(`Invalid --port "${text}": must be a whole number from 0 (any free port) to 65535.`);
  return port;
}
