/**
 * @genimage/test-server: a local, strict implementation of the image generation API
 * (`POST /api/v1/images/generations`, see /work/shared/api/images-generations.md) over real
 * HTTP on 127.0.0.1, used by every test of the project instead of the hosted API.
 *
 * ```ts
 * import { startTestServer } from '@genimage/test-server';
 *
 * const server = await startTestServer({ longEdge: { '1K': 64 } }); // small images: fast tests
 * afterAll(() => server.close());
 * beforeEach(() => server.reset());
 *
 * // Point the client at server.baseUrl with server.apiKey, then:
 * server.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '0' } }, { kind: 'reset' });
 * // ...the next request gets a 429, the one after a connection reset, then normal answers.
 * server.always({ kind: 'delay', ms: 50 }); // every later request, until server.always(undefined)
 *
 * expect(server.requests).toHaveLength(3);      // what the client sent (API key redacted)
 * expect(server.generatedImages).toBe(1);       // real PNGs delivered
 * expect(server.downloads).toBe(0);             // GETs of response_format=url links
 * ```
 *
 * What it checks like the hosted API: the bearer key (401 auth_error), the JSON body field by
 * field (400 invalid_request_error naming the field), the balance (402 insufficient_credits).
 * Models: `google/gemini-3.1-flash-image-preview` or any `test/...` id. Images are real PNGs of
 * the contract's size (aspect ratio on the size class's long edge), identical bytes for the same
 * (model, prompt, seed, index) when seed >= 0. Links (`response_format: 'url'`) are signed and
 * expire after `urlTtlMs` (403). Unknown paths answer 404, wrong methods 405.
 *
 * Faults (see `Fault`): `error`, `reset`, `hang` and `brokenJson` replace the answer before the
 * request is checked; the others alter a normal answer. Queued faults go first, one per request
 * to the generation endpoint, then the standing one from `always()`.
 */
export { ERROR_TABLE, TEST_API_KEY } from './contract.ts';
export type { AspectRatio, ImageSize, ResponseFormat } from './contract.ts';
export type { Fault, FaultKind } from './faults.ts';
export { dimensions } from './images.ts';
export { startTestServer } from './server.ts';
export type { ImageRequest, RecordedRequest, TestServer, TestServerOptions } from './server.ts';
export type { GenerationRequest } from './validate.ts';
