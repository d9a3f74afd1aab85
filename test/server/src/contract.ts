/**
 * The constants of the image generation API contract (/work/shared/api/images-generations.md),
 * in one place so that validation, rendering and tests agree on them.
 */

/** The key every test uses unless it wants to test a wrong one. */
export const TEST_API_KEY = 'test-key-0123456789';

/** The one production model; any model id starting with `test/` is accepted too. */
export const PRODUCTION_MODEL = 'google/gemini-3.1-flash-image-preview';
export const TEST_MODEL_PREFIX = 'test/';

export const API_PREFIX = '/api/v1';
export const GENERATIONS_PATH = `${API_PREFIX}/images/generations`;
export const FILES_PREFIX = '/files/';

export const IMAGE_SIZES = ['1K', '2K', '4K'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];

export const ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export const RESPONSE_FORMATS = ['b64_json', 'url'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];

export const MIN_IMAGES = 1;
export const MAX_IMAGES = 4;

/** The contract's error table, row by row. */
export const ERROR_TABLE: ReadonlyArray<{ status: number; type: string; description: string }> = Object.freeze([
  { status: 400, type: 'invalid_request_error', description: 'Invalid parameters' },
  { status: 400, type: 'content_moderation', description: 'Content blocked by safety system' },
  { status: 400, type: 'input_too_large', description: 'Input exceeds model limit' },
  { status: 401, type: 'auth_error', description: 'Invalid API key' },
  { status: 402, type: 'insufficient_credits', description: 'Not enough credits' },
  { status: 429, type: 'rate_limit_error', description: 'Too many requests' },
  { status: 502, type: 'provider_error', description: 'Upstream error, retry later' },
  { status: 504, type: 'timeout_error', description: 'Request timed out' },
]);

/** The JSON error body the server sends. The contract is silent on its shape; this is the common one. */
export function errorBody(type: string, message: string): string {
  return JSON.stringify({ error: { type, message } });
}
