import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sha256Hex } from '../hash.ts';
import { writeFileAtomic } from './atomic.ts';

/** Layout version of the index file: a file of another version is read as empty. */
const INDEX_VERSION = 2;
/** Hex characters of a fingerprint's sha256 kept: 128 bits tell states apart, in half the bytes. */
const DIGEST_LENGTH = 32;

/** What an entry passed in the state the index recorded, beyond the sizes and hashes of its images. */
interface Verified {
  state: string;
  /** Further checks it passed in that state, e.g. `decodes` (`genimage check`). */
  checks: ReadonlySet<string>;
}

/**
 * Which cache entries were verified, and in what state (`CacheStore.fingerprint`): a later run
 * that finds an entry unchanged trusts it without reading and hashing its images again, as git's
 * index trusts a file whose stat is unchanged. A warm build then checks 200 originals with a few
 * hundred `lstat`s instead of reading hundreds of megabytes. A check beyond the hashes (that each
 * image decodes, which `genimage check` verifies) is remembered too, by name, until the entry
 * changes. Kept out of the committed cache (in `node_modules/.cache/genimage/`): it describes this
 * checkout's files, not the images.
 *
 * The file holds, per key, a digest of the fingerprint and the names of the checks passed:
 * `{"version":2,"entries":{"<key>":"<digest> decodes"}}`, about 100 bytes per entry.
 *
 * Best effort both ways: an unreadable index is an empty one, a failed save costs only speed.
 */
export class VerifiedIndex {
  readonly file: string;
  #entries: Promise<Map<string, Verified>> | undefined;
  #dirty = false;

  constructor(file: string) {
    this.file = file;
  }

  /**
   * Whether `key` was verified in exactly this state: its images' sizes and hashes, and `check`
   * too when one is named.
   */
  async has(key: string, fingerprint: string, check?: string): Promise<boolean> {
    const verified = (await this.#load()).get(key);
    return verified?.state === digest(fingerprint) && (check === undefined || verified.checks.has(check));
  }

  /**
   * Records that `key`, in this state, passed verification, and `check` when one is named. Checks
   * recorded for the same state are kept; a new state forgets them.
   */
  async set(key: string, fingerprint: string, check?: string): Promise<void> {
    const entries = await this.#load();
    const state = digest(fingerprint);
    const known = entries.get(key);
    const checks = known?.state === state ? known.checks : new Set<string>();
    if (known?.state === state && (check === undefined || checks.has(check))) return;
    entries.set(key, { state, checks: check === undefined ? checks : new Set([...checks, check]) });
    this.#dirty = true;
  }

  async delete(key: string): Promise<void> {
    if ((await this.#load()).delete(key)) this.#dirty = true;
  }

  /** Writes the index if it changed since it was read or last saved. */
  async save(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const sorted = [...(await this.#load())].sort(([a], [b]) => (a < b ? -1 : 1));
    const entries = Object.fromEntries(sorted.map(([key, { state, checks }]) => [key, [state, ...[...checks].sort()].join(' ')]));
    try {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, `${JSON.stringify({ version: INDEX_VERSION, entries })}\n`);
    } catch {
      // A read-only node_modules, a full disk: the next run verifies again.
    }
  }

  #load(): Promise<Map<string, Verified>> {
    this.#entries ??= readFile(this.file, 'utf8')
      .then(
        (text) => {
          const parsed = JSON.parse(text) as { version?: unknown; entries?: unknown };
          const entries = new Map<string, Verified>();
          if (parsed.version !== INDEX_VERSION || typeof parsed.entries !== 'object' || parsed.entries === null) return entries;
          for (const [key, value] of Object.entries(parsed.entries)) {
            if (typeof value !== 'string') continue;
            const [state = '', ...checks] = value.split(' ');
            entries.set(key, { state, checks: new Set(checks) });
          }
          return entries;
        },
        () => new Map<string, Verified>(),
      )
      .catch(() => new Map<string, Verified>());
    return this.#entries;
  }
}

function digest(fingerprint: string): string {
  return sha256Hex(fingerprint).slice(0, DIGEST_LENGTH);
}
