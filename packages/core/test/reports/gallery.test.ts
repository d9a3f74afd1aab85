import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ImageCache } from '../../src/cache/cache.ts';
import type { ImageUse } from '../../src/engine.ts';
import { FileSystemStore } from '../../src/cache/fs-store.ts';
import { collectGallery, renderGallery } from '../../src/reports/gallery.ts';
import { metaFor } from '../fixtures/entry.ts';
import { useOf } from '../fixtures/uses.ts';

let root: string;
let cache: ImageCache;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'genimage-gallery-'));
  cache = new ImageCache(new FileSystemStore(join(root, '.genimage')));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function png(): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp({ create: { width: 40, height: 20, channels: 3, background: '#c33' } })
      .png()
      .toBuffer(),
  );
}

/** Caches an image for `use` with the metadata generation would write (it hashes to the key). */
async function put(use: ImageUse, provider = 'shark', sentSeed?: number): Promise<void> {
  const images = [await png()];
  const meta = metaFor(use.key, images);
  const { model, prompt, seed, n, imageSize, aspectRatio } = use.params;
  const params = { ...meta.params, seed, ...(sentSeed !== undefined && { sentSeed }), n, imageSize, aspectRatio };
  await cache.put(
    { ...meta, provider, model, prompt, params, images: meta.images.map((image) => ({ ...image, width: 40, height: 20 })) },
    images,
  );
}

const fox = useOf({ prompt: 'a <b>red</b> fox & "friends"' }, { file: 'src/pages/a.astro', line: 3, alt: "the fox's den" });
const owl = useOf({ prompt: 'an owl' }, { file: 'src/pages/b.md', line: 7 });
const lake = useOf({ prompt: 'a lake' }, { file: 'src/pages/a.astro', line: 1 });

describe('collectGallery and renderGallery', () => {
  test('every entry with previews, links, uses, placeholders, and the missing markers', async () => {
    await put(fox);
    const placeholder = useOf({ prompt: 'an owl' }, { provider: 'local' });
    await put(placeholder, 'local');
    const gallery = await collectGallery(cache, [fox, owl, lake], {
      cacheLocation: '.genimage',
      originalHref: (key, file) => `../.genimage/${key}/${file}`,
    });
    expect(gallery.entries.map((entry) => [entry.key, entry.placeholder, entry.uses.map((use) => use.location.line)])).toEqual([
      [fox.key, false, [3]],
      // A run with a key shows the owl's real image (missing): its placeholder is no image a marker shows.
      [placeholder.key, true, []],
    ]);
    expect(gallery.entries[0]!.images[0]).toMatchObject({
      file: '0.png',
      href: `../.genimage/${fox.key}/0.png`,
      preview: expect.stringMatching(/^data:image\/webp;base64,/),
    });
    // The owl's image is a placeholder: for the `shark` key, it is missing; so is the lake.
    expect(gallery.missing.map((item) => item.prompt)).toEqual(['an owl', 'a lake']);

    const html = renderGallery(gallery, { title: 'Review <site>', generatedAt: new Date('2026-11-01T00:00:00Z') });
    expect(html).toContain('<title>Review &lt;site&gt;</title>');
    expect(html).toContain('a &lt;b&gt;red&lt;/b&gt; fox &amp; &quot;friends&quot;');
    expect(html).not.toContain('<b>red</b>');
    expect(html).toContain('<code>src/pages/a.astro:3:1</code> alt “the fox&#39;s den”');
    expect(html).toContain('PLACEHOLDER · local provider');
    expect(html).toContain('Not generated yet');
    expect(html).toContain('2026-11-01T00:00:00.000Z');
  });

  test("a seedless marker's image shows the seed genimage chose and sent", async () => {
    const seedless = useOf({ prompt: 'a seedless fox' });
    await put(seedless, 'shark', 123456);
    const html = renderGallery(await collectGallery(cache, [seedless], { cacheLocation: '.genimage', previewSize: 0 }));
    expect(html).toContain('<dt>seed</dt><dd>123456 (chosen by genimage: the marker states none)</dd>');
  });

  test('unused and corrupt entries are marked', async () => {
    await put(fox);
    await put(owl);
    const file = join(root, '.genimage', owl.key, '0.png');
    const bytes = await readFile(file);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    await writeFile(file, bytes);
    const gallery = await collectGallery(cache, [owl], { cacheLocation: '.genimage' });
    const [corrupt, unused] = gallery.entries;
    expect(corrupt).toMatchObject({ key: owl.key, status: 'corrupt', problem: expect.stringContaining('sha256') });
    expect(corrupt!.images[0]!.preview).toBeUndefined();
    expect(unused).toMatchObject({ key: fox.key, status: 'cached', uses: [] });
    const html = renderGallery(gallery);
    expect(html).toContain('CORRUPT');
    expect(html).toContain('UNUSED · prune deletes it');
  });

  test('an unused entry that prune would leave alone says so, with the reason', async () => {
    await put(fox);
    // Metadata copied from another entry: not provably genimage's own, so prune keeps it.
    const meta = JSON.parse(await readFile(join(root, '.genimage', fox.key, 'meta.json'), 'utf8')) as { prompt: string };
    meta.prompt = 'edited by hand';
    await writeFile(join(root, '.genimage', fox.key, 'meta.json'), JSON.stringify(meta));
    const gallery = await collectGallery(cache, [], { cacheLocation: '.genimage' });
    expect(gallery.entries[0]).toMatchObject({ key: fox.key, uses: [], notOwn: expect.stringContaining('does not hash to its key') });
    const html = renderGallery(gallery);
    expect(html).toContain("UNUSED · not genimage's own entry: prune leaves it");
    expect(html).not.toContain('prune deletes it');
  });
});
