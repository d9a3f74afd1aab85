/** Shared by the HTTP tests: one POST to the generation endpoint, and PNG inspection. */
import sharp from 'sharp';
import type { TestServer } from '../src/index.ts';

export const MODEL = 'google/gemini-3.1-flash-image-preview';
/** Small long edges keep every test fast. */
export const SMALL = { '1K': 64, '2K': 96, '4K': 128 } as const;

export function post(server: TestServer, body: unknown, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
  const { key = server.apiKey, headers, ...rest } = init;
  return fetch(`${server.baseUrl}/images/generations`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...(headers as Record<string, string> | undefined),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...rest,
  });
}

export interface SuccessBody {
  created: number;
  data: Array<{ b64_json?: string; url?: string }>;
  usage: { input_tokens: number; output_tokens: number; total_tokens: number };
  credit: number;
}

export async function generateOk(server: TestServer, body: Record<string, unknown>): Promise<SuccessBody> {
  const res = await post(server, { model: MODEL, prompt: 'a red fox', ...body });
  if (res.status !== 200) throw new Error(`Expected 200, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as SuccessBody;
}

export function b64(item: { b64_json?: string } | undefined): Buffer {
  if (typeof item?.b64_json !== 'string') throw new Error(`No b64_json in ${JSON.stringify(item)}`);
  return Buffer.from(item.b64_json, 'base64');
}

export async function pngSize(
  bytes: Buffer,
): Promise<{ format: string | undefined; width: number | undefined; height: number | undefined }> {
  const { format, width, height } = await sharp(bytes).metadata();
  return { format, width, height };
}

export async function errorOf(res: Response): Promise<{ status: number; type: string; message: string }> {
  const body = (await res.json()) as { error: { type: string; message: string } };
  return { status: res.status, type: body.error.type, message: body.error.message };
}

export async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('Condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
