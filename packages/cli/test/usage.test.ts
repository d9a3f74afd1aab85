import { describe, expect, it } from 'vitest';
import { editDistance, flagNames, isKnownFlag, nearest, typedFlags } from '../src/usage.ts';

describe('editDistance', () => {
  it.each([
    ['scan', 'scan', 0],
    ['scna', 'scan', 1], // a swap of two neighbours is one edit
    ['generat', 'generate', 1],
    ['SCAN', 'scan', 0],
    ['', 'plan', 4],
    ['build', 'check', 5],
  ])('%s → %s: %i', (from, to, distance) => {
    expect(editDistance(from, to)).toBe(distance);
  });
});

describe('nearest', () => {
  const COMMANDS = ['scan', 'plan', 'generate', 'check', 'prune', 'gallery', 'help'];

  it('suggests a close name, and nothing for a far one', () => {
    expect(nearest('pln', COMMANDS)).toBe('plan');
    expect(nearest('galery', COMMANDS)).toBe('gallery');
    expect(nearest('build', COMMANDS)).toBeUndefined();
    expect(nearest('x', COMMANDS)).toBeUndefined();
  });

  it('allows at most 2 edits, however long the name', () => {
    expect(nearest('--no-framwork-confg', ['--no-framework-config'])).toBe('--no-framework-config');
    expect(nearest('--no-frmwork-confg', ['--no-framework-config'])).toBeUndefined();
  });
});

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
