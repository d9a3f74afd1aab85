import { realpathSync } from 'node:fs';
import path from 'node:path';
import { GenImageError, InvalidOptions } from '../errors.ts';
import type { ResolvedConfig } from './config.ts';

/**
 * The cache folder `config.cacheDir` names. Outside the root (after following links) it needs
 * `cacheDirOutsideRoot`: such a folder is not committed with the project, and generate and prune
 * would write and delete there. The root itself, or a folder containing it, is always refused:
 * prune would look at the whole project.
 * @throws GenImageError(InvalidOptions) saying where it resolved to and how to opt in.
 */
export function resolveCacheDir(root: string, config: ResolvedConfig): string {
  const dir = path.resolve(root, config.cacheDir);
  const real = { root: realPath(root), dir: realPath(dir) };
  const where = `\`cacheDir: ${JSON.stringify(config.cacheDir)}\` resolves to ${dir}${real.dir === dir ? '' : ` (${real.dir} once links are followed)`}`;
  if (contains(dir, root) || contains(real.dir, real.root)) {
    throw new GenImageError(
      InvalidOptions,
      `${where}, which is the project root ${root} or contains it. Cache entries need a folder of their own: prune would look at the whole project.`,
      {
        hint: 'Use a folder inside the project, such as ".genimage" (the default).',
      },
    );
  }
  if (!config.cacheDirOutsideRoot && (!contains(root, dir) || !contains(real.root, real.dir))) {
    throw new GenImageError(
      InvalidOptions,
      `${where}, outside the project root ${root}. A cache there is not committed with the project, and generate and prune would write and delete outside it.`,
      {
        hint: 'Set `cacheDirOutsideRoot: true` to keep the cache outside the project on purpose, or choose a folder inside it.',
      },
    );
  }
  return dir;
}

/** Whether `inner` is `outer` or lies below it. */
function contains(outer: string, inner: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative));
}

/** `target` with links followed, as far as it exists: the part that does not exist yet is appended as written. */
function realPath(target: string): string {
  const missing: string[] = [];
  for (let at = target; ; at = path.dirname(at)) {
    try {
      return path.join(realpathSync(at), ...missing.reverse());
    } catch {
      if (path.dirname(at) === at) return target;
      missing.push(path.basename(at));
    }
  }
}
