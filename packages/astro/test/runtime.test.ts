import { afterEach, describe, expect, it } from 'vitest';
import { genimageRuntime } from '../components/runtime.ts';

const KEY = Symbol.for('genimage');
const globals = globalThis as Record<symbol, unknown>;

afterEach(() => {
  delete globals[KEY];
});

describe('genimageRuntime', () => {
  it('returns the runtime the Vite plugin registered', () => {
    const runtime = { render: async () => '<picture></picture>' };
    globals[KEY] = runtime;
    expect(genimageRuntime({ dev: false, prerendered: true })).toBe(runtime);
  });

  it('says the integration is missing when a prerendered page finds no runtime', () => {
    expect(() => genimageRuntime({ dev: false, prerendered: true })).toThrow('add genimage() from @genimage/astro to `integrations`');
  });

  it('says so in dev too', () => {
    expect(() => genimageRuntime({ dev: true, prerendered: false })).toThrow('add genimage() from @genimage/astro to `integrations`');
  });

  it('tells an on-demand page to prerender instead', () => {
    expect(() => genimageRuntime({ dev: false, prerendered: false })).toThrow('Prerender this page (`export const prerender = true`)');
  });
});
