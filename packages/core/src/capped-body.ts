/**
 * Bytes from outside (an API answer, a bucket object) read within a cap, checked before anything
 * is held: a body that would pass it is refused as soon as it does, and the rest of it is never
 * downloaded. Given `silenceMs`, a body that sends nothing for that long is dropped too: a server
 * may send its headers, then go silent for ever.
 */

/**
 * The largest image genimage accepts, from the API (a `url` download) or from a cache: a 4K PNG is
 * about 30 MB. An entry whose metadata claims more is corrupt, and nothing of it is downloaded.
 */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

/** A body larger than its cap. Reading stopped there and the stream was destroyed. */
export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
  /** What was read, for the message, e.g. `The response body`. */
  readonly what: string;
  /** The cap it passed. */
  readonly maxBytes: number;
  /** Set when it was refused on its declared length (a Content-Length), before any of it was read. */
  readonly declaredBytes: number | undefined;

  constructor(what: string, maxBytes: number, declaredBytes?: number) {
    super(
      declaredBytes === undefined
        ? `${what} exceeded ${maxBytes} bytes`
        : `${what} is ${declaredBytes} bytes, over the ${maxBytes}-byte cap`,
    );
    this.what = what;
    this.maxBytes = maxBytes;
    this.declaredBytes = declaredBytes;
  }
}

/** A body that sent nothing for `silenceMs` mid-way. Reading stopped there and the stream was destroyed. */
export class BodySilent extends Error {
  override name = 'BodySilent';
  readonly silenceMs: number;
  /** What had arrived before the silence. */
  readonly receivedBytes: number;

  constructor(what: string, silenceMs: number, receivedBytes: number) {
    super(`${what} sent nothing for ${silenceMs} ms after ${receivedBytes} bytes`);
    this.silenceMs = silenceMs;
    this.receivedBytes = receivedBytes;
  }
}

/** A stream as undici and the AWS SDK give them: iterable, and destroyable when not read to the end. */
type Body = AsyncIterable<Uint8Array> & { destroy?: () => void; on?: (event: 'error', listener: () => void) => unknown };

/** Drops a body we will not read; a late abort of its request must not surface as an unhandled error. */
export function discardBody(body: Body): void {
  body.on?.('error', () => {});
  body.destroy?.();
}

/**
 * Hands each chunk of `body` to `onChunk`; throws BodyTooLarge as soon as the total would pass
 * `maxBytes`, and BodySilent when `silenceMs` passes without a chunk.
 */
export async function forEachChunkCapped(
  body: Body,
  maxBytes: number,
  what: string,
  onChunk: (chunk: Uint8Array) => void,
  silenceMs?: number,
): Promise<void> {
  let size = 0;
  const chunks = silenceMs === undefined ? body : untilSilent(body, silenceMs, () => new BodySilent(what, silenceMs, size));
  for await (const chunk of chunks) {
    if (size + chunk.byteLength > maxBytes) {
      discardBody(body);
      throw new BodyTooLarge(what, maxBytes);
    }
    onChunk(chunk);
    size += chunk.byteLength;
  }
}

/** The chunks of `body`, each awaited at most `silenceMs`: then the body is dropped and `silent()` thrown. */
async function* untilSilent(body: Body, silenceMs: number, silent: () => Error): AsyncGenerator<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Destroying the body aborts its request; the pending read then fails, handled by the race.
        discardBody(body);
        reject(silent());
      }, silenceMs);
    });
    try {
      const next = await Promise.race([iterator.next(), silence]);
      if (next.done) return;
      yield next.value;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The whole body, within `maxBytes`; none (no body) is empty. A declared length over the cap is
 * refused before anything is read. With a declared length within the cap, chunks are copied into
 * one buffer of that size as they arrive: a 4K image is then held once, not as its chunks and
 * their concatenation; a body longer than declared is still read whole, within the cap.
 * `silenceMs`: see forEachChunkCapped.
 */
export async function readCapped(
  body: Body | undefined,
  maxBytes: number,
  what: string,
  declaredBytes?: number,
  silenceMs?: number,
): Promise<Buffer> {
  if (declaredBytes !== undefined && declaredBytes > maxBytes) {
    if (body) discardBody(body);
    throw new BodyTooLarge(what, maxBytes, declaredBytes);
  }
  if (!body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let into = declaredBytes ? Buffer.allocUnsafeSlow(declaredBytes) : undefined;
  let size = 0;
  await forEachChunkCapped(
    body,
    maxBytes,
    what,
    (chunk) => {
      if (into && size + chunk.byteLength <= into.length) into.set(chunk, size);
      else {
        // More than declared: go on in chunks, keeping what was copied so far.
        if (into) chunks.push(into.subarray(0, size));
        into = undefined;
        chunks.push(chunk);
      }
      size += chunk.byteLength;
    },
    silenceMs,
  );
  return into ? into.subarray(0, size) : Buffer.concat(chunks);
}
