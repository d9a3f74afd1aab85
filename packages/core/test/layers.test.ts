/**
 * The parts of core form layers: a module imports only its own part and the parts below it. The
 * shared vocabulary sits at the bottom, the review loop at the top (over the reports and the
 * source rewriting), and nothing but index.ts imports it. Core imports no framework. See README.md, "Developing".
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Bottom to top. A part is a folder (`cache/`) or a top-level module (`engine.ts`). */
const LAYERS: readonly (readonly string[])[] = [
  ['vocabulary'],
  ['markers', 'config', 'cache'],
  ['generate'],
  ['engine'],
  ['render'],
  ['rewrite', 'reports'],
  ['review'],
  ['index'],
];
const VOCABULARY = new Set([
  'attributes.ts',
  'errors.ts',
  'diagnostics.ts',
  'html.ts',
  'secrets.ts',
  'logger.ts',
  'terminal-text.ts',
  'hash.ts',
  'params.ts',
  'dimensions.ts',
  'sharp.ts',
  'capped-body.ts',
  'nearest-name.ts',
  'secure-url.ts',
]);
const FRAMEWORKS = /^(vite|astro|@astrojs\/|react|vue|svelte)(\/|$)/;

function partOf(file: string): string {
  const [first, ...rest] = file.split('/');
  if (rest.length > 0) return first!;
  if (VOCABULARY.has(first!)) return 'vocabulary';
  return first!.replace(/\.ts$/, '');
}

function rankOf(part: string): number {
  const rank = LAYERS.findIndex((layer) => layer.includes(part));
  if (rank < 0) throw new Error(`${part} is in no layer: add it to LAYERS`);
  return rank;
}

function specifiers(source: string): string[] {
  const found = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)];
  return found.map((match) => match[1] ?? match[2]!);
}

/** Every import that goes up a layer or sideways into another part, and every framework import. */
function violations(sources: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [file, source] of sources) {
    const from = partOf(file);
    for (const specifier of specifiers(source)) {
      if (!specifier.startsWith('.')) {
        if (FRAMEWORKS.test(specifier)) found.push(`${file} imports the framework "${specifier}"`);
        continue;
      }
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      const to = partOf(target);
      if (to === from || rankOf(to) < rankOf(from)) continue;
      found.push(`${file} (${from}) imports ${target} (${to}), which is ${rankOf(to) === rankOf(from) ? 'beside' : 'above'} it`);
    }
  }
  return found;
}

function readTree(dir: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = `${prefix}${entry.name}`;
    if (entry.isDirectory()) for (const [name, text] of readTree(path.join(dir, entry.name), `${relative}/`)) files.set(name, text);
    else if (entry.name.endsWith('.ts')) files.set(relative, readFileSync(path.join(dir, entry.name), 'utf8'));
  }
  return files;
}

describe('core layers', () => {
  it('every import in packages/core/src goes down a layer or stays in its part', () => {
    const tree = readTree(SRC);
    expect(tree.size).toBeGreaterThan(40);
    expect(violations(tree)).toEqual([]);
  });

  it('flags an import going up a layer', () => {
    const tree = new Map([['cache/store.ts', "import type { Provider } from '../generate/providers/provider.ts';"]]);
    expect(violations(tree)).toEqual(['cache/store.ts (cache) imports generate/providers/provider.ts (generate), which is above it']);
  });

  it('flags an import into a part beside it, and one of the reports from below index.ts', () => {
    const tree = new Map([
      ['markers/scan.ts', "import { isCI } from '../config/config.ts';"],
      ['rewrite/html.ts', "export { prune } from '../reports/prune.ts';"],
      ['engine.ts', "const gallery = await import('./reports/gallery.ts');"],
    ]);
    expect(violations(tree)).toEqual([
      'markers/scan.ts (markers) imports config/config.ts (config), which is beside it',
      'rewrite/html.ts (rewrite) imports reports/prune.ts (reports), which is beside it',
      'engine.ts (engine) imports reports/gallery.ts (reports), which is above it',
    ]);
  });

  it('flags a framework import and a module in no layer', () => {
    expect(violations(new Map([['render/picture.ts', "import type { Plugin } from 'vite';"]]))).toEqual([
      'render/picture.ts imports the framework "vite"',
    ]);
    expect(() => violations(new Map([['stray.ts', "import { x } from './errors.ts';"]]))).toThrow('stray is in no layer');
  });
});
