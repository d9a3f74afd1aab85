import { describe, expect, it } from 'vitest';
import { compareLocations, createDiagnostic, diagnosticToError, errorToDiagnostic, sortByLocation } from '../src/diagnostics.ts';
import { CacheCorrupt, GenImageError, InvalidAttribute, ReferenceNotFound, formatError } from '../src/errors.ts';

const at = (file: string, line: number, column: number) => ({ file, line, column });

describe('createDiagnostic', () => {
  it("takes the catalog's hint unless the situation gives one", () => {
    expect(createDiagnostic(CacheCorrupt, 'error', 'broken', at('a.astro', 1, 1)).hint).toBe(CacheCorrupt.hint);
    const own = createDiagnostic(InvalidAttribute, 'warning', 'odd', at('a.astro', 1, 1), { attribute: 'seed', hint: 'Write seed={1}.' });
    expect(own).toEqual({
      severity: 'warning',
      code: 'InvalidAttribute',
      message: 'odd',
      location: at('a.astro', 1, 1),
      attribute: 'seed',
      hint: 'Write seed={1}.',
    });
  });
});

describe('errorToDiagnostic and diagnosticToError', () => {
  it("keeps an error's own location, code and hint, else takes the marker's place", () => {
    const located = new GenImageError(ReferenceNotFound, 'no fox.png', { location: at('b.md', 3, 4), hint: 'Add it.' });
    expect(errorToDiagnostic(located, at('a.astro', 1, 1), 'reference')).toEqual({
      severity: 'error',
      code: 'ReferenceNotFound',
      message: 'no fox.png',
      location: at('b.md', 3, 4),
      attribute: 'reference',
      hint: 'Add it.',
    });
    expect(errorToDiagnostic(new GenImageError(ReferenceNotFound, 'gone'), at('a.astro', 2, 5)).location).toEqual(at('a.astro', 2, 5));
  });

  it('turns a diagnostic back into an error that formats with its location and hint', () => {
    const diagnostic = createDiagnostic(InvalidAttribute, 'error', 'seed is odd.', at('src/a.astro', 4, 2), { hint: 'Write seed={1}.' });
    expect(formatError(diagnosticToError(diagnostic))).toBe(
      `src/a.astro:4:2: ${InvalidAttribute.title}: seed is odd.\n  hint: Write seed={1}.`,
    );
  });
});

describe('compareLocations', () => {
  it('orders by file (by code unit, whatever the locale), then line, then column', () => {
    const places = [at('b.astro', 1, 1), at('a.astro', 2, 1), at('B.astro', 9, 9), at('a.astro', 1, 7), at('a.astro', 1, 2)];
    expect([...places].sort(compareLocations)).toEqual([
      at('B.astro', 9, 9),
      at('a.astro', 1, 2),
      at('a.astro', 1, 7),
      at('a.astro', 2, 1),
      at('b.astro', 1, 1),
    ]);
  });

  it('sortByLocation sorts anything located, in place', () => {
    const items = [{ location: at('z.md', 1, 1) }, { location: at('a.md', 5, 1) }];
    expect(sortByLocation(items)).toBe(items);
    expect(items.map((item) => item.location.file)).toEqual(['a.md', 'z.md']);
  });
});
