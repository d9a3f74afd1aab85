import { lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../cache/atomic.ts';
import { GalleryLinked, GenImageError } from '../errors.ts';

/**
 * Writes the gallery page at `file`, never through a link: a prompt is text from anyone, and a
 * page written through a planted link (`genimage-gallery/` or its `index.html` pointing at
 * `~/.ssh/`) would put lines of it into another file. A linked folder between `root` and the file
 * (or the file's own folder, outside `root`) is refused; the file itself is written to a temp
 * file and renamed over, which replaces a link in its place rather than writing through it.
 */
export async function writeGalleryFile(root: string, file: string, html: string): Promise<void> {
  const folder = path.dirname(file);
  await refuseLinkedFolders(root, folder);
  await mkdir(folder, { recursive: true });
  await writeFileAtomic(file, html);
}

/** Each existing folder below `root` down to `folder` (`root` itself is the user's choice), or `folder` alone when it lies outside `root`. */
async function refuseLinkedFolders(root: string, folder: string): Promise<void> {
  const relative = path.relative(root, folder);
  const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  const parts = relative === '' ? [] : relative.split(path.sep);
  const folders = outside ? [folder] : parts.map((_, index) => path.join(root, ...parts.slice(0, index + 1)));
  for (const candidate of folders) {
    const info = await lstat(candidate).catch(() => undefined);
    if (!info) return; // Nothing further down exists yet: mkdir makes real folders.
    if (info.isSymbolicLink()) {
      const shown = outside ? candidate : path.relative(root, candidate);
      throw new GenImageError(GalleryLinked, `${shown}/ is a symbolic link; the gallery was not written.`);
    }
  }
}
