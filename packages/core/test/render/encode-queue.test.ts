import { describe, expect, test } from 'vitest';
import { EncodeQueue } from '../../src/render/encode-queue.ts';

/** Jobs the test ends by hand: which started, in order. */
function harness(queue: EncodeQueue) {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const add = (name: string, weight: number, rank = 1) =>
    queue.run({ weight, rank }, () => {
      started.push(name);
      return new Promise<void>((resolve) => finish.set(name, resolve));
    });
  const end = async (name: string) => {
    finish.get(name)!();
    // Let the queue start what is next.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { started, add, end };
}

describe('EncodeQueue', () => {
  test('runs at most `concurrency` jobs, the next as one ends', async () => {
    const queue = new EncodeQueue(2, 100);
    const { started, add, end } = harness(queue);
    for (const name of ['a', 'b', 'c']) void add(name, 0);
    expect(started).toEqual(['a', 'b']);
    expect([queue.activeCount, queue.pendingCount]).toEqual([2, 1]);
    await end('a');
    expect(started).toEqual(['a', 'b', 'c']);
  });

  test('a job too heavy for now waits while a later one that fits runs; weightless jobs always fit', async () => {
    const queue = new EncodeQueue(2, 100);
    const { started, add, end } = harness(queue);
    void add('big', 80);
    void add('big too', 80);
    void add('webp', 0);
    expect(started).toEqual(['big', 'webp']);
    await end('webp');
    expect(started).toEqual(['big', 'webp']);
    await end('big');
    expect(started).toEqual(['big', 'webp', 'big too']);
  });

  test('a job heavier than the limit runs once no weighed job does', async () => {
    const queue = new EncodeQueue(2, 100);
    const { started, add, end } = harness(queue);
    void add('small', 10);
    void add('huge', 500);
    expect(started).toEqual(['small']);
    await end('small');
    expect(started).toEqual(['small', 'huge']);
  });

  test('a lower rank goes first, otherwise jobs go in the order they came', async () => {
    const queue = new EncodeQueue(1, 100);
    const { started, add, end } = harness(queue);
    void add('first', 0);
    void add('variant', 0);
    void add('placeholder', 0, 0);
    void add('another placeholder', 0, 0);
    await end('first');
    await end('placeholder');
    await end('another placeholder');
    expect(started).toEqual(['first', 'placeholder', 'another placeholder', 'variant']);
  });

  test('passes results and failures through', async () => {
    const queue = new EncodeQueue(1, 100);
    await expect(queue.run({ weight: 0, rank: 1 }, async () => 42)).resolves.toBe(42);
    await expect(queue.run({ weight: 0, rank: 1 }, () => Promise.reject(new Error('broken')))).rejects.toThrow('broken');
    expect(queue.activeCount).toBe(0);
  });

  test('refuses a concurrency that is not a whole number from 1', () => {
    expect(() => new EncodeQueue(0, 1)).toThrow('Expected `concurrency` to be an integer from 1 and up, got 0');
  });
});
