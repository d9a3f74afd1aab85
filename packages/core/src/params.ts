import { z } from 'zod';

/** The model used when a marker or the config names none. */
export const DEFAULT_MODEL = 'google/gemini-3.1-flash-image-preview';

/** Aspect ratios the API accepts, in the contract's order. */
export const ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

/** Size classes the API accepts: the long edge is about 1024, 2048 or 4096 pixels. */
export const IMAGE_SIZES = ['1K', '2K', '4K'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];

/**
 * One generation request as a marker or a caller states it, in camelCase; the shark client maps
 * the names to the API's snake_case. Everything here changes the pixels and so the cache key.
 */
export const generationParamsSchema = z.strictObject({
  /** What to draw. Required and non-empty. */
  prompt: z.string().trim().min(1, 'must be a non-empty string'),
  /** @default "google/gemini-3.1-flash-image-preview" */
  model: z.string().trim().min(1).default(DEFAULT_MODEL),
  /** Fixed seeds make generations reproducible; -1 asks for a random one. @default -1 */
  seed: z.number().int('must be an integer').min(-1, 'must be -1 (random) or a non-negative integer').default(-1),
  /** How many images to generate, 1 to 4. @default 1 */
  n: z.number().int('must be an integer').min(1, 'must be from 1 to 4').max(4, 'must be from 1 to 4').default(1),
  /** @default "1K" */
  imageSize: z.enum(IMAGE_SIZES).default('1K'),
  /** @default "1:1" */
  aspectRatio: z.enum(ASPECT_RATIOS).default('1:1'),
  /** Reference images for editing: local file paths or https URLs. @default [] */
  reference: z.array(z.string().trim().min(1)).default([]),
});

export type GenerationParamsInput = z.input<typeof generationParamsSchema>;
export type GenerationParams = z.output<typeof generationParamsSchema>;

/** A reference image whose content is known: its hash is part of the cache key. */
export interface ResolvedReference {
  /** As written: an absolute local path or an https URL. */
  source: string;
  /** Hex sha256 of the image bytes. */
  sha256: string;
  /** What the API receives: the https URL itself, or a `data:` URL with the local file's bytes. */
  apiValue: string;
}

/** Image formats genimage accepts from a provider (what sharp reports). */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'avif' | 'gif';

/** Tokens the provider reports for one generation. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}
