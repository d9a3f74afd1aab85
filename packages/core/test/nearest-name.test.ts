import { describe, expect, it } from 'vitest';
import { editDistance, nearest } from '../src/nearest-name.ts';

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
