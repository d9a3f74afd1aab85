/**
 * Strict validation of a generation request body against the contract. Pure: no I/O.
 * Every message names the offending field, so a client test can assert on it.
 */
import {
  ASPECT_RATIOS,
  IMAGE_SIZES,
  MAX_IMAGES,
  MIN_IMAGES,
  PRODUCTION_MODEL,
  RESPONSE_FORMATS,
  TEST_MODEL_PREFIX,
  type AspectRatio,
  type ImageSize,
  type ResponseFormat,
} from './contract.ts';

/** A request with every default applied. */
export interface GenerationRequest {
  model: string;
  prompt: string;
  n: number;
  seed: number;
  image: string[];
  image_size: ImageSize;
  aspect_ratio: AspectRatio;
  response_format: ResponseFormat;
}

export type ValidationResult = { ok: true; request: GenerationRequest } | { ok: false; message: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATA_URL = /^data:image\/[a-z0-9.+-]+(?:;[a-z0-9-]+=[^;,]+)*;base64,(.*)$/is;

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}

/** JSON has no `undefined`: only a missing field gets the default; an explicit `null` is an error. */
function orDefault(value: unknown, fallback: unknown): unknown {
  return value === undefined ? fallback : value;
}

function oneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

/** Why a reference image entry is invalid, or undefined when it is a valid https or base64 data URL. */
function checkImage(entry: unknown): string | undefined {
  if (typeof entry !== 'string') return `to be a string, got ${describe(entry)}`;
  const data = DATA_URL.exec(entry);
  if (data) {
    const payload = data[1] ?? '';
    return payload !== '' && BASE64.test(payload) ? undefined : 'to carry valid base64 data';
  }
  if (entry.startsWith('data:')) return 'to be a base64 data URL of an image (data:image/...;base64,...)';
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return `to be an https URL or a base64 data URL, got ${describe(entry)}`;
  }
  return url.protocol === 'https:' ? undefined : `to be an https URL, got ${describe(entry)}`;
}

/** Validates a parsed JSON body. Unknown fields are ignored, as the hosted API does. */
export function validateRequest(body: unknown): ValidationResult {
  const fail = (message: string): ValidationResult => ({ ok: false, message });
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return fail(`Expected the request body to be a JSON object, got ${describe(body)}`);
  }
  const input = body as Record<string, unknown>;

  const { model, prompt } = input;
  if (typeof model !== 'string' || model === '') {
    return fail(`Expected \`model\` to be a non-empty string, got ${describe(model)}`);
  }
  if (model !== PRODUCTION_MODEL && !model.startsWith(TEST_MODEL_PREFIX)) {
    return fail(`Unknown \`model\` ${describe(model)}: expected ${PRODUCTION_MODEL}`);
  }
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    return fail(`Expected \`prompt\` to be a non-empty string, got ${describe(prompt)}`);
  }

  const n = orDefault(input['n'], 1);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < MIN_IMAGES || n > MAX_IMAGES) {
    return fail(`Expected \`n\` to be an integer from ${MIN_IMAGES} to ${MAX_IMAGES}, got ${describe(input['n'])}`);
  }
  const seed = orDefault(input['seed'], -1);
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < -1) {
    return fail(`Expected \`seed\` to be an integer from -1 (random) and up, got ${describe(input['seed'])}`);
  }

  const image = orDefault(input['image'], []);
  if (!Array.isArray(image)) {
    return fail(`Expected \`image\` to be an array of image URLs, got ${describe(image)}`);
  }
  for (const [index, entry] of image.entries()) {
    const problem = checkImage(entry);
    if (problem) return fail(`Expected \`image[${index}]\` ${problem}`);
  }

  const imageSize = orDefault(input['image_size'], '1K');
  if (!oneOf(IMAGE_SIZES, imageSize)) {
    return fail(`Expected \`image_size\` to be one of ${IMAGE_SIZES.join(', ')}, got ${describe(input['image_size'])}`);
  }
  const aspectRatio = orDefault(input['aspect_ratio'], '1:1');
  if (!oneOf(ASPECT_RATIOS, aspectRatio)) {
    return fail(`Expected \`aspect_ratio\` to be one of ${ASPECT_RATIOS.join(', ')}, got ${describe(input['aspect_ratio'])}`);
  }
  const responseFormat = orDefault(input['response_format'], 'b64_json');
  if (!oneOf(RESPONSE_FORMATS, responseFormat)) {
    return fail(`Expected \`response_format\` to be one of ${RESPONSE_FORMATS.join(', ')}, got ${describe(input['response_format'])}`);
  }

  return {
    ok: true,
    request: {
      model,
      prompt,
      n,
      seed,
      image: image as string[],
      image_size: imageSize,
      aspect_ratio: aspectRatio,
      response_format: responseFormat,
    },
  };
}
