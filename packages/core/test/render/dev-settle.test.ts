import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { Settle } from '../../src/render/dev-settle.ts';

describe('Settle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('sends a key once it has stayed at its place for settleMs', () => {
    const sent: string[] = [];
    const settle = new Settle(() => 1500);
    settle.after('a.html:3:5', 'k1', () => sent.push('k1'));
    vi.advanceTimersByTime(1499);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['k1']);
    expect(settle.waitingCount).toBe(0);
  });

  test('a key not sent yet is dropped when its place declares another', () => {
    const sent: string[] = [];
    const settle = new Settle(() => 1500);
    for (const key of ['k1', 'k2', 'k3']) {
      settle.after('a.html:3:5', key, () => sent.push(key));
      vi.advanceTimersByTime(200);
    }
    vi.advanceTimersByTime(1500);
    expect(sent).toEqual(['k3']);
  });

  test('declared again unchanged, the wait is not restarted', () => {
    const sent: string[] = [];
    const settle = new Settle(() => 1000);
    settle.after('a.html:3:5', 'k1', () => sent.push('first'));
    vi.advanceTimersByTime(600);
    settle.after('a.html:3:5', 'k1', () => sent.push('second'));
    vi.advanceTimersByTime(400);
    expect(sent).toEqual(['first']);
  });

  test('places wait independently', () => {
    const sent: string[] = [];
    const settle = new Settle(() => 1000);
    settle.after('a.html:3:5', 'k1', () => sent.push('k1'));
    settle.after('b.html:1:1', 'k2', () => sent.push('k2'));
    vi.advanceTimersByTime(1000);
    expect(sent.sort()).toEqual(['k1', 'k2']);
  });

  test('0 sends at once; clear drops what waits', () => {
    const sent: string[] = [];
    new Settle(() => 0).after('a.html:3:5', 'k1', () => sent.push('k1'));
    expect(sent).toEqual(['k1']);
    const settle = new Settle(() => 1000);
    settle.after('a.html:3:5', 'k2', () => sent.push('k2'));
    settle.clear();
    vi.advanceTimersByTime(2000);
    expect(sent).toEqual(['k1']);
  });
});
