/**
 * The image API's contract (/work/shared/api/images-generations.md): the request body, the
 * answer's shape, and its error table. Pure: no I/O, so its tests need no server.
 */
import { z } from 'zod';
import {
  AuthFailed,
  ContentModeration,
  type ErrorDefinition,
  InputTooLarge,
  InsufficientCredits,
  InvalidRequest,
  ProviderFailed,
  ProviderTimeout,
  RateLimited,
} from '../../errors.ts';
import type { Usage } from '../../params.ts';
import type { RetryClass } from '../retry.ts';
import type { ProviderJob } from './provider.ts';

export const DEFAULT_SHARK_BASE_URL = 'https://shark.ai/api/v1';

/** The generation endpoint under a base URL (trailing slashes ignored). */
export function generationsEndpoint(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/images/generations`;
}

/** The JSON body the API expects: camelCase params mapped to the contract's snake_case names. */
export function buildRequestBody(job: ProviderJob, responseFormat: 'b64_json' | 'url'): Record<string, unknown> {
  const { params } = job;
  const body: Record<string, unknown> = {
    model: params.model,
    prompt: params.prompt,
    n: params.n,
    seed: params.seed,
    image_size: params.imageSize,
    aspect_ratio: params.aspectRatio,
    response_format: responseFormat,
  };
  if (job.references.length > 0) body.image = job.references.map((reference) => reference.apiValue);
  return body;
}

/** A 200 answer. */
export const generationResponseSchema = z.object({
  created: z.number().optional(),
  data: z.array(z.object({ b64_json: z.string().optional(), url: z.string().optional() })),
  usage: z.object({ input_tokens: z.number(), output_tokens: z.number(), total_tokens: z.number() }).partial().optional(),
  credit: z.number().optional(),
});

const errorBodySchema = z.object({
  error: z.object({ type: z.string().optional(), message: z.string().optional() }),
});

const DEFINITION_BY_TYPE: Record<string, ErrorDefinition> = {
  invalid_request_error: InvalidRequest,
  content_moderation: ContentModeration,
  input_too_large: InputTooLarge,
  auth_error: AuthFailed,
  insufficient_credits: InsufficientCredits,
  rate_limit_error: RateLimited,
  provider_error: ProviderFailed,
  timeout_error: ProviderTimeout,
};

function definitionForStatus(status: number): ErrorDefinition {
  if (status === 401 || status === 403) return AuthFailed;
  if (status === 402) return InsufficientCredits;
  if (status === 429) return RateLimited;
  if (status === 504) return ProviderTimeout;
  if (status >= 500) return ProviderFailed;
  return InvalidRequest;
}

/**
 * Maps an error answer to our catalog. The status decides whether a retry may help (4xx never,
 * 429/502/503 freely, 504 and other 5xx once, as possibly billed); `error.type`, when the body has
 * one, names the error more precisely: a 429 whose type says credits are exhausted is a credits
 * error, and is not retried. 401 and 402 are auth and credits errors whatever their type says.
 */
export function classifyErrorResponse(
  status: number,
  rawBody: string,
): { definition: ErrorDefinition; retryClass: RetryClass; apiType?: string; apiMessage?: string } {
  let apiType: string | undefined;
  let apiMessage: string | undefined;
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(rawBody));
    if (parsed.success) ({ type: apiType, message: apiMessage } = parsed.data.error);
  } catch {
    // Not JSON: the status alone decides.
  }
  const byType = apiType !== undefined ? DEFINITION_BY_TYPE[apiType] : undefined;
  const definition = status === 401 || status === 402 ? definitionForStatus(status) : (byType ?? definitionForStatus(status));
  let retryClass: RetryClass = 'never';
  if (definition === AuthFailed || definition === InsufficientCredits) retryClass = 'never';
  else if (status === 429 || status === 502 || status === 503) retryClass = 'free';
  else if (status >= 500) retryClass = 'billed';
  return { definition, retryClass, ...(apiType && { apiType }), ...(apiMessage && { apiMessage }) };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A `b64_json` image's bytes, or undefined when it is not base64. */
export function decodeBase64(value: string): Uint8Array | undefined {
  const compact = value.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

export function toUsage(usage: {
  input_tokens?: number | undefined;
  output_tokens?: number | undefined;
  total_tokens?: number | undefined;
}): Usage {
  const inputTokens = usage.input_tokens ?? 0;
  const outputTokens = usage.output_tokens ?? 0;
  return { inputTokens, outputTokens, totalTokens: usage.total_tokens ?? inputTokens + outputTokens };
}
