import path from 'node:path';
import { FileSystemStore, PlaceholderSplitStore, collectGallery, renderGallery, writeGalleryFile } from '@genimage/core';
import { type GlobalFlags, EXIT, loadContext, scanProject } from '../context.ts';
import type { Output } from '../output.ts';
import { displayPath } from '../report.ts';

/** Where the contact sheet goes unless `--out` says otherwise, relative to the root. */
export const DEFAULT_GALLERY = 'genimage-gallery/index.html';

export interface GalleryFlags extends GlobalFlags {
  out?: string;
}

/** `genimage gallery`: a static HTML contact sheet of every cached image, for reviewers. */
export async function galleryCommand(flags: GalleryFlags, out: Output): Promise<number> {
  const context = await loadContext(flags, out);
  const { engine, root } = context;
  const { scan } = await scanProject(context);
  const file = path.resolve(root, flags.out ?? DEFAULT_GALLERY);
  const store = engine.cache.store;
  const gallery = await collectGallery(engine.cache, scan.uses, {
    cacheLocation: engine.cacheLocation,
    // Links to the originals work where the entry is in a folder (placeholders have one of their own); the embedded previews work anywhere.
    originalHref: async (key: string, image: string) => {
      const holder = store instanceof PlaceholderSplitStore ? await store.holderOf(key) : store;
      if (!(holder instanceof FileSystemStore)) return undefined;
      return encodeURI(
        displayPath(path.dirname(file), path.join(holder.dir, key, image))
          .split(path.sep)
          .join('/'),
      );
    },
  });
  await writeGalleryFile(root, file, renderGallery(gallery, { title: `genimage gallery · ${path.basename(root)}` }));
  const placeholders = gallery.entries.filter((entry) => entry.placeholder).length;
  const unused = gallery.entries.filter((entry) => entry.uses.length === 0).length;
  out.result(
    `Wrote ${displayPath(root, file)}: ${gallery.entries.length} cached image entr${gallery.entries.length === 1 ? 'y' : 'ies'} ` +
      `(${placeholders} placeholder(s), ${unused} unused), ${gallery.missing.length} marker(s) without an image.`,
  );
  return EXIT.ok;
}
