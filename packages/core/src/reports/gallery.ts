/**
 * The contact sheet: every cached image with its prompt, parameters, provider and the markers
 * that use it, as one static HTML page a reviewer opens from a pull request. `collectGallery`
 * reads the cache; `renderGallery` is pure.
 */
import { decodeLimits, loadSharp } from '../sharp.ts';
import { compareLocations } from '../diagnostics.ts';
import { escapeHtml } from '../html.ts';
import { CacheCorrupt, type SourceLocation, formatLocation, isGenImageError } from '../errors.ts';
import type { ImageCache } from '../cache/cache.ts';
import type { ImageUse } from '../engine.ts';
import { planPrune, usesByKey } from './prune.ts';
import type { CacheEntryMeta } from '../cache/store.ts';

export interface GalleryImage {
  file: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  /** A link to the original, when the caller can give one. */
  href?: string;
  /** A small embedded preview (`data:image/webp;base64,...`), so the page works on its own. */
  preview?: string;
}

export interface GalleryUse {
  location: SourceLocation;
  /** Which image of the entry the marker shows. */
  pick: number;
  alt?: string;
}

export interface GalleryEntry {
  key: string;
  status: 'cached' | 'corrupt';
  /** Why the entry failed verification. */
  problem?: string;
  /** Undefined only when the metadata itself is unreadable. */
  meta: CacheEntryMeta | undefined;
  /** Rendered offline by the `local` provider: not a real image. */
  placeholder: boolean;
  images: GalleryImage[];
  /** Markers that show it; when empty, `genimage prune` deletes it unless `notOwn` says why not. */
  uses: GalleryUse[];
  /** Why `prune` leaves this unused entry alone: it is not provably one genimage wrote. */
  notOwn?: string;
}

export interface GalleryMissing {
  key: string;
  prompt: string;
  location: SourceLocation;
}

export interface Gallery {
  entries: GalleryEntry[];
  /** Markers whose image is not in the cache (for the current provider). */
  missing: GalleryMissing[];
  cacheLocation: string;
}

export interface CollectGalleryOptions {
  /** The link to an original image, e.g. a path relative to the HTML file. */
  originalHref?: (key: string, file: string) => string | undefined | Promise<string | undefined>;
  /** Longest edge of the embedded previews, in pixels; 0 embeds none. @default 320 */
  previewSize?: number;
  /** For the page: where the cache is, e.g. `.genimage`. */
  cacheLocation: string;
}

/** Reads every cache entry, verified, with the markers that use it. */
export async function collectGallery(cache: ImageCache, uses: readonly ImageUse[], options: CollectGalleryOptions): Promise<Gallery> {
  const previewSize = options.previewSize ?? 320;
  const byKey = usesByKey(uses);
  // The same verdicts as `genimage prune`, from the same function: the page never promises otherwise.
  const notOwn = new Map((await planPrune(cache, uses)).foreign.map((entry) => [entry.key, entry.reason]));
  const entries: GalleryEntry[] = [];
  for (const key of await cache.keys()) {
    const entryUses = (byKey.get(key) ?? []).map((use) => galleryUse(use));
    let meta: CacheEntryMeta | undefined;
    let images: Uint8Array[] = [];
    let problem: string | undefined;
    try {
      const entry = await cache.get(key);
      if (!entry) continue;
      meta = entry.meta;
      images = entry.images;
    } catch (error) {
      if (!isGenImageError(error, CacheCorrupt)) throw error;
      problem = error.message;
      meta = await cache.store.readMeta(key).catch(() => undefined);
    }
    const galleryImages: GalleryImage[] = [];
    for (const [index, image] of (meta?.images ?? []).entries()) {
      const bytes = images[index];
      const href = await options.originalHref?.(key, image.file);
      const preview = bytes && previewSize > 0 ? await previewOf(bytes, previewSize) : undefined;
      galleryImages.push({
        file: image.file,
        width: image.width,
        height: image.height,
        format: image.format,
        bytes: image.bytes,
        ...(href !== undefined && { href }),
        ...(preview !== undefined && { preview }),
      });
    }
    entries.push({
      key,
      status: problem === undefined ? 'cached' : 'corrupt',
      ...(problem !== undefined && { problem }),
      meta,
      placeholder: meta?.provider === 'local',
      images: galleryImages,
      uses: entryUses,
      ...(entryUses.length === 0 && notOwn.has(key) && { notOwn: notOwn.get(key)! }),
    });
  }
  entries.sort(compareEntries);
  const cachedKeys = new Set(entries.filter((entry) => entry.status === 'cached').map((entry) => entry.key));
  const missing = uses
    .filter((use) => !cachedKeys.has(use.key))
    .map((use) => ({ key: use.key, prompt: use.params.prompt, location: use.origin }));
  return { entries, missing, cacheLocation: options.cacheLocation };
}

function galleryUse(use: ImageUse): GalleryUse {
  const alt = use.render['alt'];
  return { location: use.origin, pick: use.pick, ...(typeof alt === 'string' && { alt }) };
}

/** Used entries first, in source order; then the unused ones by key. */
function compareEntries(a: GalleryEntry, b: GalleryEntry): number {
  const first = (entry: GalleryEntry) => entry.uses[0]?.location;
  const [la, lb] = [first(a), first(b)];
  if (la && lb) return compareLocations(la, lb);
  if (la || lb) return la ? -1 : 1;
  return a.key.localeCompare(b.key);
}

async function previewOf(bytes: Uint8Array, size: number): Promise<string | undefined> {
  try {
    const sharp = await loadSharp();
    const webp = await sharp(bytes, decodeLimits())
      .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 60 })
      .toBuffer();
    return `data:image/webp;base64,${webp.toString('base64')}`;
  } catch {
    // A verified image sharp cannot resize is still linked; the page just shows no preview.
    return undefined;
  }
}

// --- HTML ---

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;padding:1.5rem;background:#f6f6f4;color:#1d1d1b}
h1{font-size:1.4rem;margin:0 0 .3rem}header p{margin:.2rem 0;color:#555}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:1rem;margin-top:1rem}
.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:.8rem;overflow-wrap:anywhere}
.card.placeholder{border:2px dashed #c77d00;background:#fff8ea}.card.corrupt{border:2px solid #c0392b}.card.unused{opacity:.75}
.thumbs{display:flex;gap:.4rem;flex-wrap:wrap}.thumbs img{max-width:100%;max-height:240px;border-radius:4px;background:#eee}
.badge{display:inline-block;font-size:.75rem;font-weight:600;padding:.1rem .45rem;border-radius:99px;margin-right:.3rem}
.b-placeholder{background:#c77d00;color:#fff}.b-corrupt{background:#c0392b;color:#fff}.b-unused{background:#777;color:#fff}.b-provider{background:#e3e3e0}
blockquote{margin:.5rem 0;padding-left:.6rem;border-left:3px solid #ccc;font-style:italic}
dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .6rem;margin:.4rem 0;font-size:.85rem}dt{color:#666}dd{margin:0}
code{font:12px ui-monospace,monospace}ul{margin:.3rem 0;padding-left:1.1rem}.problem{color:#c0392b}
`;

/** The page. Every piece of text from markers, metadata or paths is escaped. */
export function renderGallery(gallery: Gallery, options: { title?: string; generatedAt?: Date } = {}): string {
  const title = options.title ?? 'genimage gallery';
  const placeholders = gallery.entries.filter((entry) => entry.placeholder).length;
  const unused = gallery.entries.filter((entry) => entry.uses.length === 0).length;
  const corrupt = gallery.entries.filter((entry) => entry.status === 'corrupt').length;
  const counts = [
    `${gallery.entries.length} cached image entr${gallery.entries.length === 1 ? 'y' : 'ies'} in ${gallery.cacheLocation}/`,
    `${placeholders} placeholder(s)`,
    `${unused} unused`,
    `${corrupt} corrupt`,
    `${gallery.missing.length} marker(s) without an image`,
  ];
  const generatedAt = (options.generatedAt ?? new Date()).toISOString();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(counts.join(' · '))}</p>
<p>Generated ${escapeHtml(generatedAt)}. Cards with a dashed orange border are offline placeholders from the <code>local</code> provider, not real images.</p>
</header>
${gallery.missing.length > 0 ? renderMissing(gallery.missing) : ''}<main class="grid">
${gallery.entries.map(renderEntry).join('\n')}
</main>
</body>
</html>
`;
}

function renderMissing(missing: readonly GalleryMissing[]): string {
  const items = missing.map((item) => `<li><code>${escapeHtml(formatLocation(item.location))}</code> “${escapeHtml(item.prompt)}”</li>`);
  return `<section class="missing"><h2>Not generated yet</h2><ul>\n${items.join('\n')}\n</ul></section>\n`;
}

function renderEntry(entry: GalleryEntry): string {
  const { meta } = entry;
  const classes = [
    'card',
    entry.placeholder && 'placeholder',
    entry.status === 'corrupt' && 'corrupt',
    entry.uses.length === 0 && 'unused',
  ].filter(Boolean);
  const badges = [
    entry.placeholder && '<span class="badge b-placeholder">PLACEHOLDER · local provider</span>',
    entry.status === 'corrupt' && '<span class="badge b-corrupt">CORRUPT</span>',
    entry.uses.length === 0 &&
      (entry.notOwn === undefined
        ? '<span class="badge b-unused">UNUSED · prune deletes it</span>'
        : `<span class="badge b-unused" title="${escapeHtml(entry.notOwn)}">UNUSED · not genimage's own entry: prune leaves it</span>`),
    meta && !entry.placeholder && `<span class="badge b-provider">${escapeHtml(meta.provider)}</span>`,
  ].filter(Boolean);
  const thumbs = entry.images.map((image) => renderThumb(image, meta?.prompt ?? entry.key)).join('');
  const details: [string, string][] = meta
    ? [
        ['provider', meta.provider],
        ['model', meta.model],
        [
          'seed',
          meta.params.sentSeed === undefined
            ? String(meta.params.seed)
            : `${meta.params.sentSeed} (chosen by genimage: the marker states none)`,
        ],
        ['images', String(meta.params.n)],
        [
          'size',
          `${meta.params.imageSize} · ${meta.params.aspectRatio}${entry.images[0] ? ` · ${entry.images[0].width}×${entry.images[0].height}` : ''}`,
        ],
        ...(meta.params.references.length > 0
          ? [['references', meta.params.references.map((reference) => reference.source).join(', ')] as [string, string]]
          : []),
        ['created', meta.created],
        ...(meta.credit !== undefined ? [['credits', String(meta.credit)] as [string, string]] : []),
        ['key', entry.key],
      ]
    : [['key', entry.key]];
  const uses = entry.uses.map((use) => {
    const pick = (meta?.params.n ?? 1) > 1 ? ` (image ${use.pick})` : '';
    const alt = use.alt === undefined ? '' : ` alt “${escapeHtml(use.alt)}”`;
    return `<li><code>${escapeHtml(formatLocation(use.location))}</code>${pick}${alt}</li>`;
  });
  return `<article class="${classes.join(' ')}" id="${escapeHtml(entry.key)}">
<div>${badges.join('')}</div>
<div class="thumbs">${thumbs}</div>
${meta ? `<blockquote>${escapeHtml(meta.prompt)}</blockquote>` : ''}${entry.problem ? `<p class="problem">${escapeHtml(entry.problem)}</p>` : ''}
<dl>${details.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>
<div>Used at:${uses.length > 0 ? `<ul>${uses.join('')}</ul>` : ' <em>no marker</em>'}</div>
</article>`;
}

function renderThumb(image: GalleryImage, alt: string): string {
  const src = image.preview ?? image.href;
  const img = src
    ? `<img src="${escapeHtml(src)}" alt="${escapeHtml(alt)}" width="${Math.min(image.width, 320)}" loading="lazy">`
    : `<span>${escapeHtml(image.file)}</span>`;
  return image.href
    ? `<a href="${escapeHtml(image.href)}" title="${escapeHtml(`${image.file} · ${image.width}×${image.height} ${image.format}`)}">${img}</a>`
    : img;
}
