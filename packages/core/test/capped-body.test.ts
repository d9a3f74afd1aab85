import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodySilent, BodyTooLarge, forEachChunkCapped, readCapped } from '../src/capped-body.ts';

/** A body that sends these chunks, as undici's and the AWS SDK's would. */
function body(...chunks: string[]): Readable {
  return Readable.from(chunks.map((chunk) => Buffer.from(chunk)));
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

  it('reads no body as empty', async () => {
    expect(await readCapped(undefined, 100, 'The body')).toHaveLength(0);
  });

  it('refuses a body past the cap, declared or not, with a BodyTooLarge, and stops reading it', async () => {
    for (const declared of [undefined, 4]) {
      const stream = body('abc', 'def', 'never read');
      const error = await readCapped(stream, 5, 'The body', declared).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BodyTooLarge);
      expect(error).toMatchObject({ message: 'The body exceeded 5 bytes', maxBytes: 5, declaredBytes: undefined });
      expect(stream.destroyed).toBe(true);
    }
  });

  it('refuses a declared length past the cap before reading anything', async () => {
    const stream = body('abc');
    const error = await readCapped(stream, 2, 'The body', 3).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'BodyTooLarge', message: 'The body is 3 bytes, over the 2-byte cap', declaredBytes: 3 });
    expect(stream.destroyed).toBe(true);
  });
});

describe('readCapped with silenceMs', () => {
  it('refuses a body that goes silent mid-way with a BodySilent, and destroys it', async () => {
    // Sends its first chunk, then nothing: what a stalled server does after its headers.
    const stalled = new Readable({ read() {} });
    stalled.push(Buffer.from('abc'));
    const error = await readCapped(stalled, 100, 'The body', 10, 50).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BodySilent);
    expect(error).toMatchObject({ message: 'The body sent nothing for 50 ms after 3 bytes', silenceMs: 50, receivedBytes: 3 });
    expect(stalled.destroyed).toBe(true);
  });

  it('reads a body whose chunks each come within silenceMs', async () => {
    expect((await readCapped(body('abc', 'def'), 100, 'The body', 6, 50)).toString()).toBe('abcdef');
  });
});

describe('forEachChunkCapped', () => {
  it('hands over the chunks within the cap, none past it', async () => {
    const seen: string[] = [];
    const reading = forEachChunkCapped(body('ab', 'cd', 'ef'), 5, 'The body', (chunk) => seen.push(Buffer.from(chunk).toString()));
    await expect(reading).rejects.toBeInstanceOf(BodyTooLarge);
    expect(seen).toEqual(['ab', 'cd']);
  });
});
