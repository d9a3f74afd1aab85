import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { Aborted, isGenImageError } from '../../../src/errors.ts';
import { sha256Hex } from '../../../src/hash.ts';
import { inspectImage } from '../../../src/generate/image.ts';
import { generationParamsSchema, type GenerationParamsInput, type ResolvedReference } from '../../../src/params.ts';
import { LocalProvider, placeholderSvg, wrap } from '../../../src/generate/providers/local.ts';
import type { ProviderJob } from '../../../src/generate/providers/provider.ts';

function job(params: Partial<GenerationParamsInput> = {}, references: ResolvedReference[] = []): ProviderJob {
  return { params: generationParamsSchema.parse({ prompt: 'a red fox in the snow', seed: 7, ...params }), references };
}

/** Small placeholders keep the suite fast where the size class does not matter. */
const small = new LocalProvider({ longEdge: { '1K': 128, '2K': 128, '4K': 128 } });

function hashes(images: { bytes: Uint8Array }[]): string[] {
  return images.map((image) => sha256Hex(image.bytes));
}

describe('LocalProvider', () => {
  test('has the id "local"', () => {
    expect(new LocalProvider().id).toBe('local');
  });

  test.each([
    ['1K', '16:9', 1024, 576],
    ['2K', '2:3', 1365, 2048],
    ['4K', '1:1', 4096, 4096],
  ] as const)('renders %s %s as a %i×%i png by default', async (imageSize, aspectRatio, width, height) => {
    const { images } = await new LocalProvider().generate(job({ imageSize, aspectRatio }));
    const image = images[0]!;
    expect(image).toMatchObject({ format: 'png', width, height });
    const metadata = await sharp(image.bytes).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', width, height]);
  });

  test('renders every aspect ratio with the longEdge option', async () => {
    const provider = new LocalProvider({ longEdge: { '1K': 210 } });
    for (const [aspectRatio, width, height] of [
      ['21:9', 210, 90],
      ['9:16', 118, 210],
      ['4:3', 210, 158],
    ] as const) {
      const { images } = await provider.generate(job({ aspectRatio }));
      expect(await inspectImage(images[0]!.bytes)).toEqual({ format: 'png', width, height });
    }
  });

  test('gives identical bytes for the same job across two instances', async () => {
    const a = await new LocalProvider().generate(job({ n: 2 }));
    const b = await new LocalProvider().generate(job({ n: 2 }));
    expect(hashes(a.images)).toEqual(hashes(b.images));
  });

  test('is deterministic for seed -1 too', async () => {
    const a = await small.generate(job({ seed: -1 }));
    const b = await small.generate(job({ seed: -1 }));
    expect(hashes(a.images)).toEqual(hashes(b.images));
  });

  test('returns n different images', async () => {
    const { images } = await small.generate(job({ n: 4 }));
    expect(images).toHaveLength(4);
    expect(new Set(hashes(images)).size).toBe(4);
  });

  test('changes the image when the prompt, seed, model or a reference changes', async () => {
    const reference = { source: 'a.png', sha256: 'a'.repeat(64), apiValue: 'data:' };
    const variants = [
      job(),
      job({ prompt: 'a blue fox in the snow' }),
      job({ seed: 8 }),
      job({ model: 'other/model' }),
      job({}, [reference]),
      job({}, [{ ...reference, sha256: 'b'.repeat(64) }]),
    ];
    const results = await Promise.all(variants.map((v) => small.generate(v)));
    expect(new Set(results.map((r) => hashes(r.images)[0])).size).toBe(variants.length);
  });

  test('reports no usage, no credit, one attempt and nothing possibly billed', async () => {
    const result = await small.generate(job());
    expect(result).toMatchObject({ usage: undefined, credit: 0, attempts: 1, possiblyBilledAttempts: 0 });
  });

  test('throws Aborted when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error: unknown = await small.generate(job(), { signal: controller.signal }).catch((e: unknown) => e);
    expect(isGenImageError(error, Aborted)).toBe(true);
  });

  test('renders prompts with XML specials and control characters', async () => {
    const { images } = await small.generate(job({ prompt: 'a <b>"bold"</b> & \'odd\' \u0001 prompt ]]> 🦊' }));
    expect((await inspectImage(images[0]!.bytes)).format).toBe('png');
  });

  test('rejects a longEdge that is not an integer from 16 and up', () => {
    expect(() => new LocalProvider({ longEdge: { '2K': 8 } })).toThrow('Expected `longEdge["2K"]` to be an integer from 16 and up, got 8');
  });
});

describe('placeholderSvg', () => {
  const input = { width: 400, height: 300, digest: new Uint8Array(32).fill(9), footer: 'seed 1 · 4:3 · 1K · image 1/1' };

  test('contains the label, the escaped prompt and the footer', () => {
    const svg = placeholderSvg({ ...input, prompt: 'fish & <chips>' });
    expect(svg).toContain('>PLACEHOLDER</text>');
    expect(svg).toContain('fish &amp; &lt;chips&gt;');
    expect(svg).toContain('seed 1 · 4:3 · 1K · image 1/1');
  });

  test('draws the text: two prompts give different pixels on the same background', async () => {
    const render = (prompt: string) =>
      sharp(Buffer.from(placeholderSvg({ ...input, prompt })))
        .raw()
        .toBuffer();
    const [a, b] = await Promise.all([render('first prompt'), render('second prompt')]);
    expect(a.equals(b)).toBe(false);
  });
});

describe('wrap', () => {
  test('breaks at spaces within the line length', () => {
    expect(wrap('one two three four', 9, 5)).toEqual(['one two', 'three', 'four']);
  });

  test('splits a word longer than a line', () => {
    expect(wrap('abcdefghij', 4, 5)).toEqual(['abcd', 'efgh', 'ij']);
  });

  test('ends with an ellipsis when lines are cut', () => {
    expect(wrap('one two three four five six', 9, 2)).toEqual(['one two', 'three…']);
  });
});
