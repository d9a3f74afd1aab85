import { type Engine, type ImageRenderer, type Logger, listenForInterrupt } from '@genimage/core';
import type { ViteDevServer } from 'vite';

/**
 * A dev server that stops keeps what it paid for (core's two stages, `listenForInterrupt`): the
 * first Ctrl-C closes the server, whose `closeServer` hook (`drain`) waits for the answers under
 * way and stores them before the process exits; a second quits at once. Vite closes the server on
 * SIGTERM itself, so that path drains too.
 */
export function keepPaidAnswers(renderer: () => Promise<ImageRenderer>, logger: () => Logger) {
  let engine: Engine | undefined;
  return {
    /** In `configureServer`: listens for Ctrl-C while the server runs. */
    listen(server: ViteDevServer): void {
      renderer().then(
        (images) => {
          engine = images.engine;
        },
        () => {}, // the first page that renders reports why
      );
      const interrupt = listenForInterrupt({
        say: (line) => logger().warn(line),
        inFlight: () => engine?.requestsInFlight ?? 0,
        onStop: () => void server.close().finally(() => process.exit(130)),
        onQuit: () => process.exit(130),
        signals: ['SIGINT'],
      });
      server.httpServer?.once('close', interrupt.dispose);
    },
    /** In `closeServer`: nothing new is sent; the answers under way are waited for and stored. */
    drain: (): Promise<void> => engine?.drain() ?? Promise.resolve(),
  };
}
