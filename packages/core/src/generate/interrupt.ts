/**
 * Ctrl-C (or SIGTERM) while images are being generated, in two stages, for every entry point (the
 * CLI's `generate`, a build, a dev server). The first sends no new request but lets the requests
 * under way finish and be stored: they may already be billed, so their images are worth keeping.
 * The second cancels those too and says how many were dropped. After it, Node's default applies.
 */

export interface InterruptOptions {
  /** Prints a line whatever the log level: it answers a key the user just pressed, and says what it costs. */
  say: (line: string) => void;
  /** Requests sent and not yet answered: what the second stage drops. */
  inFlight: () => number;
  /** After the first signal: e.g. a dev server closes, which waits for the answers and stores them. */
  onStop?: () => void;
  /** After the second: e.g. a dev server's process exits at once. Without it, the run ends by itself once cancelled. */
  onQuit?: () => void;
  /** @default ["SIGINT", "SIGTERM"] */
  signals?: readonly NodeJS.Signals[];
}

export interface Interrupt {
  /** Aborted by the first signal: core sends no new request. */
  readonly stopSignal: AbortSignal;
  /** Aborted by the second: core cancels the requests under way too. */
  readonly signal: AbortSignal;
  /** How many signals arrived (0, 1 or 2). */
  readonly presses: number;
  /** Stops listening: call it when the run is over. */
  dispose(): void;
}

export function listenForInterrupt(options: InterruptOptions): Interrupt {
  const { say, inFlight, onStop, onQuit, signals = ['SIGINT', 'SIGTERM'] } = options;
  const stop = new AbortController();
  const cancel = new AbortController();
  let presses = 0;
  const dispose = () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  function onSignal(): void {
    presses++;
    if (presses === 1) {
      say('Stopping: no new request is sent; the requests under way finish and their images are cached.');
      say('Press Ctrl-C again to cancel them too (they may already be billed: those credits would be wasted).');
      stop.abort();
      onStop?.();
      return;
    }
    const dropped = inFlight();
    say(
      `Cancelling the requests under way (any already billed are lost). ${dropped} answer(s) dropped.${onQuit ? '' : ' Press Ctrl-C once more to quit at once.'}`,
    );
    dispose();
    cancel.abort();
    onQuit?.();
  }
  for (const signal of signals) process.on(signal, onSignal);
  return {
    stopSignal: stop.signal,
    signal: cancel.signal,
    get presses() {
      return presses;
    },
    dispose,
  };
}
