import { expect, test } from 'vitest';
import { listenForInterrupt } from '../../src/generate/interrupt.ts';

test('the first signal stops sending, the second cancels and says how many answers were dropped', () => {
  const said: string[] = [];
  const calls: string[] = [];
  const interrupt = listenForInterrupt({
    say: (line) => said.push(line),
    inFlight: () => 2,
    onStop: () => calls.push('stop'),
    onQuit: () => calls.push('quit'),
    signals: ['SIGUSR2'],
  });
  try {
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(interrupt.stopSignal.aborted).toBe(true);
    expect(interrupt.signal.aborted).toBe(false);
    expect(said[0]).toContain('Stopping: no new request is sent');
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(interrupt.signal.aborted).toBe(true);
    expect(said.at(-1)).toBe('Cancelling the requests under way (any already billed are lost). 2 answer(s) dropped.');
    expect(calls).toEqual(['stop', 'quit']);
    expect(interrupt.presses).toBe(2);
    // No longer listening: a third is Node's.
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  } finally {
    interrupt.dispose();
  }
});
