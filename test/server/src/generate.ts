/**
 * The body of a successful generation: n images, as base64 or as signed download links, with
 * the modifying faults (`fewerImages`, `invalidBase64`, `notImage`, the download faults) applied.
 */
import { crc32 } from 'node:zlib';
import type { Fault } from './faults.ts';
import type { FileContent, FileStore } from './files.ts';
import { dimensions, pixelSeed, renderPng, type LongEdges } from './images.ts';
import type { ImageRequest } from './server.ts';
import type { GenerationRequest } from './validate.ts';

export interface GenerationContext {
  longEdges: LongEdges;
  /** Makes each image instead of `renderPng` (`TestServerOptions.image`). */
  image: ((request: ImageRequest) => Promise<Uint8Array> | Uint8Array) | undefined;
  creditPerImage: number;
  files: FileStore;
  /** `http://127.0.0.1:PORT`, the origin download links point to. */
  origin: string;
}

export interface GenerationBody {
  created: number;
  data: Array<{ b64_json: string } | { url: string }>;
  usage: { input_tokens: number; output_tokens: number; total_tokens: number };
  credit: number;
}

export interface Generation {
  body: GenerationBody;
  /** Real PNGs in the answer: what `generatedImages` counts once it is sent. */
  images: number;
}

/** Rough token counts in the shape of the hosted API: text tokens, reference images, output images. */
const TOKENS_PER_INPUT_IMAGE = 258;
const TOKENS_PER_OUTPUT_IMAGE = 1290;

export const NOT_BASE64 = '***this is not base64!***';
export const NOT_AN_IMAGE = Buffer.from('This is plain text, not the bytes of an image.\n');

type Item = { png: Buffer } | { bytes: Buffer } | { invalidBase64: true } | { file: FileContent };

async function makeItem(request: GenerationRequest, index: number, fault: Fault | undefined, ctx: GenerationContext) {
  const url = request.response_format === 'url';
  if (fault?.kind === 'invalidBase64') return { invalidBase64: true } as const;
  if (fault?.kind === 'notImage') return { bytes: NOT_AN_IMAGE };
  if (url && fault?.kind === 'oversizedDownload') {
    return { file: { kind: 'garbage', bytes: fault.bytes, chunked: fault.chunked ?? false } } as const;
  }
  if (url && fault?.kind === 'downloadFails') return { file: { kind: 'status', status: fault.status } } as const;
  const { width, height } = dimensions(request.aspect_ratio, ctx.longEdges[request.image_size]);
  const png = ctx.image
    ? Buffer.from(await ctx.image({ model: request.model, prompt: request.prompt, seed: request.seed, index, width, height }))
    : await renderPng(pixelSeed({ model: request.model, prompt: request.prompt, seed: request.seed, index }), width, height);
  return { png: fault?.kind === 'largeImage' ? withPaddingChunk(png, fault.bytes) : png };
}

/** `png` with a private ancillary chunk (`prVt`) of `bytes` zero bytes before IEND: decoders skip it. */
function withPaddingChunk(png: Buffer, bytes: number): Buffer {
  const iend = png.length - 12;
  const chunk = Buffer.alloc(12 + bytes);
  chunk.writeUInt32BE(bytes, 0);
  chunk.write('prVt', 4, 'latin1');
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + bytes)), 8 + bytes);
  return Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]);
}

function toData(item: Item, format: GenerationRequest['response_format'], ctx: GenerationContext) {
  if ('invalidBase64' in item) return { b64_json: NOT_BASE64 };
  const bytes = 'png' in item ? item.png : 'bytes' in item ? item.bytes : undefined;
  if (format === 'b64_json' && bytes) return { b64_json: bytes.toString('base64') };
  const content: FileContent = bytes ? { kind: 'bytes', bytes, contentType: 'image/png' } : (item as { file: FileContent }).file;
  return { url: ctx.origin + ctx.files.add(content) };
}

export async function generate(request: GenerationRequest, fault: Fault | undefined, ctx: GenerationContext): Promise<Generation> {
  const count = fault?.kind === 'fewerImages' ? request.n - 1 : request.n;
  const items: Item[] = await Promise.all(Array.from({ length: count }, (_, index) => makeItem(request, index, fault, ctx)));
  const inputTokens = Math.ceil(request.prompt.length / 4) + TOKENS_PER_INPUT_IMAGE * request.image.length;
  const outputTokens = TOKENS_PER_OUTPUT_IMAGE * request.n;
  return {
    body: {
      created: Math.floor(Date.now() / 1000),
      data: items.map((item) => toData(item, request.response_format, ctx)),
      usage: { input_tokens: inputTokens, output_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
      credit: ctx.creditPerImage * request.n,
    },
    images: items.filter((item) => 'png' in item).length,
  };
}
