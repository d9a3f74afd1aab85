import { describe, expect, test } from 'vitest';
import { validateOptions } from '../src/options.ts';

describe('validateOptions', () => {
  test('returns the options as given, the config file apart', () => {
    expect(validateOptions({ provider: 'local', render: { widths: [320] }, configFile: false })).toEqual({
      config: { provider: 'local', render: { widths: [320] } },
      configFile: false,
    });
    expect(validateOptions(undefined)).toEqual({ config: {} });
  });

  test('rejects unknown and invalid options with one `option.path: message` line each', () => {
    let message = '';
    try {
      validateOptions({ provder: 'local', concurrency: 0, render: { formats: ['gif'] } } as never);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid options in genimage\(\) in the Astro config:\n/);
    expect(message).toMatch(/^ {2}.*(provder.*unknown option|unknown option.*provder)/m);
    expect(message).toContain('concurrency: must be 1 or more');
    expect(message).toMatch(/render\.formats\.0: must be one of "avif", "webp", "jpeg", "png"/);
  });
});
