/**
 * The review loop's HTTP API as data: where it is mounted, how a request proves it comes from the
 * author's own page, and the JSON each endpoint answers. Shared by the handler (`http.ts`), the
 * session behind it (`session.ts`) and the browser panel, which all three hosts (`astro dev`, a
 * Vite dev server, `genimage review`) serve under the same path.
 */
import type { DeclarationKind } from '../rewrite/edit-declaration.ts';
import type { CacheStatus } from '../engine.ts';

/** Where every host mounts the API: `${REVIEW_BASE}/images`, `${REVIEW_BASE}/keep`, ... */
export const REVIEW_BASE = '/__genimage/review';

/** The header every request carries the session's token in (never the URL: history and logs keep those). */
export const REVIEW_TOKEN_HEADER = 'x-genimage-review-token';

/** Candidates one `try` may ask for at most; `quote` and `try` refuse more. */
export const MAX_CANDIDATES = 8;
/** Candidates asked for when `k` is not given. */
export const DEFAULT_CANDIDATES = 3;

/** A cached image of the same declaration with another seed: made by `try`, or left from an earlier review. */
export interface Candidate {
  seed: number;
  key: string;
  /** The original's URL under the base (`GET /original/<key>/<index>`); send the token with it. */
  preview: string;
  /** What its cache entry says it cost. */
  credits?: number;
  /** Some declaration uses it (this one or another), so `genimage prune` keeps it; false: `prune` deletes it. */
  kept: boolean;
}

/** One image a declaration asks for, as the review lists it. */
export interface ReviewImage {
  /** Stable while the file is unedited: `<file>:<line>:<column>` of the declaration, the file relative to the root. */
  id: string;
  file: string;
  line: number;
  column: number;
  declaredIn: DeclarationKind;
  prompt: string;
  /** The seed the declaration asks for (written, or from a preset or the defaults); null when it has none: random. */
  seed: number | null;
  /** For a seedless declaration: the seed genimage chose and sent when it made the cached image (`fix-seed` writes it). */
  recordedSeed?: number;
  aspectRatio: string;
  imageSize: string;
  key: string;
  status: CacheStatus;
  /** Of the image the declaration shows, when cached. */
  width?: number;
  height?: number;
  /** What its cache entry says it cost. */
  credits?: number;
  /** The cached original's URL under the base, when cached. */
  preview?: string;
  /** Cached images of the same declaration with other seeds, oldest first. */
  candidates: Candidate[];
}

/** Whether candidates can be generated here, and why not, in words for the author. */
export interface GenerationAbility {
  canGenerate: boolean;
  reason?: string;
}

/** `GET /images`. */
export interface ReviewList extends GenerationAbility {
  images: ReviewImage[];
  frozen: boolean;
}

/** `POST /quote { id, k }`: what `try` would cost. Sends nothing. */
export interface ReviewQuote extends GenerationAbility {
  k: number;
  /** New seeds for `try`: random, distinct, none already cached for the declaration, never -1. */
  seeds: number[];
  /** Estimated credits for all `k`: the declaration's recorded cost (or the site's median per image) times k; null when nothing was ever charged. */
  credits: number | null;
}

/** `POST /try { id, k, seeds }`. */
export interface ReviewTryResult {
  candidates: Candidate[];
  /** What the API charged for them. */
  creditsSpent: number;
  failed?: { seed: number; error: string }[];
}

/** `POST /keep { id, seed }` and `POST /fix-seed { id }`: the declaration as it is now. */
export interface ReviewKept {
  id: string;
  file: string;
  line: number;
  column: number;
  seed: number;
  key: string;
}

/** Every refusal and failure: a sentence for the author, never a stack. */
export interface ReviewErrorBody {
  error: string;
  code?: string;
}
