import { setTimeout as sleep } from 'node:timers/promises';
import {
  CacheCorrupt,
  CacheLockTimeout,
  GenImageError,
  RemoteAccessDenied,
  RemoteNoCredentials,
  RemoteNoETag,
  RemoteObjectChanged,
  RemoteSdkMissing,
  formatError,
  isGenImageError,
} from '../../errors.ts';
import { silentLogger, type Logger } from '../../logger.ts';
import { formatDuration } from '../../terminal-text.ts';
import type { CachedEntry } from '../cache.ts';
import { digestOf, type ImageDigest } from '../digest.ts';
import type { CacheEntryMeta, CacheStore, EntryLocation, ReleaseLock, StoredEntry } from '../store.ts';
import type { RemoteStore } from './remote.ts';

export interface TieredStoreOptions {
  /** How long a machine waits for another one's generation of the same key before giving up. @default 900000 (15 minutes) */
  leaseWaitMs?: number;
  /** After the remote failed to answer, how long to go on without it before asking again (a dev server runs for hours). @default 60000 */
  retryRemoteAfterMs?: number;
  logger?: Logger;
  /** The local cache as messages name it, e.g. `.genimage/`. @default the local store's location */
  localName?: string;
  /** What a key is to a reader, e.g. `"a red fox" (src/pages/index.astro:3:1)`; undefined: the key itself. */
  describeKey?: (key: string) => string | undefined;
}

/** A key no entry has: what the probe of a silent remote asks for (a HEAD answered 404 is an answer). */
const PROBE_KEY = '0'.repeat(64);

/**
 * The local cache with a shared remote behind it: a local miss asks the remote, whose verified
 * entry is copied into the local cache; so does a local entry that failed verification (`repair`),
 * which is then replaced rather than paid for again; an entry written here is uploaded; a lock is the local
 * lock, then a lease on the remote, so that one machine generates each key while the others wait
 * for its upload.
 *
 * The remote is never a single point of failure: when it cannot be reached (or refuses the
 * credentials), that is said once and the store goes on as the local cache alone. Everything
 * else (keys, inspect, delete, prune) is the local cache's: nothing here deletes remote objects.
 */
export class TieredStore implements CacheStore {
  readonly local: CacheStore;
  readonly remote: RemoteStore;
  readonly location: string;
  /** Entries copied from the remote into the local cache. */
  fetched = 0;
  /** Entries uploaded to the remote. */
  uploaded = 0;
  /** Local entries that failed verification, replaced by the remote's verified copy. */
  repaired = 0;
  /** Entries written here that the remote did not get (unreachable, refused): only this machine has them until `genimage push`. */
  readonly keptLocal = new Set<string>();
  readonly #logger: Logger;
  readonly #localName: string;
  readonly #leaseWaitMs: number;
  readonly #retryAfterMs: number;
  readonly #describeKey: (key: string) => string | undefined;
  readonly #found = new Map<string, EntryLocation>();
  /** Set while the remote is left alone: when to look at it again (in the background), never for refused credentials. */
  #paused: { until: number } | undefined;
  /** The look at a paused remote under way: callers never wait for it. */
  #probe: Promise<void> | undefined;
  /** Why the remote was left alone last (kept after it answers again, for what a command says at its end). */
  #problem: GenImageError | undefined;
  #reported = false;
  /** Remote entries reported corrupt, each said once. */
  readonly #corrupt = new Set<string>();

  constructor(local: CacheStore, remote: RemoteStore, options: TieredStoreOptions = {}) {
    this.local = local;
    this.remote = remote;
    this.location = local.location;
    this.#logger = options.logger ?? silentLogger;
    this.#localName = options.localName ?? local.location;
    this.#leaseWaitMs = options.leaseWaitMs ?? 15 * 60_000;
    this.#retryAfterMs = options.retryRemoteAfterMs ?? 60_000;
    this.#describeKey = options.describeKey ?? (() => undefined);
  }

  /** Whether the remote is being used: false after it failed (until it answers again), refused the credentials or had none. */
  get remoteAvailable(): boolean {
    return !this.#paused;
  }

  /** The error that made this store leave the remote alone (RemoteNoCredentials, RemoteAccessDenied, RemoteUnavailable, …), if any did. */
  get problem(): GenImageError | undefined {
    return this.#problem;
  }

  foundIn(key: string): EntryLocation | undefined {
    return this.#found.get(key);
  }

  /**
   * The local entry; on a local miss, the remote's, verified and copied into the local cache.
   * @throws GenImageError(CacheCorrupt) for a local entry that is not valid (`ImageCache` then
   * asks `repair`), or a remote one that failed verification (reported, never served: the
   * scheduler generates it again, frozen it is an error).
   */
  async readMeta(key: string): Promise<CacheEntryMeta | undefined> {
    const local = await this.local.readMeta(key);
    if (local) {
      // Where it was found first: an entry copied from the remote stays `remote` for this process.
      if (!this.#found.has(key)) this.#found.set(key, 'local');
      return local;
    }
    this.#found.delete(key);
    const entry = await this.#remoteEntry(key);
    if (!entry) return undefined;
    await this.local.write(entry.meta, entry.images);
    this.fetched++;
    this.#found.set(key, 'remote');
    return entry.meta;
  }

  /**
   * Replaces a local entry that failed verification with the remote's verified copy (no request
   * to the image API is paid again), and says so once, naming the entry. False when the remote
   * has no entry, cannot be reached, or its entry failed verification too (reported as such):
   * then the local entry stays corrupt, and is generated again (frozen: an error).
   */
  async repair(key: string, problem: Error): Promise<boolean> {
    // Already found corrupt in the remote by this process: asking again would only download it again.
    if (this.#corrupt.has(key)) return false;
    let entry: CachedEntry | undefined;
    try {
      entry = await this.#remoteEntry(key);
    } catch (error) {
      if (isGenImageError(error, CacheCorrupt)) return false; // reported by #remoteEntry
      throw error;
    }
    if (!entry) return false;
    // No lock, as for any copy from the remote: a concurrent writer of this key writes these same
    // verified bytes (a generation here would have been uploaded before the remote had them).
    await this.local.write(entry.meta, entry.images);
    this.repaired++;
    this.#found.set(key, 'remote');
    const what = problem instanceof GenImageError ? `${problem.title}: ${problem.message}` : problem.message;
    this.#logger.warn(`${what}\nReplaced by the verified copy from ${this.remote.location}${key}/: nothing generated.`);
    return true;
  }

  /** The remote's verified entry (undefined: none, or the remote is not being used); an entry failing verification is reported once and thrown. */
  async #remoteEntry(key: string): Promise<CachedEntry | undefined> {
    try {
      return await this.#ask(() => this.remote.getEntry(key));
    } catch (error) {
      if (isGenImageError(error, CacheCorrupt) && !this.#corrupt.has(key)) {
        this.#corrupt.add(key);
        this.#logger.warn(`${formatError(error)}
Not used: the remote entry ${key} failed verification.`);
      }
      throw error;
    }
  }

  readImage(key: string, file: string): Promise<Uint8Array> {
    return this.local.readImage(key, file);
  }

  /** The local copy's: images are read from it. */
  async imageFile(key: string, file: string): Promise<string | undefined> {
    return this.local.imageFile?.(key, file);
  }

  async imageDigest(key: string, file: string): Promise<ImageDigest> {
    return this.local.imageDigest ? this.local.imageDigest(key, file) : digestOf(await this.local.readImage(key, file));
  }

  /** The local entry's: only what is in the local cache can have been verified before. */
  async fingerprint(key: string): Promise<string | undefined> {
    const fingerprint = await this.local.fingerprint?.(key);
    if (fingerprint !== undefined && !this.#found.has(key)) this.#found.set(key, 'local');
    return fingerprint;
  }

  /** Writes locally, then uploads; an upload that fails leaves the local entry (for `genimage push`). */
  async write(meta: CacheEntryMeta, images: Uint8Array[]): Promise<void> {
    await this.local.write(meta, images);
    this.#found.set(meta.key, 'local');
    const result = await this.#ask(() => this.remote.putEntry(meta, images));
    this.#corrupt.delete(meta.key);
    if (result === undefined) this.keptLocal.add(meta.key);
    else this.keptLocal.delete(meta.key);
    if (result === 'uploaded') this.uploaded++;
    else if (result === 'exists')
      this.#logger.debug(`${this.remote.location}${meta.key} was uploaded by another machine first; its entry stays.`);
  }

  delete(key: string): Promise<void> {
    this.#found.delete(key);
    return this.local.delete(key);
  }

  keys(): Promise<string[]> {
    return this.local.keys();
  }

  inspect(key: string): Promise<StoredEntry | undefined> {
    return this.local.inspect ? this.local.inspect(key) : Promise.resolve(undefined);
  }

  async inspectAll(): Promise<StoredEntry[]> {
    return this.local.inspectAll ? this.local.inspectAll() : [];
  }

  /**
   * The local lock, then a lease on the remote. While another machine holds the lease, waits
   * (polling with backoff) until its entry is uploaded, its lease is released, or its lease stops
   * being renewed for `leaseMs` (its holder died: taken over). Once the entry is there, returns
   * without a lease: the caller then reads the entry instead of generating it.
   */
  async lock(key: string): Promise<ReleaseLock> {
    const releaseLocal = await this.local.lock(key);
    try {
      const lease = await this.#ask(() => this.#lease(key));
      if (!lease) return releaseLocal;
      return async () => {
        try {
          await lease.release();
        } finally {
          await releaseLocal();
        }
      };
    } catch (error) {
      await releaseLocal();
      throw error;
    }
  }

  async #lease(key: string): Promise<{ release(): Promise<void> } | undefined> {
    const { leaseMs } = this.remote;
    const started = Date.now();
    const longestPoll = Math.min(2000, leaseMs / 4);
    let delay = Math.min(100, longestPoll);
    let seen: { version: string; since: number } | undefined;
    let announced = false;
    // An entry there is one to read instead of generating, unless it failed verification here.
    const uploaded = async () => !this.#corrupt.has(key) && (await this.remote.hasEntry(key));
    for (;;) {
      if (await uploaded()) return undefined;
      const expired = seen !== undefined && seen.version !== '' && Date.now() - seen.since >= leaseMs;
      const attempt = await this.remote.tryLease(key, expired ? seen!.version : undefined);
      if (attempt.held) {
        // Its previous holder may have uploaded the entry and released the lease just before we took it.
        let there: boolean;
        try {
          there = await uploaded();
        } catch (error) {
          // Nobody would release it otherwise: the caller goes on without the remote, and the lease
          // would be renewed for as long as this process runs (hours, in a dev server), keeping
          // every other machine waiting for an upload that never comes.
          await attempt.lease.release();
          throw error;
        }
        if (!there) return attempt.lease;
        await attempt.lease.release();
        return undefined;
      }
      if (!seen || seen.version !== attempt.version) seen = { version: attempt.version, since: Date.now() };
      const what = this.#describeKey(key) ?? key;
      const machine = `another machine (${hostAndPid(attempt.owner)})`;
      if (!announced) {
        announced = true;
        this.#logger.info(
          `Waiting for ${machine}, which is generating ${what} for ${this.remote.location} (a machine that died is taken over after ${formatDuration(leaseMs)}).`,
        );
      }
      if (Date.now() - started >= this.#leaseWaitMs) {
        throw new GenImageError(
          CacheLockTimeout,
          `Waited ${formatDuration(this.#leaseWaitMs)} for ${machine} to generate ${what} into ${this.remote.location} (key ${key}).`,
          {
            hint: 'That machine may be stuck on a slow generation; run again later, or remove its lease object under .leases/ in the bucket.',
          },
        );
      }
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(delay * 1.5, longestPoll);
    }
  }

  /**
   * Runs a remote call, or skips it while the remote is paused. A remote that cannot be reached,
   * refuses the credentials (or has none to be sent), lacks its SDK or gives its objects no ETag
   * (so that no lease could be taken over) is reported once and paused; the caller goes on as if
   * the remote had nothing. An unreachable remote is looked at again in the background every
   * `retryRemoteAfterMs` (`#probeLater`), never on a caller's time: a silent bucket costs a dev
   * server's page one `timeoutMs` once per outage, not once a minute. The others are paused for
   * good. An object another machine replaced first is said, and the remote stays in use. Corrupt
   * entries are thrown.
   */
  async #ask<T>(call: () => Promise<T>): Promise<T | undefined> {
    if (this.#paused) {
      this.#probeLater();
      return undefined;
    }
    try {
      return await call();
    } catch (error) {
      if (!isGenImageError(error) || isGenImageError(error, CacheCorrupt) || isGenImageError(error, CacheLockTimeout)) throw error;
      // The remote answered: another machine was first. Nothing to pause for.
      if (isGenImageError(error, RemoteObjectChanged)) {
        this.#logger.warn(formatError(error));
        return undefined;
      }
      this.#pause(error);
      return undefined;
    }
  }

  #pause(error: GenImageError): void {
    const forGood =
      isGenImageError(error, RemoteAccessDenied) ||
      isGenImageError(error, RemoteNoCredentials) ||
      isGenImageError(error, RemoteSdkMissing) ||
      isGenImageError(error, RemoteNoETag);
    this.#paused = { until: forGood ? Number.POSITIVE_INFINITY : Date.now() + this.#retryAfterMs };
    this.#problem = error;
    if (this.#reported) return;
    this.#reported = true;
    const text = `${formatError(error)}\nGoing on with the local cache ${this.#localName} only${forGood ? '' : ' until it answers again'}.`;
    // Like an unreachable remote, a warning: the run goes on with the local cache and succeeds.
    if (forGood && !isGenImageError(error, RemoteNoETag)) this.#logger.error(text);
    else this.#logger.warn(text);
  }

  /** Once the pause is over, asks the remote (a HEAD) in the background: an answer ends the outage, said once; silence pauses again, unsaid. */
  #probeLater(): void {
    const paused = this.#paused;
    if (!paused || Date.now() < paused.until || this.#probe) return;
    this.#probe = (async () => {
      try {
        await this.remote.hasEntry(PROBE_KEY);
        this.#paused = undefined;
        this.#reported = false;
        this.#logger.info(`The remote cache ${this.remote.location} answers again.`);
      } catch (error) {
        if (isGenImageError(error)) this.#pause(error);
        else this.#paused = { until: Date.now() + this.#retryAfterMs };
      } finally {
        this.#probe = undefined;
      }
    })();
  }

  /** Resolves when no look at a paused remote is under way (for tests, and a process about to end). */
  async settled(): Promise<void> {
    await this.#probe;
  }
}

/** `host:pid` of a lease owner `host:pid:random`: the random part only tells two runs of one process apart. */
function hostAndPid(owner: string): string {
  return owner.split(':').slice(0, 2).join(':');
}
