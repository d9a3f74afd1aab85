/**
 * Where a command run without `--root` finds its project: the nearest folder, from the working
 * directory up, that holds a framework config, a genimage config or a package.json, as npm and
 * the frameworks find theirs. Run from `src/` it still checks the whole site; run from a folder
 * above several projects it refuses rather than scan them all as one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE_NAMES } from '@genimage/core';
import { FRAMEWORK_CONFIG_FILES } from './framework-config.ts';

/** A folder holding one of these is a project root. */
export const PROJECT_FILES: readonly string[] = [
  ...FRAMEWORK_CONFIG_FILES.astro,
  ...FRAMEWORK_CONFIG_FILES.vite,
  ...CONFIG_FILE_NAMES,
  'package.json',
];

/** The nearest project root at or above `from`, or undefined when no folder up to the file system's root is one. */
export function findProjectRoot(from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (PROJECT_FILES.some((name) => existsSync(path.join(dir, name)))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}
