import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blobIndex, JsonBlobReader, LONG_STRING } from '../../../src/generate/providers/json-blobs.ts';

/** Feeds `text` in chunks of the given sizes (cycled), as a socket would. */
function read(text: string | Buffer, sizes: number[] = [65536], expected = 0) {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const reader = new JsonBlobReader(expected);
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    reader.write(bytes.subarray(at, at + size));
    at += size;
  }
  return reader.end();
}

const image = randomBytes(LONG_STRING); // its base64 is longer than LONG_STRING

describe('JsonBlobReader', () => {
  it('parses a small document as JSON.parse does, strings with escapes included', () => {
    const doc = { created: 1, data: [{ url: 'https://x/a?b="c"&d=\\e' }], note: 'é ☕ \n \u0001', usage: { total_tokens: 3 } };
    expect(read(JSON.stringify(doc), [1])).toEqual({ json: doc, blobs: [] });
  });

  it.each([[[65536]], [[1]], [[7, 3, 4096]], [[65535, 2]]])(
    'decodes a long base64 string into bytes, whatever the chunks (%j)',
    (sizes) => {
      const body = JSON.stringify({ created: 1, data: [{ b64_json: image.toString('base64') }, { b64_json: 'AAAA' }], credit: 10 });
      const { json, blobs } = read(body, sizes, body.length);
      const data = (json as { data: { b64_json: string }[] }).data;
      expect(blobIndex(data[0]!.b64_json)).toBe(0);
      expect(Buffer.from(blobs[0]!.bytes!).equals(image)).toBe(true);
      // A short string stays as it is.
      expect(data[1]!.b64_json).toBe('AAAA');
      expect((json as { credit: number }).credit).toBe(10);
    },
  );

  it('accepts the escapes a JSON encoder may put in base64 (\\/ and line breaks), even cut between chunks', () => {
    const base64 = image.toString('base64');
    const wrapped = base64.replace(/.{76}/g, '$&\\n').replaceAll('/', '\\/');
    const body = `{"data":[{"b64_json":"${wrapped}"}]}`;
    for (const sizes of [[1], [3], [4097], [65536]]) {
      const { blobs } = read(body, sizes);
      expect(Buffer.from(blobs[0]!.bytes!).equals(image), String(sizes)).toBe(true);
    }
  });

  it('decodes several long strings, each into its own buffer, with or without a declared length', () => {
    const second = randomBytes(LONG_STRING + 5);
    const body = JSON.stringify({ data: [{ b64_json: image.toString('base64') }, { b64_json: second.toString('base64') }] });
    for (const expected of [0, body.length]) {
      const { blobs } = read(body, [8192], expected);
      expect(blobs.map((blob) => Buffer.from(blob.bytes!).length)).toEqual([image.length, second.length]);
      expect(Buffer.from(blobs[1]!.bytes!).equals(second)).toBe(true);
      // Each image keeps a buffer of its own size, not one sized for the whole answer.
      for (const blob of blobs) expect(blob.bytes!.buffer.byteLength).toBeLessThanOrEqual(blob.bytes!.byteLength * 1.25);
    }
  });

  it.each([0, 1, 2])('decodes an image whose length leaves %i byte(s) in the last quartet, padding and all', (extra) => {
    const bytes = randomBytes(LONG_STRING + 3 + extra);
    for (const sizes of [[1], [5], [65536]]) {
      const { blobs } = read(JSON.stringify({ b64_json: bytes.toString('base64') }), sizes);
      expect(Buffer.from(blobs[0]!.bytes!).equals(bytes), String(sizes)).toBe(true);
    }
  });

  it.each([
    [
      'missing padding',
      `${randomBytes(LONG_STRING + 4)
        .toString('base64')
        .replace(/=+$/, '')}`,
    ],
    ['too much padding', `${image.toString('base64')}====`],
    ['an escaped backslash', `${image.toString('base64').slice(0, -4)}\\\\AAAA`],
    ['a character outside base64', `${image.toString('base64').slice(0, -8)}!!!!AAAA`],
    // Node's own base64 decoder, which reads the text, accepts these: the reader must not.
    ["base64url's characters", `-_${image.toString('base64').slice(2)}`],
    ['a space in the middle', `${image.toString('base64').slice(0, 5000)} ${image.toString('base64').slice(5001)}`],
    ['a character outside base64 in the last quartet', `${image.toString('base64').slice(0, -4)}A!==`],
    ['data after the padding', `${image.toString('base64').slice(0, -4)}AA==AAAA`],
    ['a length that is not a multiple of 4', `${image.toString('base64')}A`],
    ['an escape base64 never needs', `${image.toString('base64')}\\u0041AAA`],
  ])('marks a long string with %s as invalid', (_, value) => {
    const { blobs } = read(`{"data":[{"b64_json":"${value}"}]}`, [4096]);
    expect(blobs).toEqual([{ bytes: undefined }]);
  });

  it('throws on broken JSON, as JSON.parse would', () => {
    expect(() => read('{"data":[{"b64_json":"AAAA"')).toThrow(SyntaxError);
    expect(() => read(`{"data":[{"b64_json":"${image.toString('base64')}"}`)).toThrow(SyntaxError);
  });
});
