import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from './atomic.ts';

/**
 * Which cache entries were verified, and in what state (`CacheStore.fingerprint`): a later run
 * that finds an entry unchanged trusts it without reading and hashing its images again, as git's
 * index trusts a file whose stat is unchanged. A warm build then checks 200 originals with a few
 * hundred `lstat`s instead of reading hundreds of megabytes. Kept out of the committed cache (in
 * `node_modules/.cache/genimage/`): it describes this checkout's files, not the images.
 *
 * Best effort both ways: an unreadable index is an empty one, a failed save costs only speed.
 */
export class VerifiedIndex {
  readonly file: string;
  #entries: Promise<Map<string, string>> | undefined;
  #dirty = false;

  constructor(file: string) {
    this.file = file;
  }

  /** Whether `key` was verified in exactly this state. */
  async has(key: string, fingerprint: string): Promise<boolean> {
    return (await this.#load()).get(key) === fingerprint;
  }

  async set(key: string, fingerprint: string): Promise<void> {
    const entries = await this.#load();
    if (entries.get(key) === fingerprint) return;
    entries.set(key, fingerprint);
    this.#dirty = true;
  }

  async delete(key: string): Promise<void> {
    if ((await this.#load()).delete(key)) this.#dirty = true;
  }

  /** Writes the index if it changed since it was read or last saved. */
  async save(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const entries = Object.fromEntries([...(await this.#load())].sort(([a], [b]) => (a < b ? -1 : 1)));
    try {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, entries })}\n`);
    } catch {
      // A read-only node_modules, a full disk: the next run verifies again.
    }
  }

  #load(): Promise<Map<string, string>> {
    this.#entries ??= readFile(this.file, 'utf8')
      .then(
        (text) => {
          const parsed = JSON.parse(text) as { version?: unknown; entries?: unknown };
          if (parsed.version !== 1 || typeof parsed.entries !== 'object' || parsed.entries === null) return new Map();
          return new Map(Object.entries(parsed.entries).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
        },
        () => new Map(),
      )
      .catch(() => new Map());
    return this.#entries;
  }
}
