/** `genimage prune` and `genimage gallery` on a real cache made by `genimage generate`. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheKeys, copyFixture, corruptImage, edit, readMeta, run, useTestServer } from './fixtures/cli-harness/harness.ts';

const API_KEY = 'sk-cli-cache-secret-555';
const api = useTestServer(API_KEY);

/** A project with 4 cache entries, one of them (the old lighthouse, seed 7) no longer used. */
async function projectWithAnUnusedEntry(): Promise<{ root: string; unused: string }> {
  const root = await copyFixture('cli-basic');
  expect((await run(['generate'], { cwd: root, env: api.env() })).code).toBe(0);
  const before = await cacheKeys(root);
  await edit(root, 'src/pages/index.astro', 'seed={7}', 'seed={8}');
  expect((await run(['generate'], { cwd: root, env: api.env() })).code).toBe(0);
  const after = await cacheKeys(root);
  expect(after).toHaveLength(4);
  const used = new Set(after.filter((key) => !before.includes(key)));
  const lighthouses = await Promise.all(before.map(async (key) => ({ key, prompt: (await readMeta(root, key)).prompt })));
  const unused = lighthouses.find((entry) => entry.prompt.startsWith('a lighthouse'))!.key;
  expect(used.has(unused)).toBe(false);
  api.server().reset();
  return { root, unused };
}

describe('prune', () => {
  it('--dry-run lists the unused entries and deletes nothing', async () => {
    const { root, unused } = await projectWithAnUnusedEntry();
    const result = await run(['prune', '--dry-run'], { cwd: root, env: api.env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`would delete  ${unused.slice(0, 12)}  shark  "a lighthouse at dusk, <stormy> & wild"`);
    expect(result.stdout).toContain('1 unused cache entry would be deleted from .genimage/; 3 in use.');
    expect(await cacheKeys(root)).toHaveLength(4);
  });

  it('deletes only the unused entries; every marker stays cached', async () => {
    const { root, unused } = await projectWithAnUnusedEntry();
    const result = await run(['prune'], { cwd: root, env: api.env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`deleted  ${unused.slice(0, 12)}`);
    expect(result.stdout).toContain('Deleted 1 unused cache entry from .genimage/; kept 3 in use.');
    const keys = await cacheKeys(root);
    expect(keys).toHaveLength(3);
    expect(keys).not.toContain(unused);
    expect((await run(['check'], { cwd: root, env: { CI: 'true' } })).code).toBe(0);
    expect(api.server().requests).toHaveLength(0);
  });

  it('without an API key, the real images still count as used', async () => {
    const { root, unused } = await projectWithAnUnusedEntry();
    // No key, no CI: the current provider is `local`, whose keys differ.
    const result = await run(['prune'], { cwd: root });
    expect(result.code).toBe(0);
    expect(await cacheKeys(root)).toHaveLength(3);
    expect(await cacheKeys(root)).not.toContain(unused);
  });

  it('refuses while a marker has an error, since its image would look unused', async () => {
    const { root } = await projectWithAnUnusedEntry();
    await edit(root, 'src/pages/about.md', 'seed={3}', 'seed={three}');
    const result = await run(['prune'], { cwd: root, env: api.env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/src\/pages\/about\.md:13:\d+: error: seed=\{three\}/);
    expect(result.stderr).toContain('Not pruning');
    expect(await cacheKeys(root)).toHaveLength(4);
  });
});

describe('gallery', () => {
  it('writes an HTML contact sheet: previews, links, prompts escaped, where each is used', async () => {
    const { root, unused } = await projectWithAnUnusedEntry();
    const result = await run(['gallery'], { cwd: root, env: api.env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Wrote genimage-gallery/index.html: 4 cached image entries (0 placeholder(s), 1 unused), 0 marker(s) without an image.');
    const html = await readFile(path.join(root, 'genimage-gallery/index.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    // Escaped, never raw.
    expect(html).toContain('a lighthouse at dusk, &#60;stormy&#62; &#38; wild');
    expect(html).not.toContain('<stormy>');
    expect(html).toContain('a red fox asleep in fresh snow');
    for (const where of ['src/pages/about.md:9:1', 'src/pages/index.astro:8:5', 'src/pages/about.md:13:1', 'src/pages/index.astro:10:5']) {
      expect(html).toContain(`<code>${where}</code>`);
    }
    expect(html).toContain('alt “A sleeping fox”');
    expect(html).toContain('(image 1)'); // the mountain shows the second of two
    expect(html).toMatch(/src="data:image\/webp;base64,[A-Za-z0-9+/=]+"/);
    // Relative links to the originals, which exist.
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1]!);
    expect(links).toHaveLength(5); // 4 entries, the mountain with 2 images
    for (const link of links) {
      expect(link).toMatch(/^\.\.\/\.genimage\/[0-9a-f]{64}\/\d\.png$/);
      expect(existsSync(path.join(root, 'genimage-gallery', link))).toBe(true);
    }
    expect(html).toContain(`id="${unused}"`);
    expect(html).toContain('UNUSED · prune deletes it');
    expect(html).not.toContain('PLACEHOLDER');
  });

  it('--out, placeholders clearly marked, missing and corrupt images shown', async () => {
    const root = await copyFixture('cli-basic');
    expect((await run(['generate'], { cwd: root })).code).toBe(0); // no key: placeholders
    const [first] = await cacheKeys(root);
    await corruptImage(root, first!);
    await edit(root, 'src/pages/index.astro', 'seed={7}', 'seed={9}');
    const result = await run(['gallery', '--out', 'review/images.html'], { cwd: root });
    expect(result.code).toBe(0);
    const html = await readFile(path.join(root, 'review/images.html'), 'utf8');
    expect(html.match(/class="card placeholder/g)).toHaveLength(3);
    expect(html).toContain('PLACEHOLDER · local provider');
    expect(html).toContain('CORRUPT');
    expect(html).toContain('Not generated yet');
    expect(html).toMatch(/<li><code>src\/pages\/index\.astro:10:5<\/code> “a lighthouse at dusk, &#60;stormy&#62; &#38; wild”<\/li>/);
    expect(html).toMatch(/href="\.\.\/\.genimage\/[0-9a-f]{64}\/0\.png"/);
  });
});
