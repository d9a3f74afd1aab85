/**
 * The two sites of the comparison benchmark (bench/astro-compare.ts), generated from one
 * description: P pages, each with some text and 2 distinct photo-like PNG originals (2P photos).
 *
 * - `genimage`: `<GenImage prompt seed alt />` markers and the @genimage/astro integration; its
 *   `.genimage/` holds the originals as real cache entries under the very keys the build computes
 *   (core's `Engine.scan()` on the generated site, `entryMeta`, `ImageCache.put`), so a frozen
 *   build finds every image and sends nothing.
 * - `astro` and `astro-equal`: plain Astro, `<Picture>` from `astro:assets` over the same PNGs
 *   imported from src/assets, with genimage's formats, widths and sizes; `astro-equal` also asks
 *   for genimage's fallback format and quality (`fallbackFormat="jpg"`, `quality={70}`).
 *
 * Each site gets a node_modules folder of its own (so that Astro's and genimage's caches in it are
 * the site's) holding symlinks to the workspace's astro and @genimage/astro.
 * Pages are rewritten only when their text changes, and photos are synthesized once, into the
 * photos/ folder of their `SiteSet` (bench/.tmp/compare/photos/ here; the scale benchmark's sites
 * are another set, of smaller photos), so a rerun starts at once.
 */
import { createRequire } from 'node:module';
import { copyFile, link, mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../packages/core/src/engine.ts';
import { entryMeta } from '../packages/core/src/generate/schedule.ts';
import { variantWidths } from '../packages/core/src/render/layout.ts';
import { photoLikePng } from './photo.ts';
import { random } from './stats.ts';

export const PHOTO = { width: 1024, height: 576 };
/** genimage's default `render` options (packages/core/src/config/config.ts), which the Astro sides copy. */
export const GENIMAGE_DEFAULTS = {
  widths: [480, 960, 1440],
  formats: ['avif', 'webp'],
  fallbackFormat: 'jpeg',
  quality: 70,
  avifEffort: 2,
} as const;
/** The widths genimage plans for an original `width` px wide: the Astro sides ask for the same. */
export const plannedWidths = (width: number): number[] => variantWidths(width, GENIMAGE_DEFAULTS.widths);
/** genimage's default `sizes` for those widths (packages/core/src/render/picture.ts). */
export const sizesFor = (width: number): string => {
  const largest = plannedWidths(width).at(-1);
  return `(min-width: ${largest}px) ${largest}px, 100vw`;
};
/** The widths genimage plans for a PHOTO-sized original. */
export const PLANNED_WIDTHS = plannedWidths(PHOTO.width);
export const SIZES = sizesFor(PHOTO.width);

export type Side = 'genimage' | 'astro' | 'astro-equal';
export const SIDES: readonly Side[] = ['genimage', 'astro', 'astro-equal'];

const here = path.dirname(fileURLToPath(import.meta.url));
const workspace = path.resolve(here, '..');
export const COMPARE_TMP = path.join(here, '.tmp', 'compare');

/**
 * A family of generated sites that share their photos: where they live, and the size of every
 * photo (the scale benchmark's are smaller than the comparison's, see bench/scale.ts).
 */
export interface SiteSet {
  dir: string;
  photo: { width: number; height: number };
}

/** The comparison benchmark's sites: 1024x576 photos, in bench/.tmp/compare/. */
export const COMPARE_SET: SiteSet = { dir: COMPARE_TMP, photo: PHOTO };

const photosDir = (set: SiteSet) => path.join(set.dir, 'photos');

/**
 * The environment of every build: frozen, so a missing or mismatched cache entry fails the
 * genimage build instead of generating; no key; plain logs.
 */
export function buildEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GENIMAGE_FROZEN: '1', ASTRO_TELEMETRY_DISABLED: '1', NO_COLOR: '1' };
  delete env.SHARK_API_KEY;
  delete env.SHARK_BASE_URL;
  delete env.FORCE_COLOR;
  delete env.NODE_ENV;
  return env;
}

/** The workspace's astro package folder (real path), as examples/astro-site resolves it. */
export function astroPackage(): string {
  const require = createRequire(path.join(workspace, 'examples/astro-site/package.json'));
  return path.dirname(require.resolve('astro/package.json'));
}

/** The sharp that astro depends on (the same 0.35 build as packages/core's here). */
export function sharpPackage(): string {
  const require = createRequire(path.join(astroPackage(), 'package.json'));
  // sharp exports no ./package.json: its main is lib/index.js.
  return path.resolve(require.resolve('sharp'), '../..');
}

/** Where a side's site lives for `pages` pages. */
export function siteDir(side: Side, pages: number, set: SiteSet = COMPARE_SET): string {
  return path.join(set.dir, `${side}-${pages}`);
}

/** What a cold build removes: the output and every derived cache, never the originals. */
export function derivedState(side: Side): string[] {
  const astro = ['dist', '.astro', 'node_modules/.astro', 'node_modules/.vite'];
  return side === 'genimage' ? [...astro, 'node_modules/.cache/genimage'] : astro;
}

/** Photo `n` (1-based) of the site: on page ceil(n / 2). */
export interface Photo {
  n: number;
  prompt: string;
  alt: string;
}

export function photosOfPage(page: number): Photo[] {
  return [2 * page - 1, 2 * page].map((n) => ({
    n,
    prompt: `bench photo ${n}: a wide green valley with hills, trees and a meadow under a cloudy sky`,
    alt: `Photo ${n}: a green valley under a cloudy sky`,
  }));
}

const WORDS =
  'hill valley meadow river path stone tree cloud light morning evening wind grass field wall gate sheep fox heron bridge village road slope ridge'.split(
    ' ',
  );

/** A few deterministic paragraphs, so pages weigh what text pages weigh. */
function paragraphs(page: number, count: number): string[] {
  const next = random(page * 7919);
  return Array.from({ length: count }, () => {
    const words = Array.from({ length: 60 + Math.floor(next() * 40) }, () => WORDS[Math.floor(next() * WORDS.length)]);
    return `${words.join(' ')}.`.replace(/^./, (c) => c.toUpperCase());
  });
}

/** The `.astro` source of page `page`: the same text and layout on every side, only the images differ. */
export function pageSource(side: Side, page: number, pages: number, set: SiteSet = COMPARE_SET): string {
  const photos = photosOfPage(page);
  const widths = plannedWidths(set.photo.width);
  const sizes = sizesFor(set.photo.width);
  const [first = '', ...rest] = paragraphs(page, 4);
  const image = (photo: Photo): string => {
    if (side === 'genimage') return `<GenImage prompt="${photo.prompt}" seed={${photo.n}} aspectRatio="16:9" alt="${photo.alt}" />`;
    const equal = side === 'astro-equal' ? ' fallbackFormat="jpg" quality={70}' : '';
    return `<Picture src={photo${photo.n}} formats={['avif', 'webp']} widths={[${widths.join(', ')}]} sizes="${sizes}" alt="${photo.alt}"${equal} />`;
  };
  const imports =
    side === 'genimage'
      ? [`import { GenImage } from '@genimage/astro/components';`]
      : [
          `import { Picture } from 'astro:assets';`,
          ...photos.map((photo) => `import photo${photo.n} from '../../assets/photo-${photo.n}.png';`),
        ];
  const previous = page > 1 ? `<a href="/p/${page - 1}/">previous</a>` : '';
  const nextLink = page < pages ? `<a href="/p/${page + 1}/">next</a>` : '';
  return `---
${imports.join('\n')}
---
<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Valley notes, page ${page}</title>
    <style>body { max-width: 60rem; margin: 0 auto; font-family: sans-serif; } img { max-width: 100%; height: auto; }</style>
  </head>
  <body>
    <nav><a href="/">index</a> ${previous} ${nextLink}</nav>
    <h1>Valley notes, page ${page}</h1>
    ${image(photos[0]!)}
    <p>${first}</p>
    ${image(photos[1]!)}
${rest.map((text) => `    <p>${text}</p>`).join('\n')}
  </body>
</html>
`;
}

function indexSource(pages: number): string {
  const links = Array.from({ length: pages }, (_, i) => `<li><a href="/p/${i + 1}/">Page ${i + 1}</a></li>`);
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>Valley notes</title></head>
  <body><h1>Valley notes</h1><ul>${links.join('')}</ul></body>
</html>
`;
}

function configSource(side: Side): string {
  return side === 'genimage'
    ? `import genimage from '@genimage/astro';\nimport { defineConfig } from 'astro/config';\n\nexport default defineConfig({ integrations: [genimage()] });\n`
    : `import { defineConfig } from 'astro/config';\n\nexport default defineConfig({});\n`;
}

/**
 * The committed-originals setup of a real site: `shark` images (so no placeholder path is taken),
 * genimage's render defaults untouched.
 */
const GENIMAGE_CONFIG = `export default { provider: 'shark', defaults: { aspectRatio: '16:9' } };\n`;

async function writeIfChanged(file: string, text: string): Promise<void> {
  const old = await readFile(file, 'utf8').catch(() => undefined);
  if (old === text) return;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Photo `n`'s PNG, synthesized once (about 0.5 s each at 1024x576) and kept in the set's photos/ folder. */
export async function photoFile(n: number, set: SiteSet = COMPARE_SET): Promise<string> {
  const file = path.join(photosDir(set), `photo-${n}.png`);
  if (await exists(file)) return file;
  await mkdir(photosDir(set), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, await photoLikePng(set.photo.width, set.photo.height, 1000 + n));
  await rm(file, { force: true });
  await link(temp, file).catch(() => copyFile(temp, file));
  await rm(temp, { force: true });
  return file;
}

export async function linkModules(site: string, side: Side): Promise<void> {
  const modules = path.join(site, 'node_modules');
  // sharp too: Astro bundles its image service into the build output, which imports sharp from the site.
  const links: [string, string][] = [
    ['astro', astroPackage()],
    ['sharp', sharpPackage()],
  ];
  if (side === 'genimage') links.push(['@genimage/astro', path.join(workspace, 'packages/astro')]);
  for (const [name, target] of links) {
    const at = path.join(modules, name);
    if (await exists(at)) continue;
    await mkdir(path.dirname(at), { recursive: true });
    await symlink(target, at, 'dir');
  }
}

/**
 * Writes (or updates) one side's site for `pages` pages and returns its folder. The Astro sides
 * get hard links to the photos in src/assets; the genimage side gets them as cache entries.
 */
export async function prepareSite(
  side: Side,
  pages: number,
  log: (line: string) => void = () => {},
  set: SiteSet = COMPARE_SET,
): Promise<string> {
  const site = siteDir(side, pages, set);
  const dependencies: Record<string, string> = { astro: '*', sharp: '*', ...(side === 'genimage' && { '@genimage/astro': '*' }) };
  await writeIfChanged(
    path.join(site, 'package.json'),
    `${JSON.stringify({ name: `bench-${side}-${pages}`, private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  await writeIfChanged(path.join(site, 'astro.config.mjs'), configSource(side));
  if (side === 'genimage') await writeIfChanged(path.join(site, 'genimage.config.mjs'), GENIMAGE_CONFIG);
  await writeIfChanged(path.join(site, 'src/pages/index.astro'), indexSource(pages));
  // A page folder from a larger earlier run would add pages: start it afresh when the count differs.
  const pageDir = path.join(site, 'src/pages/p');
  const existing = await readdir(pageDir).catch(() => [] as string[]);
  if (existing.length !== pages) await rm(pageDir, { recursive: true, force: true });
  for (let page = 1; page <= pages; page++) await writeIfChanged(path.join(pageDir, `${page}.astro`), pageSource(side, page, pages, set));
  await linkModules(site, side);

  const photos = Array.from({ length: pages }, (_, i) => photosOfPage(i + 1)).flat();
  let made = 0;
  for (const photo of photos) {
    if (!(await exists(path.join(photosDir(set), `photo-${photo.n}.png`)))) made++;
    const source = await photoFile(photo.n, set);
    if (side === 'genimage') continue;
    const asset = path.join(site, 'src/assets', `photo-${photo.n}.png`);
    if (await exists(asset)) continue;
    await mkdir(path.dirname(asset), { recursive: true });
    await link(source, asset).catch(() => copyFile(source, asset));
  }
  if (made > 0) log(`  synthesized ${made} photo(s) into ${path.relative(process.cwd(), photosDir(set))}`);
  if (side === 'genimage') {
    const seeded = await seedCache(site, set);
    if (seeded > 0) log(`  seeded ${seeded} cache entr${seeded === 1 ? 'y' : 'ies'} in ${path.relative(process.cwd(), site)}/.genimage`);
  }
  return site;
}

/**
 * Puts every photo into the genimage site's cache under the key the build computes for its
 * marker: the engine is loaded on the site as the integration loads it (same root, config file and
 * environment), so the keys agree by construction. Returns how many entries it wrote.
 */
export async function seedCache(site: string, set: SiteSet = COMPARE_SET): Promise<number> {
  const engine = await Engine.load({ root: site, env: buildEnv() as Record<string, string> });
  const scanned = await engine.scan();
  const errors = scanned.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0) throw new Error(`the generated genimage site has invalid markers: ${JSON.stringify(errors, null, 2)}`);
  let written = 0;
  for (const request of scanned.requests) {
    if ((await engine.cache.status(request.key)) === 'cached') continue;
    const bytes = await readFile(await photoFile(request.job.params.seed, set));
    const result = { images: [{ bytes, format: 'png' as const, ...set.photo }], attempts: 1, possiblyBilledAttempts: 0 };
    await engine.cache.put(entryMeta(request, engine.providerId, result, new Date('2026-01-01T00:00:00Z')), [bytes]);
    written++;
  }
  return written;
}
