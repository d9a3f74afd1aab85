import { escapeXml } from '../../html.ts';
import { loadSharp } from '../../sharp.ts';
import { dimensionsFor, LONG_EDGE } from '../../dimensions.ts';
import { Aborted, GenImageError } from '../../errors.ts';
import { sha256Hex } from '../../hash.ts';
import type { ImageSize } from '../../params.ts';
import type { GenerateOptions, GeneratedImage, GenerationResult, Provider, ProviderJob } from './provider.ts';

export interface LocalProviderOptions {
  /**
   * Long edge in pixels per size class, to render smaller placeholders (tests, demos). Classes
   * left out keep the API's size.
   * @default { "1K": 1024, "2K": 2048, "4K": 4096 }
   * @example new LocalProvider({ longEdge: { '2K': 512, '4K': 512 } })
   */
  longEdge?: Partial<Record<ImageSize, number>>;
}

/**
 * The offline provider: renders a PNG placeholder of the requested aspect ratio and size, with
 * the prompt written on it, so a site can be built without an API key and without cost.
 *
 * Deterministic: the same job always gives the same bytes (on one machine: the text is drawn
 * with the fonts fontconfig finds). Colours and shapes derive from a sha256 of the model,
 * prompt, seed, image index and the references' hashes. Seed -1, which asks the API for a random
 * seed, gives a fixed placeholder too: a placeholder has no reason to vary between builds.
 */
export class LocalProvider implements Provider {
  readonly id = 'local';
  readonly #longEdge: Record<ImageSize, number>;

  constructor(options: LocalProviderOptions = {}) {
    this.#longEdge = { ...LONG_EDGE, ...options.longEdge };
    for (const [size, edge] of Object.entries(this.#longEdge)) {
      if (!Number.isInteger(edge) || edge < 16) {
        throw new TypeError(`Expected \`longEdge["${size}"]\` to be an integer from 16 and up, got ${String(edge)}`);
      }
    }
  }

  async generate(job: ProviderJob, options: GenerateOptions = {}): Promise<GenerationResult> {
    const { params } = job;
    const { width, height } = dimensionsFor(params.aspectRatio, params.imageSize, this.#longEdge[params.imageSize]);
    const images: GeneratedImage[] = [];
    for (let index = 0; index < params.n; index++) {
      throwIfAborted(options.signal);
      const identity = [params.model, params.prompt, params.seed, index, job.references.map((r) => r.sha256)];
      const digest = Buffer.from(sha256Hex(JSON.stringify(identity)), 'hex');
      const svg = placeholderSvg({
        width,
        height,
        digest,
        prompt: params.prompt,
        footer: `seed ${params.seed} · ${params.aspectRatio} · ${params.imageSize} · image ${index + 1}/${params.n}`,
      });
      const sharp = await loadSharp();
      const png = await sharp(Buffer.from(svg)).png({ compressionLevel: 6 }).toBuffer();
      images.push({ bytes: new Uint8Array(png), format: 'png', width, height });
    }
    throwIfAborted(options.signal);
    return { images, usage: undefined, credit: 0, attempts: 1, possiblyBilledAttempts: 0 };
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new GenImageError(Aborted, 'the local placeholder rendering was cancelled', { cause: signal.reason });
  }
}

/** A placeholder shows the gist of the prompt, not all of it. */
const MAX_PROMPT_LINES = 6;

interface PlaceholderInput {
  width: number;
  height: number;
  /** 32 bytes that pick the colours and shapes. */
  digest: Uint8Array;
  prompt: string;
  footer: string;
}

/** The placeholder as SVG (pure, exported for tests): a gradient, two shapes, the label, the prompt. */
export function placeholderSvg({ width, height, digest, prompt, footer }: PlaceholderInput): string {
  const byte = (i: number): number => digest[i % digest.length] ?? 0;
  const unit = (i: number): number => byte(i) / 255;
  const short = Math.min(width, height);

  const hue = (byte(0) * 256 + byte(1)) % 360;
  const hue2 = (hue + 40 + Math.round(unit(2) * 140)) % 360;
  const from = hslToHex(hue, 0.55 + unit(3) * 0.3, 0.38 + unit(4) * 0.14);
  const to = hslToHex(hue2, 0.55 + unit(5) * 0.3, 0.3 + unit(6) * 0.14);
  const accent = hslToHex((hue + 180) % 360, 0.7, 0.65);
  const angle = Math.round(unit(7) * 360);

  const circle = {
    cx: round(width * (0.1 + unit(8) * 0.8)),
    cy: round(height * (0.1 + unit(9) * 0.8)),
    r: round(short * (0.15 + unit(10) * 0.3)),
  };
  const square = {
    x: round(width * (0.1 + unit(11) * 0.6)),
    y: round(height * (0.1 + unit(12) * 0.6)),
    size: round(short * (0.2 + unit(13) * 0.3)),
    rotate: Math.round(unit(14) * 90),
  };

  // Text sizes follow the short edge; the bold label must also fit the width (11 glyphs ≈ 8.7 em).
  const labelSize = round(Math.min(width / 11, short * 0.16));
  const promptSize = round(Math.max(short * 0.042, 8));
  const footerSize = round(Math.max(short * 0.032, 7));
  const margin = round(short * 0.06);
  // DejaVu Sans / Liberation average about 0.55 em per glyph.
  const perLine = Math.max(8, Math.floor((width - 2 * margin) / (promptSize * 0.55)));
  const lineHeight = round(promptSize * 1.3);
  const labelY = round(height * 0.42);
  const promptTop = labelY + round(labelSize * 0.5) + lineHeight;
  const footerY = height - margin;
  const room = Math.floor((footerY - footerSize * 1.5 - promptTop) / lineHeight) + 1;
  const maxLines = Math.max(1, Math.min(MAX_PROMPT_LINES, room));
  const lines = wrap(prompt, perLine, maxLines);

  // A translucent band behind the label and prompt keeps the text legible on any colours.
  const bandTop = round(labelY - labelSize * 1.1);
  const bandBottom = round(promptTop + (lines.length - 1) * lineHeight + promptSize * 0.7);

  const promptText = lines
    .map((line, i) => `<tspan x="${width / 2}" y="${promptTop + i * lineHeight}">${escapeXml(line)}</tspan>`)
    .join('');

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<defs><linearGradient id="g" gradientTransform="rotate(${angle} 0.5 0.5)">`,
    `<stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs>`,
    `<rect width="${width}" height="${height}" fill="url(#g)"/>`,
    `<circle cx="${circle.cx}" cy="${circle.cy}" r="${circle.r}" fill="${accent}" fill-opacity="0.35"/>`,
    `<rect x="${square.x}" y="${square.y}" width="${square.size}" height="${square.size}" fill="none" stroke="#ffffff"`,
    ` stroke-opacity="0.45" stroke-width="${round(Math.max(short * 0.012, 1))}"`,
    ` transform="rotate(${square.rotate} ${square.x + square.size / 2} ${square.y + square.size / 2})"/>`,
    `<rect y="${bandTop}" width="${width}" height="${round(bandBottom - bandTop)}" fill="#000000" fill-opacity="0.22"/>`,
    `<g font-family="sans-serif" fill="#ffffff" text-anchor="middle">`,
    `<text x="${width / 2}" y="${labelY}" font-size="${labelSize}" font-weight="bold" letter-spacing="${round(labelSize * 0.04)}"`,
    ` stroke="#000000" stroke-opacity="0.25" stroke-width="${round(labelSize * 0.03)}">PLACEHOLDER</text>`,
    `<text font-size="${promptSize}">${promptText}</text>`,
    `<text x="${width / 2}" y="${footerY}" font-size="${footerSize}" fill-opacity="0.85">${escapeXml(footer)}</text>`,
    `</g></svg>`,
  ].join('');
}

/** Word-wraps `text` to lines of at most `perLine` characters, ending with "…" when cut. */
export function wrap(text: string, perLine: number, maxLines: number): string[] {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let current = '';
  for (let word of words) {
    while (word.length > perLine) {
      // A word longer than a line (a URL, a long compound) is split hard.
      if (current) lines.push(current);
      lines.push(word.slice(0, perLine));
      word = word.slice(perLine);
      current = '';
    }
    if (!current) current = word;
    else if (current.length + 1 + word.length <= perLine) current += ` ${word}`;
    else {
      lines.push(current);
      current = word;
    }
  }
  if (current) lines.push(current);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  const last = kept[maxLines - 1] ?? '';
  kept[maxLines - 1] = `${last.slice(0, Math.max(0, perLine - 1)).trimEnd()}…`;
  return kept;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function hslToHex(hue: number, saturation: number, lightness: number): string {
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number): string => {
    const k = (n + hue / 30) % 12;
    const value = lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}
