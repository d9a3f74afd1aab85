/**
 * Where variants are encoded: in a child process of the build's (`EncoderProcess`), or in the
 * build's own process (`inlineEncoder`).
 *
 * Why a child: glibc keeps the native memory that concurrent encoders free in per-thread arenas,
 * and a build cannot set the allocator of the process it runs in. A cold build over 32 4K
 * originals peaked at 1 GB in the build's process, 440 MB of it Astro's own. The child is started
 * with MALLOC_ARENA_MAX (glibc reads it at start-up only), reads and checks each original itself,
 * so the build's process never holds one, and sends back the encoded bytes (BENCHMARKS.md, section 6).
 * It is started on the first encode (a warm build starts none), and stops once idle or when the
 * build's process ends.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { CacheCorrupt, GenImageError } from '../errors.ts';
import { encode, type PreviewStats, previewStats } from './encode.ts';
import type { OriginalFile, Variant, VariantSource } from './optimize.ts';

/** Encodes one variant of a source; tells a placeholder's preview's stats. */
export interface Encoder {
  encode(source: VariantSource, variant: Variant): Promise<Uint8Array>;
  stats(preview: Uint8Array): Promise<PreviewStats>;
}

/** Encodes in this process. */
export const inlineEncoder: Encoder = {
  encode: async (source, variant) => encode(typeof source.bytes === 'function' ? await source.bytes() : source.bytes, variant),
  stats: previewStats,
};

/**
 * One variant to encode, from the original's file (read and checked by the child) or its bytes;
 * or a preview's stats.
 */
export type EncodeJob =
  | { id: number; variant: Variant; source: { file: OriginalFile; sha256: string } | { bytes: Uint8Array } }
  | { id: number; stats: Uint8Array };

export type EncodeReply =
  | { id: number; bytes: Uint8Array }
  | { id: number; stats: PreviewStats }
  | { id: number; error: string; corrupt: boolean };

/**
 * glibc's allocator for the child (other allocators ignore these): one arena for every thread, and
 * buffers from 256 kB up mapped and unmapped by themselves rather than kept for reuse, so that
 * what an encode frees is given back. Each measured in BENCHMARKS.md, section 6; together they
 * cost no measurable CPU time.
 */
export const CHILD_ENV: Record<string, string> = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_MMAP_THRESHOLD_: '262144',
  MALLOC_TRIM_THRESHOLD_: '262144',
};
/** A young generation of 1 MB: the child's own garbage is small and short-lived, and collected sooner. */
export const CHILD_FLAGS = ['--max-semi-space-size=1'];
/** An idle child is stopped after this long: a dev server's next encode starts another. */
const IDLE_MS = 10_000;
/** What the child printed last, for the message when it dies. */
const STDERR_KEPT = 2000;

/** The child's program: `.ts` beside this file when run from the sources (tests), `.js` once built. */
const CHILD = new URL(`./encoder-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

interface Waiting {
  resolve: (answer: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Encodes in a child process, started on first use: as many encodes at once as are asked for
 * (the `Optimizer` bounds them). A child that dies fails the encodes it had, naming how it ended;
 * the next encode starts another.
 */
export class EncoderProcess implements Encoder {
  readonly #idleMs: number;
  readonly #env: Record<string, string>;
  readonly #flags: string[];
  #child: ChildProcess | undefined;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 0;
  #idle: NodeJS.Timeout | undefined;
  #stderr = '';

  /** `env` and `flags`: the child's allocator settings and Node flags, instead of genimage's (benchmarks compare them). */
  constructor(options: { idleMs?: number; env?: Record<string, string>; flags?: string[] } = {}) {
    this.#idleMs = options.idleMs ?? IDLE_MS;
    this.#env = options.env ?? CHILD_ENV;
    this.#flags = options.flags ?? CHILD_FLAGS;
  }

  /** The child's process id while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async encode(source: VariantSource, variant: Variant): Promise<Uint8Array> {
    const file = await source.file?.();
    const id = this.#nextId++;
    const job: EncodeJob = file
      ? { id, variant, source: { file, sha256: source.sha256 } }
      : { id, variant, source: { bytes: typeof source.bytes === 'function' ? await source.bytes() : source.bytes } };
    return this.#run(job) as Promise<Uint8Array>;
  }

  /**
   * In the child while it runs (a cold build's): this process then never loads sharp for its
   * placeholders, whose native libraries would count twice. Otherwise here: a warm build starts no child.
   */
  stats(preview: Uint8Array): Promise<PreviewStats> {
    if (!this.#child) return previewStats(preview);
    return this.#run({ id: this.#nextId++, stats: preview }) as Promise<PreviewStats>;
  }

  #run(job: EncodeJob): Promise<unknown> {
    const child = this.#started();
    return new Promise((resolve, reject) => {
      this.#waiting.set(job.id, { resolve, reject });
      // A channel that fails is a child that ended or will: its exit fails what it had, saying how.
      child.send(job, (error) => error && child.kill());
    });
  }

  /** Stops the child now; encodes under way fail. */
  close(): void {
    this.#child?.kill();
  }

  #started(): ChildProcess {
    clearTimeout(this.#idle);
    if (this.#child) {
      this.#holdOpen(this.#child, true);
      return this.#child;
    }
    const child = fork(CHILD, [], {
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
