/**
 * The signed, short-lived download links of response_format=url. Each file has a random id and
 * a random signature; a link answers 403 once its time to live has passed or when the signature
 * is wrong, like a signed object-storage URL.
 */
import { randomBytes } from 'node:crypto';

export type FileContent =
  | { kind: 'bytes'; bytes: Buffer; contentType: string }
  | { kind: 'garbage'; bytes: number; chunked: boolean }
  | { kind: 'status'; status: number };

interface StoredFile {
  signature: string;
  expiresAt: number;
  content: FileContent;
}

export type Lookup = { found: true; content: FileContent } | { found: false; status: 403 | 404; message: string };

export class FileStore {
  #files = new Map<string, StoredFile>();
  readonly #ttlMs: number;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  /** Stores the content and returns the signed path, `/files/<id>.png?sig=<token>`. */
  add(content: FileContent, now = Date.now()): string {
    this.#dropExpired(now);
    const id = randomBytes(12).toString('hex');
    const signature = randomBytes(16).toString('base64url');
    this.#files.set(id, { signature, expiresAt: now + this.#ttlMs, content });
    return `/files/${id}.png?sig=${signature}`;
  }

  /** Looks up a requested file name (`<id>.png`) and its `sig` query parameter. */
  get(name: string, signature: string | null, now = Date.now()): Lookup {
    const id = name.endsWith('.png') ? name.slice(0, -'.png'.length) : undefined;
    const file = id === undefined ? undefined : this.#files.get(id);
    if (!file) return { found: false, status: 404, message: `No file ${name}` };
    if (signature !== file.signature) return { found: false, status: 403, message: 'Signature does not match' };
    if (now >= file.expiresAt) return { found: false, status: 403, message: 'Signed URL has expired' };
    return { found: true, content: file.content };
  }

  clear(): void {
    this.#files.clear();
  }

  get size(): number {
    return this.#files.size;
  }

  #dropExpired(now: number): void {
    // An expired link keeps answering 403 (not 404) for one more time to live, then is forgotten.
    for (const [id, file] of this.#files) if (now >= file.expiresAt + this.#ttlMs) this.#files.delete(id);
  }
}
