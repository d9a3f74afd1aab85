import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY_OPTIONS, parseRetryAfter, RetryBudget } from '../../src/generate/retry.ts';

const options = { ...DEFAULT_RETRY_OPTIONS, baseDelayMs: 100, maxDelayMs: 1000 };

describe('backoffDelay', () => {
  it('doubles the ceiling with each retry (full jitter at the top of the range)', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4].map((retry) => backoffDelay(retry, options, top))).toEqual([99, 199, 399, 799]);
  });

  it('never exceeds maxDelayMs', () => {
    expect(backoffDelay(20, options, () => 0.999999)).toBeLessThan(1000);
  });

  it('draws uniformly from zero (full jitter)', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(200);
  });
});

describe('parseRetryAfter', () => {
  it('reads retry-after-ms first', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '1500', 'retry-after': '9' })).toBe(1500);
  });

  it('reads Retry-After in seconds', () => {
    expect(parseRetryAfter({ 'retry-after': '3' })).toBe(3000);
  });

  it('reads Retry-After as an HTTP date', () => {
    const now = Date.parse('Wed, 25 Nov 2026 10:00:00 GMT');
    expect(parseRetryAfter({ 'retry-after': 'Wed, 25 Nov 2026 10:00:07 GMT' }, now)).toBe(7000);
  });

  it('treats a date in the past as no wait', () => {
    const now = Date.parse('Wed, 25 Nov 2026 10:00:00 GMT');
    expect(parseRetryAfter({ 'retry-after': 'Wed, 25 Nov 2026 09:00:00 GMT' }, now)).toBe(0);
  });

  it('ignores unreadable values', () => {
    expect(parseRetryAfter({ 'retry-after': 'soon' })).toBeUndefined();
    expect(parseRetryAfter({})).toBeUndefined();
  });
});

describe('RetryBudget', () => {
  it('allows free retries up to maxAttempts attempts in all', () => {
    const budget = new RetryBudget({ ...options, maxAttempts: 3 });
    const decisions: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      budget.begin();
      decisions.push(budget.allowsRetry('free'));
    }
    expect(decisions).toEqual([true, true, false]);
  });

  it('allows one retry after a possibly billed failure by default', () => {
    const budget = new RetryBudget(options);
    budget.begin();
    expect(budget.allowsRetry('billed')).toBe(true);
    budget.begin();
    expect(budget.allowsRetry('billed')).toBe(false);
    expect(budget.billedFailures).toBe(2);
  });

  it('allows no retry after a billed failure when maxBilledRetries is 0', () => {
    const budget = new RetryBudget({ ...options, maxBilledRetries: 0 });
    budget.begin();
    expect(budget.allowsRetry('billed')).toBe(false);
  });

  it('never retries a failure of class never', () => {
    const budget = new RetryBudget(options);
    budget.begin();
    expect(budget.allowsRetry('never')).toBe(false);
  });
});
