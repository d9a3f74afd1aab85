import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCI, mergeConfig, resolveConfig, resolveEncoder, resolveFrozen } from '../../src/config/config.ts';
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
      layout: 'none',
      fit: 'cover',
      position: 'center',
      breakpoints: [640, 750, 828, 1080, 1280, 1668, 2048, 2560],
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

describe('duration options', () => {
  // Past 2^31 - 1 ms, Node fires a timer after 1 ms: a request would be aborted as soon as sent.
  it.each([
    ['timeout', { timeout: 3_000_000_000 }, 1],
    ['retries.baseDelayMs', { retries: { baseDelayMs: 2 ** 31 } }, 0],
    ['retries.maxDelayMs', { retries: { maxDelayMs: 1e12 } }, 0],
    ['retries.maxRetryAfterMs', { retries: { maxRetryAfterMs: 86_400_001 } }, 0],
    ['retries.maxRateLimitedMs', { retries: { maxRateLimitedMs: 1e10 } }, 0],
    ['remote.leaseMs', { remote: { url: 's3://bucket', leaseMs: 1e10 } }, 1000],
    ['remote.timeoutMs', { remote: { url: 's3://bucket', timeoutMs: 3_000_000_000, leaseMs: 86_400_000 } }, 1],
  ])('%s past a day is refused, naming the option and the range', (name, options, min) => {
    expect(messageOf(() => resolveConfig(options))).toContain(`${name}: must be an integer from ${min} to 86400000 ms (a day)`);
  });

  it('accepts a day', () => {
    expect(resolveConfig({ timeout: 86_400_000, remote: { url: 's3://bucket', leaseMs: 86_400_000 } })).toMatchObject({
      timeout: 86_400_000,
      remote: { leaseMs: 86_400_000 },
    });
  });
});

describe('the remote option', () => {
  it.each([
    ['s3://bucket/../other/x', 'a ".." segment'],
    ['s3://bucket/team/./x', 'a "." segment'],
    ['s3://bucket/team//x', 'an empty segment ("//")'],
    ['s3://bucket/team/..', 'a ".." segment'],
  ])('refuses the url %s, whose prefix the service could read as another folder', (url, what) => {
    expect(messageOf(() => resolveConfig({ remote: { url } }))).toContain(`remote.url: its prefix may not have ${what}, got "${url}"`);
  });

  it('accepts a prefix with or without its trailing slash, and dots inside names', () => {
    for (const url of ['s3://bucket', 's3://bucket/', 's3://bucket/team/site-1.2/', 's3://bucket/..team/x..'])
      expect(resolveConfig({ remote: { url } }).remote?.url).toBe(url);
  });

  it.each([
    ['http://user:password@127.0.0.1:9000', 'http://127.0.0.1:9000 is given with a user name or password'],
    ['https://AKIA:secret@s3.example.com', 'https://s3.example.com is given with a user name or password'],
    ['http://192.0.2.1:9000', 'http://192.0.2.1:9000 is plain http to another machine'],
    ['http://evil.localhost:9000', 'http://evil.localhost:9000 is plain http to another machine'],
    ['ftp://127.0.0.1', '"ftp://127.0.0.1" is not an http(s) URL'],
  ])('refuses the endpoint %s, naming the option and what is allowed', (endpoint, problem) => {
    const message = messageOf(() => resolveConfig({ remote: { url: 's3://bucket', endpoint } }));
    expect(message).toContain(`remote.endpoint: ${problem}`);
    expect(message).toContain('use https://, or http:// only to 127.0.0.1, [::1] or localhost (this machine), without user:password@');
    expect(message).not.toMatch(/user:password@127|AKIA:secret/);
  });

  it('accepts https anywhere and plain http to this machine', () => {
    for (const endpoint of [
      'https://account.r2.cloudflarestorage.com',
      'http://127.0.0.1:9000',
      'http://localhost:9000',
      'http://[::1]:9000',
    ])
      expect(resolveConfig({ remote: { url: 's3://bucket', endpoint } }).remote?.endpoint).toBe(endpoint);
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

describe('resolveEncoder', () => {
  it('encodes in a child process unless GENIMAGE_ENCODER=inline', () => {
    expect(resolveEncoder({})).toBe('process');
    expect(resolveEncoder({ GENIMAGE_ENCODER: '' })).toBe('process');
    expect(resolveEncoder({ GENIMAGE_ENCODER: 'process' })).toBe('process');
    expect(resolveEncoder({ GENIMAGE_ENCODER: 'inline' })).toBe('inline');
  });

  it('refuses another value, naming the variable and what it takes', () => {
    expect(() => resolveEncoder({ GENIMAGE_ENCODER: 'worker' })).toThrow(
      expect.objectContaining({ code: 'InvalidOptions', message: 'GENIMAGE_ENCODER must be "process" or "inline", got "worker".' }),
    );
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
