/**
 * Bytes from outside (an API answer, a bucket object) read within a cap, checked before anything
 * is held: a body that would pass it is refused as soon as it does, and the rest of it is never
 * downloaded.
 */

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

/** A stream as undici and the AWS SDK give them: iterable, and destroyable when not read to the end. */
type Body = AsyncIterable<Uint8Array> & { destroy?: () => void; on?: (event: 'error', listener: () => void) => unknown };

/** Drops a body we will not read; a late abort of its request must not surface as an unhandled error. */
export function discardBody(body: Body): void {
  body.on?.('error', () => {});
  body.destroy?.();
}

/** Hands each chunk of `body` to `onChunk`; throws BodyTooLarge as soon as the total would pass `maxBytes`. */
export async function forEachChunkCapped(body: Body, maxBytes: number, what: string, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.byteLength > maxBytes) {
      discardBody(body);
      throw new BodyTooLarge(what, maxBytes);
    }
    onChunk(chunk);
    size += chunk.byteLength;
  }
}

/**
 * The whole body, within `maxBytes`; none (no body) is empty. A declared length over the cap is
 * refused before anything is read. With a declared length within the cap, chunks are copied into
 * one buffer of that size as they arrive: a 4K image is then held once, not as its chunks and
 * their concatenation; a body longer than declared is still read whole, within the cap.
 */
export async function readCapped(body: Body | undefined, maxBytes: number, what: string, declaredBytes?: number): Promise<Buffer> {
  if (declaredBytes !== undefined && declaredBytes > maxBytes) {
    if (body) discardBody(body);
    throw new BodyTooLarge(what, maxBytes, declaredBytes);
  }
  if (!body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let into = declaredBytes ? Buffer.allocUnsafeSlow(declaredBytes) : undefined;
  let size = 0;
  await forEachChunkCapped(body, maxBytes, what, (chunk) => {
    if (into && size + chunk.byteLength <= into.length) into.set(chunk, size);
    else {
      // More than declared: go on in chunks, keeping what was copied so far.
      if (into) chunks.push(into.subarray(0, size));
      into = undefined;
      chunks.push(chunk);
    }
    size += chunk.byteLength;
  });
  return into ? into.subarray(0, size) : Buffer.concat(chunks);
}
