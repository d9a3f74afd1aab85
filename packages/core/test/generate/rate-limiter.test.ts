import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Permit, RateLimiter } from '../../src/generate/rate-limiter.ts';

let clock = 0;
function limiter(maxConcurrency: number, maxRateLimitedMs = 60_000): RateLimiter {
  clock = 1_000;
  return new RateLimiter({ maxConcurrency, maxRateLimitedMs, now: () => clock, random: () => 0.5 });
}

/** Whether the promise has settled after the microtasks queued so far. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

async function take(rate: RateLimiter, count: number): Promise<Permit[]> {
  const permits = await Promise.all(Array.from({ length: count }, () => rate.acquire()));
  return permits.map((permit) => permit!);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RateLimiter', () => {
  it('lets maxConcurrency requests through at once and the next ones in arrival order', async () => {
    const rate = limiter(2);
    const [first] = await take(rate, 2);
    const order: string[] = [];
    const third = rate.acquire().then(() => order.push('third'));
    const fourth = rate.acquire().then(() => order.push('fourth'));
    expect(await settled(third)).toBe(false);
    expect(rate.pendingCount).toBe(2);
    first!.accepted();
    await third;
    expect(await settled(fourth)).toBe(false);
    expect(order).toEqual(['third']);
  });

  it('lowers the limit on a 429 to the requests the API is still serving', async () => {
    const rate = limiter(8);
    const permits = await take(rate, 8);
    // Six are refused, two are being served: the API accepts two at once.
    for (const permit of permits.slice(0, 6)) permit.rateLimited(1_000);
    expect(rate.limit).toBe(2);
    expect(rate.inFlight).toBe(2);
    expect(rate.rateLimited).toBe(6);
  });

  it('asks the refused request to wait Retry-After plus up to half of it, so that retries spread out', async () => {
    const rate = limiter(4);
    const [permit] = await take(rate, 2);
    expect(permit!.rateLimited(1_000)).toBe(1_250); // random() = 0.5
  });

  it('raises the limit by one slot per `limit` successes while requests wait, never past maxConcurrency', async () => {
    const rate = limiter(3);
    const permits = await take(rate, 3);
    permits[0]!.rateLimited(100); // limit 2
    expect(rate.limit).toBe(2);
    clock += 200; // past the hold: requests sent from now on count
    permits[1]!.accepted();
    permits[2]!.accepted();
    const fresh = await take(rate, 2);
    const waiting = [rate.acquire(), rate.acquire()];
    fresh[0]!.accepted(); // +1/2, with demand
    expect(rate.limit).toBe(2);
    fresh[1]!.accepted(); // +1/2: a third slot
    expect(rate.limit).toBe(3);
    const more = (await Promise.all(waiting)).map((permit) => permit!);
    for (const permit of more) permit.accepted();
    expect(rate.limit).toBe(3);
  });

  it('does not raise the limit without requests waiting, nor from requests sent before the last 429', async () => {
    const rate = limiter(4);
    const permits = await take(rate, 4);
    permits[0]!.rateLimited(1_000); // limit 3, hold for 1 s
    const waiting = rate.acquire();
    permits[1]!.accepted(); // sent before the 429: no increase
    const granted = await waiting;
    expect(rate.limit).toBe(3);
    clock += 2_000;
    for (const permit of [permits[2]!, permits[3]!, granted!]) permit.accepted();
    const late = await take(rate, 2);
    for (const permit of late) permit.accepted(); // sent after the hold, but no one waiting: no increase
    expect(rate.limit).toBe(3);
  });

  it('when even one request is refused, holds back new requests until Retry-After has passed, but lets the retry through', async () => {
    vi.useFakeTimers();
    const rate = limiter(2);
    const [only] = await take(rate, 1);
    expect(only!.rateLimited(1_000)).toBe(1_250);
    expect(rate.limit).toBe(1);
    const fresh = rate.acquire();
    expect(await settledWithFakeTimers(fresh)).toBe(false);
    const retry = rate.acquire(undefined, { retry: true });
    expect(await settledWithFakeTimers(retry)).toBe(true);
    (await retry)!.accepted();
    expect(await settledWithFakeTimers(fresh)).toBe(false);
    clock += 1_000;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await fresh).toBeDefined();
  });

  it('gives up once the API has refused everything for maxRateLimitedMs, and forgets it after a success', async () => {
    const rate = limiter(2, 5_000);
    const [first, second] = await take(rate, 2);
    expect(first!.rateLimited(100)).toBeDefined();
    clock += 4_000;
    second!.accepted(); // something got through: the clock starts again
    const [third] = await take(rate, 1);
    clock += 4_000;
    expect(third!.rateLimited(100)).toBeDefined();
    const fourth = await rate.acquire(undefined, { retry: true });
    clock += 5_000;
    expect(fourth!.rateLimited(100)).toBeUndefined();
    expect(await rate.acquire()).toBeUndefined();
  });

  it('takes a waiting request out of the queue when its signal aborts', async () => {
    const rate = limiter(1);
    await take(rate, 1);
    const controller = new AbortController();
    const waiting = rate.acquire(controller.signal);
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
    expect(rate.pendingCount).toBe(0);
  });

  it('refuses a permit used twice', async () => {
    const rate = limiter(1);
    const [permit] = await take(rate, 1);
    permit!.released();
    expect(() => permit!.accepted()).toThrow('A permit was used twice');
  });

  it('refuses a maxConcurrency below 1', () => {
    expect(() => new RateLimiter({ maxConcurrency: 0, maxRateLimitedMs: 1 })).toThrow(
      'Expected `maxConcurrency` to be a number from 1 and up, got 0',
    );
  });
});

/** `settled` for tests with fake timers: lets pending microtasks run without advancing time. */
async function settledWithFakeTimers(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await vi.advanceTimersByTimeAsync(0);
  return done;
}
