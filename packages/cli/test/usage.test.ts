import { describe, expect, it } from 'vitest';
import { flagNames, isKnownFlag, typedFlags } from '../src/usage.ts';

describe('typedFlags', () => {
  it('keeps flags as typed, without values, up to --', () => {
    expect(typedFlags(['scan', '--dry-run', '--root=site', '--config', 'a.json', '-hv', '-', '--', '--after'])).toEqual([
      '--dry-run',
      '--root',
      '--config',
      '-hv',
    ]);
  });

  it('a negative number is a value, not a flag', () => {
    expect(typedFlags(['generate', '--concurrency', '-1'])).toEqual(['--concurrency']);
  });
});

describe('flagNames and isKnownFlag', () => {
  it('reads the names out of an option declaration', () => {
    expect(flagNames('-h, --help')).toEqual(['-h', '--help']);
    expect(flagNames('--concurrency <n>')).toEqual(['--concurrency']);
    expect(flagNames('--no-framework-config')).toEqual(['--no-framework-config']);
  });

  it('accepts grouped short flags only when each is known', () => {
    const known = ['-h', '--help', '-v', '--version', '--json'];
    expect(isKnownFlag('-hv', known)).toBe(true);
    expect(isKnownFlag('-json', known)).toBe(false);
    expect(isKnownFlag('--jsn', known)).toBe(false);
    expect(isKnownFlag('-x', known)).toBe(false);
  });
});
