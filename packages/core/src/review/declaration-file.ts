/**
 * Writing a kept seed into its source file, safely: the file is read again and its declaration
 * compared with the one listed (a file edited meanwhile is refused, never clobbered); the edited
 * text must parse back to the same declaration with the new seed (the caller checks its key); the
 * file is replaced atomically (temp file and rename, permissions kept), and only if it did not
 * change while the new text was made.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../cache/atomic.ts';
import { DeclarationChanged, GenImageError, type SourceLocation, formatLocation } from '../errors.ts';
import { parseAllMarkers } from '../markers/all-markers.ts';
import type { Marker } from '../markers/markers.ts';
import { editDeclaration } from '../rewrite/edit-declaration.ts';

/**
 * Called with the edited declaration, parsed back, before the file is replaced: throws when it is
 * not what was meant (nothing is written then), and files what it needs first.
 */
export type BeforeWrite = (marker: Marker) => Promise<void>;

/**
 * Writes `seed` into the declaration `listed` (as the scan found it; its `file` relative to
 * `root`). Throws DeclarationChanged, and writes nothing, when the file no longer holds it as listed.
 */
export async function writeSeed(root: string, listed: Marker, seed: number, beforeWrite: BeforeWrite): Promise<void> {
  const target = await sourcePath(root, listed);
  const { source, mode } = await readSource(target, listed);
  const current = sameDeclaration(parseAllMarkers(source, listed.file).markers, listed);
  if (!current) throw changed(listed, 'The file no longer holds it as it was listed: it was edited meanwhile.');
  const edited = editDeclaration(source, current, 'seed', seed);
  const written = parseAllMarkers(edited, listed.file).markers.find((marker) => sameLocation(marker.location, listed.location));
  if (!written)
    throw new Error(`Writing the seed into ${formatLocation(listed.location)} would move its declaration; nothing was written.`);
  await beforeWrite(written);
  await writeFileAtomic(target, edited, {
    mode,
    // Read once more after the new text is on disk, just before the rename: an editor (or another
    // dev server's review) may have saved since the first read.
    beforeRename: async () => {
      if ((await readSource(target, listed)).source !== source)
        throw changed(listed, 'The file was edited while the seed was being written.');
    },
  });
}

/** Throws DeclarationChanged when the file no longer holds the declaration `listed` as it was listed. */
export async function assertUnchanged(root: string, listed: Marker): Promise<void> {
  const { source } = await readSource(await sourcePath(root, listed), listed);
  if (!sameDeclaration(parseAllMarkers(source, listed.file).markers, listed))
    throw changed(listed, 'The file no longer holds it as it was listed: it was edited meanwhile.');
}

/**
 * The file to replace: the listed file under the root, through any symbolic link (the link stays a
 * link), as long as what it leads to is under the root too: a linked folder of another project
 * (`src/shared -> ../../ui/src`) is read by the scan but never written by a review.
 */
async function sourcePath(root: string, listed: Marker): Promise<string> {
  const lexical = path.resolve(root, listed.file);
  if (!isInside(root, lexical)) throw changed(listed, `${listed.file} is not under the project root.`);
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    throw changed(listed, `${listed.file} is gone: it was deleted or renamed.`);
  }
  if (!isInside(await realpath(root), real))
    throw changed(listed, `${listed.file} leads (through a symbolic link) to ${real}, outside the project root: edit it there.`);
  return real;
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

async function readSource(file: string, listed: Marker): Promise<{ source: string; mode: number }> {
  try {
    const [source, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { source, mode: info.mode & 0o7777 };
  } catch {
    throw changed(listed, `${listed.file} cannot be read any more.`);
  }
}

/** The marker of `markers` that is `listed`: the same kind at the same place, with the same attributes and values. */
function sameDeclaration(markers: readonly Marker[], listed: Marker): Marker | undefined {
  const shape = (marker: Marker) =>
    JSON.stringify([Boolean(marker.call), Boolean(marker.frontmatter), marker.attributes.map(({ name, value }) => [name, value])]);
  const wanted = shape(listed);
  return markers.find((marker) => sameLocation(marker.location, listed.location) && shape(marker) === wanted);
}

function sameLocation(a: SourceLocation, b: SourceLocation): boolean {
  return a.file === b.file && a.line === b.line && a.column === b.column;
}

function changed(listed: Marker, why: string): GenImageError {
  return new GenImageError(DeclarationChanged, `${why} The seed was not written.`, { location: listed.location });
}
