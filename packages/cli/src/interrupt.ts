/**
 * Ctrl-C during `genimage generate`: core's two stages (`listenForInterrupt`), said on stderr
 * whatever --silent says. The run ends by itself once cancelled.
 */
import { type Interrupt, listenForInterrupt as listen } from '@genimage/core';
import type { Output } from './output.ts';

export type { Interrupt } from '@genimage/core';

/** `inFlight`: the run's requests sent and not yet answered. */
export function listenForInterrupt(out: Output, inFlight: () => number): Interrupt {
  return listen({ say: (line) => out.errLine(line), inFlight });
}
