import { describe, expect, it } from 'vitest';
import { generationParamsSchema } from '../../../src/params.ts';
import { buildRequestBody, classifyErrorResponse } from '../../../src/generate/providers/shark-contract.ts';

describe('buildRequestBody', () => {
  it('maps camelCase params to the API snake_case names', () => {
    const body = buildRequestBody(
      {
        params: generationParamsSchema.parse({ prompt: 'p', seed: 7, n: 2, imageSize: '2K', aspectRatio: '3:2' }),
        references: [{ source: 'a.png', sha256: 'x', apiValue: 'data:image/png;base64,AAAA' }],
      },
      'url',
    );
    expect(body).toEqual({
      model: 'google/gemini-3.1-flash-image-preview',
      prompt: 'p',
      n: 2,
      seed: 7,
      image_size: '2K',
      aspect_ratio: '3:2',
      response_format: 'url',
      image: ['data:image/png;base64,AAAA'],
    });
  });
});

describe('classifyErrorResponse', () => {
  it('prefers error.type over the status', () => {
    expect(classifyErrorResponse(400, '{"error":{"type":"content_moderation","message":"blocked"}}')).toMatchObject({
      retryClass: 'never',
      apiMessage: 'blocked',
    });
  });

  it('treats unknown 5xx answers as possibly billed', () => {
    expect(classifyErrorResponse(500, '').retryClass).toBe('billed');
  });
});
