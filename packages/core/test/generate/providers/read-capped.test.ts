import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { readCapped } from '../../../src/generate/providers/shark.ts';

/** A body that sends these chunks, as undici's would. */
function body(...chunks: string[]): Dispatcher.ResponseData['body'] {
  return Readable.from(chunks.map((chunk) => Buffer.from(chunk))) as unknown as Dispatcher.ResponseData['body'];
}

describe('readCapped', () => {
  it('reads a body of its declared length into one buffer of that size', async () => {
    const read = await readCapped(body('abc', 'def'), 100, 'The body', 6);
    expect([read.toString(), read.buffer.byteLength >= 6, read.length]).toEqual(['abcdef', true, 6]);
  });

  it('keeps every byte of a body longer than it declared', async () => {
    expect((await readCapped(body('abc', 'def', 'gh'), 100, 'The body', 4)).toString()).toBe('abcdefgh');
  });

  it('reads a body without a declared length', async () => {
    expect((await readCapped(body('abc', 'def'), 100, 'The body')).toString()).toBe('abcdef');
  });

  it('refuses a body past the cap, declared or not', async () => {
    await expect(readCapped(body('abc', 'def'), 5, 'The body')).rejects.toThrow('The body exceeded 5 bytes');
    await expect(readCapped(body('abc', 'def'), 5, 'The body', 4)).rejects.toThrow('The body exceeded 5 bytes');
  });
});
