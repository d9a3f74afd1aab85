/**
 * Ctrl-C during `genimage generate`, in two stages. The first sends no new request but lets the
 * requests under way finish and be cached: they may already be billed, so their images are worth
 * keeping. The second cancels those too. After it, Node's default applies: a third quits at once.
 */
import type { Output } from './output.ts';

export interface Interrupt {
  /** Aborted by the first Ctrl-C: core sends no new request. */
  readonly stopSignal: AbortSignal;
  /** Aborted by the second Ctrl-C: core cancels the requests under way too. */
  readonly signal: AbortSignal;
  /** How many times Ctrl-C was pressed (0, 1 or 2). */
  readonly presses: number;
  /** Stops listening: call it when the run is over. */
  dispose(): void;
}

export function listenForInterrupt(out: Output): Interrupt {
  const stop = new AbortController();
  const cancel = new AbortController();
  let presses = 0;
  // Printed whatever --silent says: it answers a key the user just pressed, and says what it costs.
  const onSigint = () => {
    presses++;
    if (presses === 1) {
      out.errLine('Stopping: no new request is sent; the requests under way finish and their images are cached.');
      out.errLine('Press Ctrl-C again to cancel them too (they may already be billed: those credits would be wasted).');
      stop.abort();
    } else {
      out.errLine('Cancelling the requests under way (any already billed are lost). Press Ctrl-C once more to quit at once.');
      process.off('SIGINT', onSigint);
      cancel.abort();
    }
  };
  process.on('SIGINT', onSigint);
  return {
    stopSignal: stop.signal,
    signal: cancel.signal,
    get presses() {
      return presses;
    },
    dispose: () => process.off('SIGINT', onSigint),
  };
}
