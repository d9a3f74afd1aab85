import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalKeyPayload, KEY_VERSION } from '../../src/cache/key.ts';
import { generationParamsSchema } from '../../src/params.ts';

const fox = generationParamsSchema.parse({ prompt: 'a red fox asleep in fresh snow, watercolor', seed: 42, aspectRatio: '16:9' });

describe('cacheKey', () => {
  // Golden values: if these change, every committed cache entry is orphaned. Bump KEY_VERSION on purpose.
  it('pins the canonical payload format', () => {
    expect(KEY_VERSION).toBe(1);
    expect(canonicalKeyPayload({ provider: 'shark', params: fox, referenceHashes: [] })).toBe(
      '["genimage-key-v1",["provider","shark"],["model","google/gemini-3.1-flash-image-preview"],["prompt","a red fox asleep in fresh snow, watercolor"],["seed",42],["n",1],["imageSize","1K"],["aspectRatio","16:9"],["references",[]]]',
    );
  });

  it('pins the key of a known request', () => {
    expect(cacheKey({ provider: 'shark', params: fox, referenceHashes: [] })).toBe(
      '59e9d275670afc0f248a6575a9ac63d852d03083df99f04fe90e64f34a0cf5db',
    );
  });

  it('is a 64-character hex digest', () => {
    expect(cacheKey({ provider: 'local', params: fox, referenceHashes: [] })).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['provider', { provider: 'local' }],
    ['model', { params: { ...fox, model: 'other/model' } }],
    ['prompt', { params: { ...fox, prompt: 'a grey wolf' } }],
    ['seed', { params: { ...fox, seed: 43 } }],
    ['n', { params: { ...fox, n: 2 } }],
    ['imageSize', { params: { ...fox, imageSize: '2K' as const } }],
    ['aspectRatio', { params: { ...fox, aspectRatio: '1:1' as const } }],
    ['reference content', { referenceHashes: ['ab'.repeat(32)] }],
  ])('changes when %s changes', (_field, change) => {
    const base = { provider: 'shark', params: fox, referenceHashes: [] as string[] };
    expect(cacheKey({ ...base, ...change })).not.toBe(cacheKey(base));
  });

  it('ignores fields outside the allow-list (rendering options, API key, response format)', () => {
    const withExtras = { ...fox, alt: 'A fox', widths: [480], apiKey: 'secret', responseFormat: 'url' } as typeof fox;
    expect(cacheKey({ provider: 'shark', params: withExtras, referenceHashes: [] })).toBe(
      cacheKey({ provider: 'shark', params: fox, referenceHashes: [] }),
    );
  });

  it('depends on the order of reference images', () => {
    const a = 'aa'.repeat(32);
    const b = 'bb'.repeat(32);
    expect(cacheKey({ provider: 'shark', params: fox, referenceHashes: [a, b] })).not.toBe(
      cacheKey({ provider: 'shark', params: fox, referenceHashes: [b, a] }),
    );
  });

  it('does not depend on how the prompt was padded', () => {
    const padded = generationParamsSchema.parse({
      prompt: '  a red fox asleep in fresh snow, watercolor \n',
      seed: 42,
      aspectRatio: '16:9',
    });
    expect(cacheKey({ provider: 'shark', params: padded, referenceHashes: [] })).toBe(
      cacheKey({ provider: 'shark', params: fox, referenceHashes: [] }),
    );
  });
});
