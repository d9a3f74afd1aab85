import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PIXELS, decodeLimits, loadSharp } from '../src/sharp.ts';
import { hugePng } from './render/fixtures/huge-png.ts';

describe('decodeLimits', () => {
  it('refuses an image above DEFAULT_MAX_PIXELS from its header, and decodes one at the limit', async () => {
    const sharp = await loadSharp();
    expect(DEFAULT_MAX_PIXELS).toBe(4096 * 4096 * 2);
    await expect(sharp(hugePng(8193, 4096), decodeLimits()).resize(16).toBuffer()).rejects.toThrow(/pixel limit/i);
    await expect(sharp(hugePng(8192, 4096), decodeLimits()).resize(16).toBuffer()).resolves.toBeInstanceOf(Buffer);
  });

  it('takes a lower limit where a caller sets one', async () => {
    const sharp = await loadSharp();
    await expect(
      sharp(hugePng(64, 64), decodeLimits(64 * 63))
        .resize(16)
        .toBuffer(),
    ).rejects.toThrow(/pixel limit/i);
  });
});
