import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCI, mergeConfig, resolveConfig, resolveFrozen } from '../../src/config/config.ts';
import { findConfigFile, loadConfigFile } from '../../src/config/config-file.ts';
import { GenImageError } from '../../src/errors.ts';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GenImageError);
    return (error as GenImageError).message;
  }
  throw new Error('expected an error');
}

describe('resolveConfig', () => {
  it('applies the documented defaults', () => {
    const config = resolveConfig({});
    expect(config).toMatchObject({ cacheDir: '.genimage', provider: 'auto', concurrency: 4, timeout: 300_000, exclude: [], presets: {} });
    expect(config.render).toEqual({
      widths: [480, 960, 1440],
      formats: ['avif', 'webp'],
      fallbackFormat: 'jpeg',
      quality: 70,
      avifEffort: 2,
    });
  });

  it('names an unknown option', () => {
    expect(messageOf(() => resolveConfig({ concurency: 3, render: { width: 1 } }, 'genimage.config.json'))).toBe(
      'genimage.config.json:\n  render.width: unknown option\n  concurency: unknown option',
    );
  });

  it('names a nested option and lists what is allowed', () => {
    expect(messageOf(() => resolveConfig({ defaults: { aspectRatio: '7:3' } }))).toContain(
      'defaults.aspectRatio: must be one of "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"',
    );
  });

  it('reports every invalid option at once', () => {
    const message = messageOf(() => resolveConfig({ concurrency: 0, provider: 'openai', budget: { maxImages: -1 } }));
    expect(message).toContain('concurrency: must be 1 or more');
    expect(message).toContain('provider: must be one of "auto", "shark", "local"');
    expect(message).toContain('budget.maxImages: must be 0 or more');
  });

  it('rejects preset names that cannot be written in an attribute', () => {
    expect(messageOf(() => resolveConfig({ presets: { 'water color': { prompt: 'x' } } }))).toContain('presets.water color');
  });
});

describe('mergeConfig', () => {
  it('lets later layers win, merging objects one level deep', () => {
    expect(mergeConfig({ concurrency: 2, budget: { maxImages: 5 } }, { budget: { maxCredits: 50 }, concurrency: undefined })).toEqual({
      concurrency: 2,
      budget: { maxImages: 5, maxCredits: 50 },
    });
  });
});

describe('resolveFrozen', () => {
  it.each([
    [{ env: {} }, false],
    [{ env: { CI: 'true' } }, true],
    [{ env: { CI: '1' } }, true],
    [{ env: { CI: 'false' } }, false],
    [{ env: { CI: 'true', GENIMAGE_FROZEN: '0' } }, false],
    [{ env: { GENIMAGE_FROZEN: '1' } }, true],
    [{ env: {}, config: true }, true],
    [{ env: { CI: 'true' }, config: false }, true],
    [{ env: { CI: 'true', GENIMAGE_FROZEN: '0' }, config: true }, false],
    [{ env: { GENIMAGE_FROZEN: '0' }, flag: true }, true],
  ])('%j -> %s', (input, expected) => {
    expect(resolveFrozen(input)).toBe(expected);
  });

  it('reads CI like CI providers set it', () => {
    expect(isCI({ CI: 'true' })).toBe(true);
    expect(isCI({ CI: '' })).toBe(false);
  });
});

describe('config files', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'genimage-config-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('finds genimage.config.ts before .mjs and .json', async () => {
    await writeFile(path.join(root, 'genimage.config.json'), '{}');
    await writeFile(path.join(root, 'genimage.config.ts'), 'export default {};');
    expect(await findConfigFile(root)).toBe(path.join(root, 'genimage.config.ts'));
  });

  it('loads a TypeScript config with its types stripped', async () => {
    const file = path.join(root, 'genimage.config.ts');
    await writeFile(file, "const concurrency: number = 2;\nexport default { concurrency, presets: { ink: { prompt: 'ink drawing' } } };\n");
    expect(await loadConfigFile(file)).toEqual({ concurrency: 2, presets: { ink: { prompt: 'ink drawing' } } });
  });

  it('loads JSON', async () => {
    const file = path.join(root, 'genimage.config.json');
    await writeFile(file, '{ "cacheDir": "images-cache" }');
    expect(await loadConfigFile(file)).toEqual({ cacheDir: 'images-cache' });
  });

  it('names the file and the option when the file is invalid', async () => {
    const file = path.join(root, 'genimage.config.json');
    await writeFile(file, '{ "timeout": "soon" }');
    await expect(loadConfigFile(file)).rejects.toThrow(`${file}:\n  timeout:`);
  });

  it('says when the file cannot be parsed', async () => {
    const file = path.join(root, 'genimage.config.json');
    await writeFile(file, '{ nope');
    await expect(loadConfigFile(file)).rejects.toThrow(`Could not load ${file}`);
  });

  it('says when a module has no default export', async () => {
    const file = path.join(root, 'genimage.config.mjs');
    await writeFile(file, 'export const options = {};');
    await expect(loadConfigFile(file)).rejects.toThrow('has no default export');
  });
});
