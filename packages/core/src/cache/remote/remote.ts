import type { CachedEntry } from '../cache.ts';
import type { CacheEntryMeta } from '../store.ts';

/** A complete entry in the remote, as a listing gives it. */
export interface RemoteEntryInfo {
  key: string;
  /** When its metadata was uploaded, by the remote's clock. */
  uploaded: Date;
}

/** A claim on one key across machines, renewed while held. */
export interface HeldLease {
  /** Stops renewing and removes the lease, unless another machine took it over meanwhile. */
  release(): Promise<void>;
}

/** What trying to claim a key gave: the lease, or who holds it (its version, to tell when it stops changing). */
export type LeaseAttempt = { held: true; lease: HeldLease } | { held: false; version: string; owner: string };

/**
 * A cache shared by machines (a bucket). Unlike a `CacheStore` it is never trusted: every entry
 * it gives back was verified (metadata valid for its key, size and sha256 of every image), and
 * what it stores is written once, never over another machine's objects.
 *
 * Its methods throw GenImageError: CacheCorrupt for an entry that fails verification (reported,
 * never served), RemoteUnavailable when it cannot be reached in time, RemoteAccessDenied when the
 * credentials are refused, RemoteNoCredentials when there are none to send, RemoteObjectChanged
 * when an object being replaced was replaced by another machine first.
 */
export interface RemoteStore {
  /** For messages, e.g. `s3://bucket/prefix/`. */
  readonly location: string;
  /** A lease not renewed for this long is taken over; holders renew it more often than that. */
  readonly leaseMs: number;
  /** The verified entry, or undefined when the remote has none (or only part of one). */
  getEntry(key: string): Promise<CachedEntry | undefined>;
  /** Whether a complete entry (its metadata) is there; nothing is verified. */
  hasEntry(key: string): Promise<boolean>;
  /**
   * Uploads an entry, images first and metadata last, each only where nothing is yet (or where
   * what is there failed verification in this process). `exists`: another machine's entry was
   * there first, and stays.
   */
  putEntry(meta: CacheEntryMeta, images: Uint8Array[]): Promise<'uploaded' | 'exists'>;
  /** Keys with complete entries, sorted. */
  listKeys(): Promise<string[]>;
  /** Complete entries with when each was uploaded (its metadata's time), sorted by key. */
  listEntries(): Promise<RemoteEntryInfo[]>;
  /**
   * Deletes an entry: its metadata first (so that nobody takes the rest for a complete entry),
   * then its images. Only `genimage prune --remote` calls it, after listing and confirmation.
   */
  deleteEntry(key: string): Promise<void>;
  /** Claims `key` if nobody holds it; `version`, when given, takes over a lease still at that version (its holder died). */
  tryLease(key: string, version?: string): Promise<LeaseAttempt>;
}
