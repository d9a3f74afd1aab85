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

/** Each base64 character's 6-bit value; -1 for any other byte. */
const SEXTET = new Int8Array(256).fill(-1);
for (const [value, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) SEXTET[c.charCodeAt(0)] = value;
const EQUALS = 0x3d;
const SLASH = 0x2f;
const LETTER_N = 0x6e;
const LETTER_R = 0x72;

/**
 * Decodes base64 from the raw bytes of a JSON string, byte by byte, straight into one buffer: no
 * text is made of it, so a large answer leaves no garbage strings behind (with four 4K answers
 * streaming at once, those strings grew the heap by tens of megabytes). JSON escapes a base64
 * string may carry are allowed: `\/`, and `\n` / `\r` between lines.
 */
class Base64Sink {
  #out: Buffer;
  #length = 0;
  /** Sextets of the quartet under way, and how many. */
  #bits = 0;
  #count = 0;
  #padding = 0;
  /** The previous byte was a backslash (possibly in the previous chunk). */
  #escape = false;
  valid = true;

  constructor(expectedBytes: number) {
    this.#out = Buffer.allocUnsafeSlow(Math.max(1024, expectedBytes));
  }

  /** Raw string content, escapes still in it. */
  write(raw: Buffer): void {
    if (!this.valid) return;
    this.#reserve(Math.ceil(raw.length * 0.75) + 3);
    const out = this.#out;
    let length = this.#length;
    let bits = this.#bits;
    let count = this.#count;
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (this.#escape) {
        this.#escape = false;
        if (c === LETTER_N || c === LETTER_R) continue;
        if (c !== SLASH) return this.#invalid();
      } else if (c === BACKSLASH) {
        this.#escape = true;
        continue;
      }
      if (c === EQUALS) {
        this.#padding++;
        continue;
      }
      const value = SEXTET[c]!;
      if (value < 0 || this.#padding > 0) return this.#invalid();
      bits = (bits << 6) | value;
      if (++count === 4) {
        out[length++] = (bits >> 16) & 0xff;
        out[length++] = (bits >> 8) & 0xff;
        out[length++] = bits & 0xff;
        bits = 0;
        count = 0;
      }
    }
    this.#length = length;
    this.#bits = bits;
    this.#count = count;
  }

  end(): Uint8Array | undefined {
    if (!this.valid || this.#escape || this.#padding > 2) return undefined;
    // The characters, padding included, come in whole quartets: 2 or 3 sextets end with 2 or 1 `=`.
    if (this.#count + this.#padding !== (this.#count === 0 && this.#padding === 0 ? 0 : 4) || this.#count === 1) return undefined;
    if (this.#count === 2) this.#out[this.#length++] = (this.#bits >> 4) & 0xff;
    if (this.#count === 3) {
      this.#out[this.#length++] = (this.#bits >> 10) & 0xff;
      this.#out[this.#length++] = (this.#bits >> 2) & 0xff;
    }
    if (this.#length === 0) return undefined;
    // Sized from the whole remaining body: with several images in one answer, each buffer is too
    // large; a copy of the right size lets the rest go (only the touched pages were ever resident).
    if (this.#out.length > this.#length * 1.25) return new Uint8Array(Buffer.from(this.#out.subarray(0, this.#length)));
    return new Uint8Array(this.#out.buffer, this.#out.byteOffset, this.#length);
  }

  #invalid(): void {
    this.valid = false;
  }

  /** Room for `more` bytes, growing (and copying) only when the declared length was short. */
  #reserve(more: number): void {
    if (this.#length + more <= this.#out.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.#out.length * 2, this.#length + more));
    this.#out.copy(grown, 0, 0, this.#length);
    this.#out = grown;
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
