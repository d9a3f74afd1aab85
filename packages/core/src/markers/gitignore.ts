/**
 * The site's `.gitignore` files as a filter on the scanned sources: what git does not keep is not
 * the site's (generated code, vendored copies, scratch folders), so it is not scanned by default.
 * The rules are read with `ignore`, the matcher ESLint and Prettier use, one instance per
 * `.gitignore`, each applied to the paths below its own folder as git applies it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** The name the scan lists beside the sources, so that one walk finds both. */
export const GITIGNORE = '.gitignore';

/**
 * A test for root-relative paths (forward slashes): true when a `.gitignore` at the root or in a
 * folder above the path excludes it. `gitignores` are root-relative paths of `.gitignore` files;
 * only those at or under the root count (the root is the site, whatever repository holds it).
 */
export function gitignoreFilter(root: string, gitignores: readonly string[]): (file: string) => boolean {
  const rules: { folder: string; matcher: Ignore }[] = [];
  for (const file of gitignores) {
    const text = readText(path.join(root, file));
    if (text === undefined) continue;
    const folder = path.posix.dirname(file);
    rules.push({ folder: folder === '.' ? '' : `${folder}/`, matcher: ignore().add(text) });
  }
  if (rules.length === 0) return () => false;
  return (file) => rules.some(({ folder, matcher }) => file.startsWith(folder) && matcher.ignores(file.slice(folder.length)));
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // Gone since it was listed, or unreadable: it excludes nothing, as for git.
    return undefined;
  }
}
