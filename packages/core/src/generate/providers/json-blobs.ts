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
const SLASH_TEXT = Buffer.from('/');
const SLASH = 0x2f;
const LETTER_N = 0x6e;
const LETTER_R = 0x72;

/**
 * Decodes base64 from the raw bytes of a JSON string, straight into one buffer: no text is made of
 * it, so a large answer leaves no garbage strings behind (with four 4K answers streaming at once,
 * strings, even a chunk's at a time, grew the heap by tens of megabytes: 375 MB against 303 MB in
 * BENCHMARKS.md, section 6). Runs between escapes (found by Buffer#indexOf) are decoded four
 * characters at a time: a loop testing every byte for escapes and padding took 8 ms per megabyte,
 * the build's largest cost while it generates (section 8). JSON escapes a base64 string may carry
 * are allowed: `\/`, and `\n` / `\r` between lines.
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
    let from = 0;
    if (this.#escape && raw.length > 0) {
      this.#escape = false;
      this.#escaped(raw[0]!);
      from = 1;
    }
    while (this.valid && from < raw.length) {
      const backslash = raw.indexOf(BACKSLASH, from);
      if (backslash === -1) return this.#characters(raw.subarray(from));
      this.#characters(raw.subarray(from, backslash));
      if (backslash + 1 === raw.length) {
        this.#escape = true;
        return;
      }
      this.#escaped(raw[backslash + 1]!);
      from = backslash + 2;
    }
  }

  /** The byte after a backslash: a line break is skipped, `\/` is a slash, anything else is not base64. */
  #escaped(c: number): void {
    if (c === LETTER_N || c === LETTER_R) return;
    if (c === SLASH) return this.#characters(SLASH_TEXT);
    this.#invalid();
  }

  /** Characters with no escape among them: base64, then padding. */
  #characters(part: Buffer): void {
    if (!this.valid || part.length === 0) return;
    const equals = part.indexOf(EQUALS);
    const data = equals === -1 ? part : part.subarray(0, equals);
    if (this.#padding > 0 && data.length > 0) return this.#invalid();
    if (equals !== -1) {
      for (let i = equals; i < part.length; i++) if (part[i] !== EQUALS) return this.#invalid();
      this.#padding += part.length - equals;
    }
    this.#reserve(Math.ceil(data.length * 0.75) + 3);
    const out = this.#out;
    let length = this.#length;
    let i = 0;
    // The quartet under way, then whole quartets, four lookups at a time.
    while (this.#count > 0 && i < data.length) {
      if (!this.#sextet(data[i++]!)) return this.#invalid();
      length = this.#length;
    }
    const whole = i + ((data.length - i) & ~3);
    for (; i < whole; i += 4) {
      const a = SEXTET[data[i]!]!;
      const b = SEXTET[data[i + 1]!]!;
      const c = SEXTET[data[i + 2]!]!;
      const d = SEXTET[data[i + 3]!]!;
      if ((a | b | c | d) < 0) return this.#invalid();
      out[length] = (a << 2) | (b >> 4);
      out[length + 1] = ((b & 15) << 4) | (c >> 2);
      out[length + 2] = ((c & 3) << 6) | d;
      length += 3;
    }
    this.#length = length;
    while (i < data.length) if (!this.#sextet(data[i++]!)) return this.#invalid();
  }

  /** One character of a quartet; false when it is not base64. */
  #sextet(c: number): boolean {
    const value = SEXTET[c]!;
    if (value < 0) return false;
    this.#bits = (this.#bits << 6) | value;
    if (++this.#count === 4) {
      this.#out[this.#length++] = (this.#bits >> 16) & 0xff;
      this.#out[this.#length++] = (this.#bits >> 8) & 0xff;
      this.#out[this.#length++] = this.#bits & 0xff;
      this.#bits = 0;
      this.#count = 0;
    }
    return true;
  }

  end(): Uint8Array | undefined {
    const count = this.#count;
    if (!this.valid || this.#escape || this.#padding > 2) return undefined;
    // The characters, padding included, come in whole quartets: 2 or 3 sextets end with 2 or 1 `=`.
    if (count + this.#padding !== (count === 0 && this.#padding === 0 ? 0 : 4) || count === 1) return undefined;
    this.#reserve(2);
    if (count === 2) this.#out[this.#length++] = (this.#bits >> 4) & 0xff;
    if (count === 3) {
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
    // Where the string's parts start, and the next quote and backslash from `i` (the chunk's length
    // if none): found by Buffer#indexOf, native, and each found once, so a chunk is read in linear time.
    let from = 0;
    let quote = -1;
    let backslash = -1;
    const next = (byte: number, at: number) => {
      const found = chunk.indexOf(byte, at);
      return found === -1 ? chunk.length : found;
    };
    for (let i = 0; i < chunk.length; ) {
      if (this.#escaped) {
        this.#escaped = false;
        i++;
        continue;
      }
      if (quote < i) quote = next(QUOTE, i);
      if (!this.#inString) {
        if (quote === chunk.length) break;
        this.#skeleton.push(Buffer.from(chunk.subarray(from, quote)));
        this.#inString = true;
        from = i = quote + 1;
        continue;
      }
      if (backslash < i) backslash = next(BACKSLASH, i);
      if (backslash < quote) {
        this.#escaped = true;
        i = backslash + 1;
        continue;
      }
      if (quote === chunk.length) break;
      this.#stringPart(chunk.subarray(from, quote));
      this.#closeString();
      this.#inString = false;
      from = i = quote + 1;
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
