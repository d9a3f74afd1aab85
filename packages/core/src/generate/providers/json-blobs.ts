/**
 * Reads a JSON answer as it streams in, without ever holding its long strings as text. An image
 * answer is mostly one or a few base64 strings: read whole, it would sit in memory several times
 * at once (the bytes, their text, the parsed string, the decoded image), so a 200 MB answer took
 * over a gigabyte. Here every string longer than `LONG_STRING` is decoded from base64 chunk by chunk
 * into one buffer sized from Content-Length, and replaced in the document by a placeholder; the
 * rest of the document, small, is parsed with JSON.parse.
 */

/** Strings up to this many bytes stay in the document as they are. */
export const LONG_STRING = 64 * 1024;

/** A long string, decoded from base64; `bytes` is undefined when it was not valid base64. */
export interface Blob {
  bytes: Uint8Array | undefined;
}

/** What stands in the parsed document for the long string `blobs[index]`. */
export function blobPlaceholder(index: number): string {
  return `\u0000genimage-blob:${index}`;
}

/** The index of the blob a parsed string stands for, if it is a placeholder. */
export function blobIndex(value: string): number | undefined {
  const match = /^\u0000genimage-blob:(\d+)$/.exec(value);
  return match ? Number(match[1]) : undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Base64 characters; `=` only as padding at the end. */
const BASE64_CHAR = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_CHAR[c.charCodeAt(0)] = 1;

class Base64Sink {
  #out: Buffer;
  #length = 0;
  /** Base64 text not yet decoded: fewer than 4 characters, or a backslash cut from its escape. */
  #pending = '';
  #padding = 0;
  valid = true;

  constructor(expectedBytes: number) {
    this.#out = Buffer.allocUnsafeSlow(Math.max(1024, expectedBytes));
  }

  /** Raw string content, escapes still in it: `\/`, and `\n` / `\r` between lines, are allowed. */
  write(raw: Buffer): void {
    if (!this.valid) return;
    let escapes = false;
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (c === 0x3d /* = */) this.#padding++;
      else if (c === BACKSLASH) escapes = true;
      else if (!BASE64_CHAR[c] || this.#padding > 0) return this.#invalid();
    }
    let text = this.#pending + raw.toString('latin1');
    if (escapes || text.includes('\\')) {
      const cut = text.endsWith('\\') && !text.endsWith('\\\\') ? '\\' : '';
      if (cut) text = text.slice(0, -1);
      text = text.replace(/\\[nr]/g, '').replace(/\\\//g, '/');
      if (text.includes('\\')) return this.#invalid();
      text += cut;
    }
    const whole = text.endsWith('\\') ? text.length - 1 - ((text.length - 1) % 4) : text.length - (text.length % 4);
    if (whole > 0) this.#append(Buffer.from(text.slice(0, whole), 'base64'));
    this.#pending = text.slice(whole);
  }

  end(): Uint8Array | undefined {
    if (!this.valid || this.#pending !== '' || this.#padding > 2 || this.#length === 0) return undefined;
    // Sized from the whole remaining body: with several images in one answer, each buffer is too
    // large; a copy of the right size lets the rest go (only the touched pages were ever resident).
    if (this.#out.length > this.#length * 1.25) return new Uint8Array(Buffer.from(this.#out.subarray(0, this.#length)));
    return new Uint8Array(this.#out.buffer, this.#out.byteOffset, this.#length);
  }

  #invalid(): void {
    this.valid = false;
    this.#pending = '';
  }

  #append(bytes: Buffer): void {
    if (this.#length + bytes.length > this.#out.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.#out.length * 2, this.#length + bytes.length));
      this.#out.copy(grown, 0, 0, this.#length);
      this.#out = grown;
    }
    bytes.copy(this.#out, this.#length);
    this.#length += bytes.length;
  }
}

/**
 * Feed it the body's chunks, then `end()`. `expectedBytes` (the Content-Length, when sent) sizes
 * the decoded buffers, so none is copied as it grows.
 */
export class JsonBlobReader {
  readonly #skeleton: Buffer[] = [];
  readonly #blobs: Blob[] = [];
  #inString = false;
  #escaped = false;
  /** The current string's bytes while it is short. */
  #short: Buffer[] = [];
  #shortLength = 0;
  #sink: Base64Sink | undefined;
  #remaining: number;

  constructor(expectedBytes = 0) {
    this.#remaining = expectedBytes;
  }

  write(chunk: Buffer): void {
    this.#remaining -= chunk.length;
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (!this.#inString) {
        if (c === QUOTE) {
          this.#skeleton.push(Buffer.from(chunk.subarray(from, i)));
          this.#inString = true;
          from = i + 1;
        }
        continue;
      }
      if (this.#escaped) {
        this.#escaped = false;
      } else if (c === BACKSLASH) {
        this.#escaped = true;
      } else if (c === QUOTE) {
        this.#stringPart(chunk.subarray(from, i));
        this.#closeString();
        this.#inString = false;
        from = i + 1;
      }
    }
    if (this.#inString) this.#stringPart(chunk.subarray(from));
    // Copies: a chunk is released once read, and the document keeps only its small parts.
    else this.#skeleton.push(Buffer.from(chunk.subarray(from)));
  }

  /** The parsed document (long strings as placeholders) and the decoded long strings. Throws on broken JSON. */
  end(): { json: unknown; blobs: Blob[] } {
    if (this.#inString) throw new SyntaxError('Unterminated string in JSON');
    return { json: JSON.parse(Buffer.concat(this.#skeleton).toString('utf8')), blobs: this.#blobs };
  }

  #stringPart(part: Buffer): void {
    if (part.length === 0) return;
    if (this.#sink) {
      this.#sink.write(part);
      return;
    }
    this.#short.push(Buffer.from(part));
    this.#shortLength += part.length;
    if (this.#shortLength > LONG_STRING) {
      this.#sink = new Base64Sink(Math.ceil((Math.max(this.#remaining, 0) + this.#shortLength) * 0.75));
      for (const piece of this.#short) this.#sink.write(piece);
      this.#short = [];
    }
  }

  #closeString(): void {
    if (this.#sink) {
      this.#blobs.push({ bytes: this.#sink.end() });
      this.#skeleton.push(Buffer.from(JSON.stringify(blobPlaceholder(this.#blobs.length - 1))));
      this.#sink = undefined;
    } else {
      this.#skeleton.push(Buffer.from('"'), ...this.#short, Buffer.from('"'));
      this.#short = [];
    }
    this.#shortLength = 0;
  }
}
