import { describe, expect, test } from 'vitest';
import type { CacheStatus } from '../../src/engine.ts';
import { planGeneration } from '../../src/reports/plan.ts';
import { useOf } from '../fixtures/uses.ts';

const fox = useOf({ prompt: 'a red fox', n: 1 }).request;
const lake = useOf({ prompt: 'a mountain lake', n: 2 }).request;
const owl = useOf({ prompt: 'an owl', n: 3 }).request;

function statuses(entries: [string, CacheStatus][]): Map<string, CacheStatus> {
  return new Map(entries);
}

describe('planGeneration', () => {
  test('generates what is missing or corrupt, and counts images by n', () => {
    const plan = planGeneration(
      [fox, lake, owl],
      statuses([
        [fox.key, 'cached'],
        [lake.key, 'missing'],
        [owl.key, 'corrupt'],
      ]),
      {
        provider: 'shark',
        estimatedCreditsPerImage: 10,
      },
    );
    expect(plan.toGenerate).toEqual([lake, owl]);
    expect(plan.items.map((item) => item.status)).toEqual(['cached', 'missing', 'corrupt']);
    expect(plan.images).toBe(5);
    expect(plan.estimatedCredits).toBe(50);
  });

  test('a request without a status counts as missing', () => {
    const plan = planGeneration([fox], new Map(), { provider: 'shark', estimatedCreditsPerImage: 4 });
    expect(plan.toGenerate).toEqual([fox]);
    expect(plan.estimatedCredits).toBe(4);
  });

  test('local placeholders cost nothing', () => {
    const plan = planGeneration([fox, lake], new Map(), { provider: 'local', estimatedCreditsPerImage: 10 });
    expect(plan.images).toBe(3);
    expect(plan.creditsPerImage).toBe(0);
    expect(plan.estimatedCredits).toBe(0);
  });

  test('nothing to do when everything is cached', () => {
    const plan = planGeneration([fox], statuses([[fox.key, 'cached']]), { provider: 'shark', estimatedCreditsPerImage: 10 });
    expect(plan).toMatchObject({ toGenerate: [], images: 0, estimatedCredits: 0 });
  });
});
