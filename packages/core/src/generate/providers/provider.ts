import type { ApiError } from '../../errors.ts';
import type { RateLimiter } from '../rate-limiter.ts';
import type { GenerationParams, ImageFormat, ResolvedReference, Usage } from '../../params.ts';

/** An image's bytes exactly as the provider sent them, after validation with sharp. */
export interface GeneratedImage {
  bytes: Uint8Array;
  format: ImageFormat;
  width: number;
  height: number;
}

export interface GenerationResult {
  /** Exactly `params.n` images. */
  images: GeneratedImage[];
  usage?: Usage;
  /** Credits the provider charged for this generation, when it says. */
  credit?: number;
  /** HTTP attempts made, retries included. */
  attempts: number;
  /** Attempts that failed after the provider may already have billed them (504, timeouts, broken 200s). */
  possiblyBilledAttempts: number;
}

export interface ProviderJob {
  params: GenerationParams;
  references: ResolvedReference[];
}

export interface GenerateOptions {
  /** Cancels the request under way (which may already have been billed) and any retry. */
  signal?: AbortSignal;
  /** Asked before each attempt after waiting for it: false once the run has stopped (a 401 or 402 elsewhere). */
  maySend?: () => boolean;
  /**
   * Shared by the requests of one run: each HTTP exchange with the API holds one of its slots,
   * and 429s tune how many there are. Without it, a provider paces its own requests alone.
   */
  limiter?: RateLimiter;
  /**
   * Told of each failed attempt before its slot is freed: a run that stops on this error (a 401
   * or 402) must know before the next waiting request is let through.
   */
  onFailedAttempt?: (error: ApiError) => void;
}

/** Something that turns a job into images: the real API (`shark`) or the offline `local` renderer. */
export interface Provider {
  /** Part of the cache key: images of one provider are never served for another. */
  readonly id: string;
  generate(job: ProviderJob, options?: GenerateOptions): Promise<GenerationResult>;
}
