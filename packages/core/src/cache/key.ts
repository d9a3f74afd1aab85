import { sha256Hex } from '../hash.ts';
import type { GenerationParams } from '../params.ts';
import type { CacheEntryMeta } from './store.ts';

type ImageSize = GenerationParams['imageSize'];
type AspectRatio = GenerationParams['aspectRatio'];

/**
 * Bumped when the serialization below changes meaning: every key changes with it, so old cache
 * entries are no longer found. The golden tests in key.test.ts pin the current format.
 */
export const KEY_VERSION = 1;

export interface KeyInput {
  /** The provider's id: `local` placeholders are never served where `shark` images are expected. */
  provider: string;
  params: Pick<GenerationParams, 'model' | 'prompt' | 'seed' | 'n' | 'imageSize' | 'aspectRatio'>;
  /** Content hashes of the reference images, in the order the marker lists them. */
  referenceHashes: readonly string[];
}

/**
 * The canonical serialization: an allow-list of everything that changes the pixels, in a fixed
 * order. Not the API key, the response format or rendering options (widths, formats, alt).
 */
export function canonicalKeyPayload(input: KeyInput): string {
  const { params } = input;
  return JSON.stringify([
    `genimage-key-v${KEY_VERSION}`,
    ['provider', input.provider],
    ['model', params.model],
    ['prompt', params.prompt],
    ['seed', params.seed],
    ['n', params.n],
    ['imageSize', params.imageSize],
    ['aspectRatio', params.aspectRatio],
    ['references', [...input.referenceHashes]],
  ]);
}

/** The cache key: hex sha256 of the canonical payload (64 characters). */
export function cacheKey(input: KeyInput): string {
  return sha256Hex(canonicalKeyPayload(input));
}

/**
 * The key an entry's metadata describes, computed the way generation computes it; with
 * `provider`, the key of the same request made by that provider. Metadata copied from another
 * entry, or edited by hand, does not hash to the name of its folder.
 */
export function metaKey(meta: CacheEntryMeta, provider: string = meta.provider): string {
  const { seed, n, imageSize, aspectRatio, references } = meta.params;
  return cacheKey({
    provider,
    // Stored as text; only their text goes into the key, so any other value just fails to match.
    params: { model: meta.model, prompt: meta.prompt, seed, n, imageSize: imageSize as ImageSize, aspectRatio: aspectRatio as AspectRatio },
    referenceHashes: references.map((reference) => reference.sha256),
  });
}
