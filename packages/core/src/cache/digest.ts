/**
 * What an image file is, for checking it against its metadata: its size and sha256, from bytes in
 * memory or read from a file without holding it whole. Light on purpose: the encoder process
 * checks the originals it reads with it.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { sha256Hex } from '../hash.ts';

export interface ImageDigest {
  bytes: number;
  sha256: string;
}

/** The digest of bytes in memory: a store's `imageDigest` where it can only read them whole. */
export function digestOf(bytes: Uint8Array): ImageDigest {
  return { bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
}

const BUFFER_BYTES = 256 * 1024;

/**
 * The digest of an open file, read into one buffer again and again: a stream's chunks are new
 * buffers each, which a build verifying hundreds of MB of originals leaves to the garbage
 * collector (and the allocator) by the tens of MB.
 */
export async function digestOfFile(handle: FileHandle): Promise<ImageDigest> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  let bytes = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, bytes);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    bytes += bytesRead;
  }
  return { bytes, sha256: hash.digest('hex') };
}
