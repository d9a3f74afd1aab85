/**
 * The allowed values of the rendering attributes (widths, formats, quality, loading, ...), checked
 * in one place: the scan reports a bad literal at its file:line:col before anything is generated,
 * and the renderer refuses a bad prop (from an expression) with the very same words.
 */
import type { LiteralValue } from './literals.ts';

export const RENDER_FORMATS = ['avif', 'webp', 'jpeg', 'png'] as const;
export const PLACEHOLDER_KINDS = ['blur', 'color', 'none'] as const;

/** Attributes whose value is one of a few words. */
const CHOICES: Record<string, readonly string[]> = {
  placeholder: PLACEHOLDER_KINDS,
  loading: ['lazy', 'eager'],
  decoding: ['async', 'sync', 'auto'],
  fetchpriority: ['high', 'low', 'auto'],
};

/** `{[480, 960]}` or `"480, 960"`, as a list of trimmed items. */
export function listOf(value: LiteralValue): string[] {
  const items = Array.isArray(value) ? value : String(value).split(/[\s,]+/);
  return items.map((item) => String(item).trim()).filter(Boolean);
}

/**
 * What is wrong with a rendering attribute's value, with what is allowed; undefined when nothing
 * is (or when genimage does not read that attribute: it is passed through or ignored).
 */
export function renderValueProblem(name: string, value: LiteralValue): string | undefined {
  switch (name) {
    case 'alt':
      return typeof value === 'string' ? undefined : `alt=${JSON.stringify(value)} must be text: describe the image, or write alt="" for a decorative one.`;
    case 'widths': {
      const widths = listOf(value).map(Number);
      const valid = widths.length > 0 && widths.every((width) => Number.isInteger(width) && width >= 1);
      return valid ? undefined : `widths=${JSON.stringify(value)} must list positive integers, e.g. widths={[480, 960]}.`;
    }
    case 'formats': {
      const wrong = listOf(value).find((format) => !(RENDER_FORMATS as readonly string[]).includes(format));
      return wrong === undefined ? undefined : oneOfMessage('formats', wrong, RENDER_FORMATS);
    }
    case 'quality': {
      const quality = Number(value);
      return Number.isInteger(quality) && quality >= 1 && quality <= 100 && typeof value !== 'boolean'
        ? undefined
        : `quality=${JSON.stringify(value)} must be an integer from 1 to 100.`;
    }
    default: {
      const allowed = CHOICES[name];
      if (allowed === undefined) return undefined;
      return typeof value === 'string' && allowed.includes(value) ? undefined : oneOfMessage(name, value, allowed);
    }
  }
}

function oneOfMessage(name: string, value: LiteralValue, allowed: readonly string[]): string {
  return `${name}=${JSON.stringify(value)} is not one of ${allowed.join(', ')}.`;
}
