import { describe, expect, it } from 'vitest';
import { ADAPTER_OPTIONS, findAdapterOptions, recordAdapterOptions } from '../../src/config/adapter-options.ts';

const astro = (options: object) => recordAdapterOptions({ name: '@genimage/astro', hooks: {} }, { adapter: '@genimage/astro', options });
const vite = (options: object) =>
  recordAdapterOptions({ name: 'genimage' }, { adapter: '@genimage/vite', options, configFile: false, root: 'site' });

describe('adapter options', () => {
  it('records the options on the adapter object without making them a visible property', () => {
    const integration = astro({ defaults: { aspectRatio: '16:9' } });
    expect(Object.keys(integration)).toEqual(['name', 'hooks']);
    expect((integration as Record<symbol, unknown>)[ADAPTER_OPTIONS]).toEqual({
      adapter: '@genimage/astro',
      options: { defaults: { aspectRatio: '16:9' } },
    });
  });

  it('finds the Astro integration among others, in nested arrays', async () => {
    const config = { integrations: [{ name: 'mdx' }, [null, false, [astro({ concurrency: 2 })]]] };
    expect(await findAdapterOptions(config, 'astro.config.mjs')).toEqual({ adapter: '@genimage/astro', options: { concurrency: 2 } });
  });

  it('finds the Vite plugin in plugins, behind a promise, or in Astro vite.plugins', async () => {
    expect(await findAdapterOptions({ plugins: [Promise.resolve([vite({ concurrency: 3 })])] }, 'vite.config.ts')).toEqual({
      adapter: '@genimage/vite',
      options: { concurrency: 3 },
      configFile: false,
      root: 'site',
    });
    expect((await findAdapterOptions({ vite: { plugins: [vite({})] } }, 'astro.config.mjs'))?.adapter).toBe('@genimage/vite');
  });

  it('finds nothing in a config without genimage', async () => {
    expect(await findAdapterOptions({ plugins: [{ name: 'react' }] }, 'vite.config.ts')).toBeUndefined();
    expect(await findAdapterOptions(undefined, 'vite.config.ts')).toBeUndefined();
  });

  it('refuses genimage registered twice, naming both', async () => {
    await expect(findAdapterOptions({ integrations: [astro({})], vite: { plugins: [vite({})] } }, 'astro.config.mjs')).rejects.toThrow(
      'astro.config.mjs registers genimage 2 times (@genimage/astro, @genimage/vite).',
    );
  });
});
