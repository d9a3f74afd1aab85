import { hash } from 'node:crypto';

/**
 * Lowercase hex sha256 of bytes, or of a string's UTF-8 encoding. One-shot `crypto.hash`: for the
 * short texts hashed thousands of times a build (keys, variant names, index states) it costs a
 * few times less than a `createHash` object each time.
 */
export function sha256Hex(data: Uint8Array | string): string {
  return hash('sha256', data, 'hex');
}
