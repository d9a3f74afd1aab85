import { describe, expect, it } from 'vitest';
import { validateRequest } from '../src/validate.ts';

const MODEL = 'google/gemini-3.1-flash-image-preview';
const PNG_DATA_URL = 'data:image/png;base64,iVBORw0KGgo=';

function messageFor(body: unknown): string {
  const result = validateRequest(body);
  if (result.ok) throw new Error(`Expected ${JSON.stringify(body)} to be rejected`);
  return result.message;
}

describe('validateRequest', () => {
  it('applies the contract defaults', () => {
    expect(validateRequest({ model: MODEL, prompt: 'a fox' })).toEqual({
      ok: true,
      request: {
        model: MODEL,
        prompt: 'a fox',
        n: 1,
        seed: -1,
        image: [],
        image_size: '1K',
        aspect_ratio: '1:1',
        response_format: 'b64_json',
      },
    });
  });

  it('accepts every field set, test/ models and unknown fields', () => {
    const body = {
      model: 'test/tiny',
      prompt: 'p',
      n: 4,
      seed: 0,
      image: ['https://example.com/a.png', PNG_DATA_URL],
      image_size: '4K',
      aspect_ratio: '21:9',
      response_format: 'url',
      extra: true,
    };
    const result = validateRequest(body);
    expect(result.ok).toBe(true);
    expect(result.ok && result.request).toMatchObject({ model: 'test/tiny', n: 4, seed: 0, image_size: '4K', aspect_ratio: '21:9' });
  });

  it.each([
    [[], 'request body'],
    [{ prompt: 'p' }, '`model`'],
    [{ model: 'openai/dall-e-3', prompt: 'p' }, '`model`'],
    [{ model: MODEL }, '`prompt`'],
    [{ model: MODEL, prompt: '   ' }, '`prompt`'],
    [{ model: MODEL, prompt: 'p', n: 0 }, '`n`'],
    [{ model: MODEL, prompt: 'p', n: 5 }, '`n`'],
    [{ model: MODEL, prompt: 'p', n: 1.5 }, '`n`'],
    [{ model: MODEL, prompt: 'p', n: '2' }, '`n`'],
    [{ model: MODEL, prompt: 'p', seed: -2 }, '`seed`'],
    [{ model: MODEL, prompt: 'p', seed: null }, '`seed`'],
    [{ model: MODEL, prompt: 'p', image: 'https://example.com/a.png' }, '`image`'],
    [{ model: MODEL, prompt: 'p', image: ['http://example.com/a.png'] }, '`image[0]`'],
    [{ model: MODEL, prompt: 'p', image: [PNG_DATA_URL, 'data:image/png;base64,@@@'] }, '`image[1]`'],
    [{ model: MODEL, prompt: 'p', image: ['data:text/plain;base64,aGk='] }, '`image[0]`'],
    [{ model: MODEL, prompt: 'p', image: [42] }, '`image[0]`'],
    [{ model: MODEL, prompt: 'p', image_size: '8K' }, '`image_size`'],
    [{ model: MODEL, prompt: 'p', aspect_ratio: '7:3' }, '`aspect_ratio`'],
    [{ model: MODEL, prompt: 'p', response_format: 'png' }, '`response_format`'],
  ])('rejects %j, naming %s', (body, field) => {
    expect(messageFor(body)).toContain(field);
  });
});
