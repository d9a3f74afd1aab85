/**
 * Where variants are encoded: in a child process of the build's (`EncoderProcess`), or in the
 * build's own process (`InlineEncoder`). Either runs its encodes through an `EncodeQueue`
 * (placeholders first, one per core, few large AVIFs at once) where they are encoded: the child's
 * queue holds every encode sent, so that it keeps the cores busy while the build's process is busy
 * bundling or rendering and cannot answer.
 *
 * Why a child: glibc keeps the native memory that concurrent encoders free in per-thread arenas,
 * and a build cannot set the allocator of the process it runs in. A cold build over 32 4K
 * originals peaked at 1 GB in the build's process, 440 MB of it Astro's own. The child is started
 * with glibc's settings (read at start-up only), reads and checks each original itself, so the
 * build's process never holds one, and sends back the encoded bytes (BENCHMARKS.md, section 6).
 * It is started on the first encode (a warm build starts none), and stops once idle or when the
 * build's process ends.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { CacheCorrupt, GenImageError } from '../errors.ts';
import { encode, type PreviewStats, previewStats } from './encode.ts';
import { AVIF_PIXELS_AT_ONCE, EncodeQueue, encodeRank, encodeWeight } from './encode-queue.ts';
import type { OriginalFile, Variant, VariantSource } from './optimize.ts';

export interface EncodeOptions {
  /** Ahead of the encodes waiting: what a page waits for (a placeholder). */
  first: boolean;
  /** Told when the encode starts (it may wait for a slot first). */
  onStart?: () => void;
}

/** Encodes variants, at most one per core at once; tells a placeholder's preview's stats. */
export interface Encoder {
  encode(source: VariantSource, variant: Variant, options: EncodeOptions): Promise<Uint8Array>;
  stats(preview: Uint8Array): Promise<PreviewStats>;
  /** Encodes running now, and waiting for a slot. */
  readonly activeCount: number;
  readonly pendingCount: number;
}

/** Encodes in this process. */
export class InlineEncoder implements Encoder {
  readonly #queue: EncodeQueue;

  constructor(concurrency: number) {
    this.#queue = new EncodeQueue(concurrency, AVIF_PIXELS_AT_ONCE);
  }

  get activeCount(): number {
    return this.#queue.activeCount;
  }
  get pendingCount(): number {
    return this.#queue.pendingCount;
  }

  encode(source: VariantSource, variant: Variant, options: EncodeOptions): Promise<Uint8Array> {
    return this.#queue.run({ weight: encodeWeight(variant), rank: encodeRank(options.first) }, async () => {
      options.onStart?.();
      return encode(typeof source.bytes === 'function' ? await source.bytes() : source.bytes, variant);
    });
  }

  stats(preview: Uint8Array): Promise<PreviewStats> {
    return previewStats(preview);
  }
}

/**
 * One variant to encode, from the original's file (read and checked by the child) or its bytes;
 * or a preview's stats.
 */
export type EncodeJob =
  | { id: number; variant: Variant; first: boolean; source: { file: OriginalFile; sha256: string } | { bytes: Uint8Array } }
  | { id: number; stats: Uint8Array };

/** An encode started; its bytes, a preview's stats, or why not. */
export type EncodeReply =
  | { id: number; started: true }
  | { id: number; bytes: Uint8Array }
  | { id: number; stats: PreviewStats }
  | { id: number; error: string; corrupt: boolean };

/**
 * glibc's allocator for the encoder of large originals (other allocators ignore these): one arena
 * for every thread, and buffers from 256 kB up mapped and unmapped by themselves rather than kept
 * for reuse, so that what an encode frees is given back; a young generation of 1 MB. They cost
 * 5 to 10% more CPU time on 1K originals, whose encodes need no such care: those get glibc's
 * defaults (each measured in BENCHMARKS.md, section 6).
 */
export const LEAN_ENV: Record<string, string> = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_MMAP_THRESHOLD_: '262144',
  MALLOC_TRIM_THRESHOLD_: '262144',
};
export const LEAN_FLAGS = ['--max-semi-space-size=1'];
/** Originals from this many pixels up (4K: 16.7 million; 2K: 4.2) are encoded by the lean child. */
export const LARGE_PIXELS = 8_000_000;
/** An idle child is stopped after this long: a dev server's next encode starts another. */
const IDLE_MS = 10_000;
/** What the child printed last, for the message when it dies. */
const STDERR_KEPT = 2000;

/** The child's program: `.ts` beside this file when run from the sources (tests), `.js` once built. */
const CHILD = new URL(`./encoder-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

interface Waiting {
  resolve: (answer: unknown) => void;
  reject: (error: unknown) => void;
  onStart?: (() => void) | undefined;
  started: boolean;
}

/**
 * Encodes in a child process, started on first use: every encode is sent to it at once, and it
 * runs them `concurrency` at a time. A child that dies fails the encodes it had, naming how it
 * ended; the next encode starts another.
 */
export class EncoderProcess implements Encoder {
  readonly #concurrency: number;
  readonly #avifPixels: number;
  readonly #idleMs: number;
  readonly #env: Record<string, string>;
  readonly #flags: string[];
  #child: ChildProcess | undefined;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 0;
  #idle: NodeJS.Timeout | undefined;
  #stderr = '';
  #active = 0;

  /**
   * `concurrency`: encodes at once, one per core. `env` and `flags`: the child's allocator
   * settings and Node flags (none: glibc's defaults); `avifPixels`: AVIF pixels at once, instead of
   * genimage's (benchmarks compare them).
   */
  constructor(options: { concurrency: number; idleMs?: number; env?: Record<string, string>; flags?: string[]; avifPixels?: number }) {
    this.#concurrency = options.concurrency;
    this.#avifPixels = options.avifPixels ?? AVIF_PIXELS_AT_ONCE;
    this.#idleMs = options.idleMs ?? IDLE_MS;
    this.#env = options.env ?? {};
    this.#flags = options.flags ?? [];
  }

  /** The child's process id while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get activeCount(): number {
    return this.#active;
  }
  get pendingCount(): number {
    return this.#waiting.size - this.#active;
  }

  async encode(source: VariantSource, variant: Variant, options: EncodeOptions): Promise<Uint8Array> {
    const file = await source.file?.();
    const id = this.#nextId++;
    const { first } = options;
    const job: EncodeJob = file
      ? { id, variant, first, source: { file, sha256: source.sha256 } }
      : { id, variant, first, source: { bytes: typeof source.bytes === 'function' ? await source.bytes() : source.bytes } };
    return this.#run(job, options.onStart) as Promise<Uint8Array>;
  }

  /**
   * In the child while it runs (a cold build's): this process then never loads sharp for its
   * placeholders, whose native libraries would count twice. Otherwise here: a warm build starts no child.
   */
  stats(preview: Uint8Array): Promise<PreviewStats> {
    if (!this.#child) return previewStats(preview);
    return this.#run({ id: this.#nextId++, stats: preview }) as Promise<PreviewStats>;
  }

  #run(job: EncodeJob, onStart?: () => void): Promise<unknown> {
    const child = this.#started();
    return new Promise((resolve, reject) => {
      this.#waiting.set(job.id, { resolve, reject, onStart, started: false });
      // A channel that fails is a child that ended or will: its exit fails what it had, saying how.
      child.send(job, (error) => error && child.kill());
    });
  }

  /** Stops the child now; encodes under way or waiting fail. */
  close(): void {
    this.#child?.kill();
  }

  #started(): ChildProcess {
    clearTimeout(this.#idle);
    if (this.#child) {
      this.#holdOpen(this.#child, true);
      return this.#child;
    }
    const child = fork(CHILD, [String(this.#concurrency), String(this.#avifPixels)], {
      env: { ...process.env, ...this.#env },
      // Not the parent's flags (an --inspect port, a loader): its own.
      execArgv: this.#flags,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.#child = child;
    this.#stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-STDERR_KEPT);
    });
    child.on('message', (reply: EncodeReply) => {
      if ('started' in reply) {
        const waiting = this.#waiting.get(reply.id);
        if (!waiting) return;
        waiting.started = true;
        this.#active++;
        return waiting.onStart?.();
      }
      this.#settle(reply.id, (waiting) => {
        if ('bytes' in reply) waiting.resolve(reply.bytes);
        else if ('stats' in reply) waiting.resolve(reply.stats);
        else waiting.reject(reply.corrupt ? new GenImageError(CacheCorrupt, reply.error) : new Error(reply.error));
      });
    });
    const ended = (how: string) => {
      if (this.#child !== child) return;
      this.#child = undefined;
      const said = this.#stderr.trim();
      const error = new Error(`The encoder process ${how}${said ? `: ${said.split('\n').slice(-3).join(' ')}` : ''}`);
      for (const id of [...this.#waiting.keys()]) this.#settle(id, (waiting) => waiting.reject(error));
    };
    child.on('exit', (code, signal) => ended(signal ? `was stopped by ${signal}` : `exited with code ${code}`));
    child.on('error', (error) => ended(`failed: ${error.message}`));
    return child;
  }

  #settle(id: number, how: (waiting: Waiting) => void): void {
    const waiting = this.#waiting.get(id);
    if (!waiting) return;
    this.#waiting.delete(id);
    if (waiting.started) this.#active--;
    how(waiting);
    const child = this.#child;
    if (this.#waiting.size > 0 || !child) return;
    // Idle: it no longer keeps this process alive, and stops after a while.
    this.#holdOpen(child, false);
    this.#idle = setTimeout(() => child.kill(), this.#idleMs).unref();
  }

  /** Whether the child (and its channel) keep this process running: only while encodes are under way. */
  #holdOpen(child: ChildProcess, hold: boolean): void {
    const channel = child.channel as { ref(): void; unref(): void } | null | undefined;
    if (hold) {
      child.ref();
      channel?.ref();
    } else {
      child.unref();
      channel?.unref();
    }
  }
}

/**
 * Two encoder processes, each started when first needed: large originals (4K) go to one started
 * with `LEAN_ENV`, which keeps a cold build over them within 700 MB; the others to one with glibc's
 * defaults, faster on them. A build with both runs up to `concurrency` encodes in each.
 */
export class EncoderProcesses implements Encoder {
  readonly #concurrency: number;
  #normal: EncoderProcess | undefined;
  #large: EncoderProcess | undefined;

  constructor(options: { concurrency: number }) {
    this.#concurrency = options.concurrency;
  }

  get activeCount(): number {
    return (this.#normal?.activeCount ?? 0) + (this.#large?.activeCount ?? 0);
  }
  get pendingCount(): number {
    return (this.#normal?.pendingCount ?? 0) + (this.#large?.pendingCount ?? 0);
  }

  async encode(source: VariantSource, variant: Variant, options: EncodeOptions): Promise<Uint8Array> {
    if ((source.pixels ?? 0) >= LARGE_PIXELS) {
      this.#large ??= new EncoderProcess({ concurrency: this.#concurrency, env: LEAN_ENV, flags: LEAN_FLAGS });
      return this.#large.encode(source, variant, options);
    }
    this.#normal ??= new EncoderProcess({ concurrency: this.#concurrency });
    return this.#normal.encode(source, variant, options);
  }

  /** The children's process ids while they run. */
  get pids(): { normal: number | undefined; large: number | undefined } {
    return { normal: this.#normal?.pid, large: this.#large?.pid };
  }

  /** Stops both children now. */
  close(): void {
    this.#normal?.close();
    this.#large?.close();
  }

  /** In a child that runs, if one does, else here (see `EncoderProcess.stats`). */
  stats(preview: Uint8Array): Promise<PreviewStats> {
    const running = [this.#large, this.#normal].find((encoder) => encoder?.pid !== undefined);
    return running ? running.stats(preview) : previewStats(preview);
  }
}
