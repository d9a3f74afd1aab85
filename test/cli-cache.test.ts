/**
 * `genimage prune` and `genimage gallery` on a real cache made by `genimage generate`; what the
 * cache refuses (links, a folder outside the project) and what `check` verifies beyond the hashes.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { main } from '@genimage/cli';
import { describe, expect, it } from 'vitest';
import {
  PLACEHOLDERS,
  cacheKeys,
  copyFixture,
  corruptImage,
  edit,
  parseJson,
  readMeta,
  run,
  useTestServer,
} from './fixtures/cli-harness/harness.ts';
import { hugePng } from '../packages/core/test/render/fixtures/huge-png.ts';

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
    expect(result.stderr).not.toContain('[y/N]');
    expect(await cacheKeys(root)).toHaveLength(4);
  });

  it('refuses to delete without --yes when stdin is not a terminal (exit 2), and deletes nothing', async () => {
    const { root } = await projectWithAnUnusedEntry();
    const result = await run(['prune'], { cwd: root, env: api.env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Pass --yes to delete the unused cache entries, or --dry-run to list them.');
    expect(result.stdout).toBe('');
    expect(await cacheKeys(root)).toHaveLength(4);
  });

  it('--yes deletes only the unused entries; every marker stays cached', async () => {
    const { root, unused } = await projectWithAnUnusedEntry();
    const result = await run(['prune', '--yes'], { cwd: root, env: api.env() });
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
    const result = await run(['prune', '--yes'], { cwd: root });
    expect(result.code).toBe(0);
    expect(await cacheKeys(root)).toHaveLength(3);
    expect(await cacheKeys(root)).not.toContain(unused);
  });

  it('refuses while a marker has an error, since its image would look unused', async () => {
    const { root } = await projectWithAnUnusedEntry();
    await edit(root, 'src/pages/about.md', 'seed={3}', 'seed={three}');
    const result = await run(['prune', '--yes'], { cwd: root, env: api.env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/src\/pages\/about\.md:13:\d+: error: seed=\{three\}/);
    expect(result.stderr).toContain('Not pruning');
    expect(await cacheKeys(root)).toHaveLength(4);
  });

  it('--json --yes prints one document: the entries and what was done', async () => {
    const { root, unused } = await projectWithAnUnusedEntry();
    const result = await run(['prune', '--json', '--yes'], { cwd: root, env: api.env() });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toEqual({
      command: 'prune',
      ok: true,
      dryRun: false,
      cacheDir: '.genimage',
      remote: null,
      deleted: 1,
      inUse: 3,
      unused: [
        {
          key: unused,
          provider: 'shark',
          model: expect.any(String),
          prompt: 'a lighthouse at dusk, <stormy> & wild',
          deleted: true,
          pushed: false,
        },
      ],
      onlyCopies: [],
      leftAlone: [],
    });
    expect(await cacheKeys(root)).toHaveLength(3);
  });

  it('--json without --yes is a usage error, like a run without a terminal', async () => {
    const { root } = await projectWithAnUnusedEntry();
    const result = await run(['prune', '--json'], { cwd: root, env: api.env() });
    expect(result.code).toBe(2);
    expect(parseJson(result.stdout)).toMatchObject({
      command: 'prune',
      ok: false,
      error: { code: 'Usage', message: expect.stringContaining('--yes') },
    });
    expect(await cacheKeys(root)).toHaveLength(4);
  });

  it('leaves alone what is not its own: a link to a folder outside the project, a folder with garbage metadata', async () => {
    const { root, unused } = await projectWithAnUnusedEntry();
    // A copy of a real entry outside the project, linked in under another entry's name.
    const outside = await mkdtemp(path.join(tmpdir(), 'genimage-outside-'));
    try {
      const linked = 'c'.repeat(64);
      await cp(path.join(root, '.genimage', unused), path.join(outside, linked), { recursive: true });
      await symlink(path.join(outside, linked), path.join(root, '.genimage', linked), 'dir');
      const garbage = 'd'.repeat(64);
      await mkdir(path.join(root, '.genimage', garbage));
      await writeFile(path.join(root, '.genimage', garbage, 'meta.json'), '{ "hello": "world" }');
      const result = await run(['prune', '--yes'], { cwd: root, env: api.env() });
      expect(result.code, result.all).toBe(0);
      expect(result.stdout).toContain(`left alone  ${linked.slice(0, 12)}  not genimage's: a symbolic link, not a folder genimage wrote`);
      expect(result.stdout).toContain(`left alone  ${garbage.slice(0, 12)}  not genimage's: `);
      expect(result.stdout).toContain(
        "Deleted 1 unused cache entry from .genimage/; kept 3 in use; left 2 item(s) that are not genimage's alone.",
      );
      expect(existsSync(path.join(root, '.genimage', linked))).toBe(true);
      expect(existsSync(path.join(root, '.genimage', garbage, 'meta.json'))).toBe(true);
      expect(await readdir(path.join(outside, linked))).toEqual(expect.arrayContaining(['meta.json', '0.png']));
      expect(await cacheKeys(root)).not.toContain(unused);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  describe('on a terminal, asks first (y/N)', () => {
    /** main() in this process, with stdin, stdout and stderr that say they are a terminal. */
    async function onTerminal(root: string, answer: string) {
      let stdout = '';
      let stderr = '';
      const stdin = Object.assign(Readable.from([answer]), { isTTY: true });
      const code = await main(['prune', '--root', root], {
        stdin,
        stdout: { isTTY: true, write: (text: string) => (stdout += text) },
        stderr: { isTTY: true, write: (text: string) => (stderr += text) },
      });
      return { code, stdout, stderr };
    }

    it('does not ask, and refuses, when stdin is not a terminal though stderr is', async () => {
      let stderr = '';
      const stdin = Object.assign(Readable.from(['y\n']), { isTTY: false });
      const code = await main(['prune', '--root', await copyFixture('cli-basic')], {
        stdin,
        stdout: { isTTY: true, write: () => true },
        stderr: { isTTY: true, write: (text: string) => (stderr += text) },
      });
      expect(code).toBe(2);
      expect(stderr).not.toContain('[y/N]');
      expect(stderr).toContain('stdin is not a terminal');
    });

    it('"y" deletes', async () => {
      const { root, unused } = await projectWithAnUnusedEntry();
      const result = await onTerminal(root, 'y\n');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`would delete  ${unused.slice(0, 12)}  shark`);
      expect(result.stderr).toContain('Delete this unused cache entry from .genimage/? [y/N] ');
      expect(result.stdout).toContain('Deleted 1 unused cache entry from .genimage/; kept 3 in use.');
      expect(await cacheKeys(root)).toHaveLength(3);
      expect(await cacheKeys(root)).not.toContain(unused);
    });

    it('anything but y or yes deletes nothing and exits 0: "n", Enter, another word, end of input', async () => {
      const { root } = await projectWithAnUnusedEntry();
      for (const answer of ['n\n', '\n', 'yes please\n', '']) {
        const result = await onTerminal(root, answer);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stderr).toContain('[y/N] ');
        expect(result.stdout).toContain('Nothing deleted; 1 unused cache entry kept in .genimage/.');
        expect(await cacheKeys(root)).toHaveLength(4);
      }
    });
  });
});

describe('placeholders are never committed', () => {
  it('without a key, then with it: .genimage/ holds only the real images, and prune deletes a placeholder an older version left there', async () => {
    const root = await copyFixture('cli-basic');
    expect((await run(['generate'], { cwd: root })).code).toBe(0);
    expect(await cacheKeys(root)).toEqual([]);
    const placeholders = await cacheKeys(root, PLACEHOLDERS);
    expect(placeholders).toHaveLength(3);
    // Where genimage kept placeholders before: committed with the real images.
    const leftover = placeholders[0]!;
    await cp(path.join(root, PLACEHOLDERS, leftover), path.join(root, '.genimage', leftover), { recursive: true });

    const generated = await run(['generate'], { cwd: root, env: api.env() });
    expect(generated.stdout).toContain('3 image request(s): 3 generated, 0 reused, 0 failed');
    const real = (await cacheKeys(root)).filter((key) => key !== leftover);
    expect(real).toHaveLength(3);
    for (const key of real) expect((await readMeta(root, key)).provider).toBe('shark');
    // Each real image replaced its placeholder.
    expect(await cacheKeys(root, PLACEHOLDERS)).toEqual([]);

    const dryRun = await run(['prune', '--dry-run'], { cwd: root, env: api.env() });
    expect(dryRun.stdout).toContain(`would delete  ${leftover.slice(0, 12)}  local`);
    expect(dryRun.stdout).toContain('1 unused cache entry would be deleted from .genimage/; 3 in use.');
    expect((await run(['prune', '--yes'], { cwd: root, env: api.env() })).code).toBe(0);
    expect(await cacheKeys(root)).toEqual(real);
    expect((await run(['check'], { cwd: root, env: { CI: 'true' } })).code).toBe(0);

    // Without the key again, the real images are shown: no placeholder is drawn, none is in use.
    api.server().reset();
    expect((await run(['generate'], { cwd: root })).stdout).toContain('3 image request(s): 0 generated, 3 reused, 0 failed');
    expect(await cacheKeys(root, PLACEHOLDERS)).toEqual([]);
    expect((await run(['prune', '--dry-run'], { cwd: root })).stdout).toContain('No unused cache entries in .genimage/; 3 in use.');
    expect(api.server().requests).toHaveLength(0);
  });

  it('prune deletes the placeholders no marker shows any more, and keeps those shown', async () => {
    const root = await copyFixture('cli-basic');
    expect((await run(['generate'], { cwd: root })).code).toBe(0);
    const before = await cacheKeys(root, PLACEHOLDERS);
    await edit(root, 'src/pages/index.astro', 'seed={7}', 'seed={8}');
    expect((await run(['generate'], { cwd: root })).code).toBe(0);
    expect(await cacheKeys(root, PLACEHOLDERS)).toHaveLength(4);
    const result = await run(['prune', '--yes'], { cwd: root });
    expect(result.stdout).toContain('Deleted 1 unused cache entry');
    const after = await cacheKeys(root, PLACEHOLDERS);
    expect(after).toHaveLength(3);
    expect(before.filter((key) => !after.includes(key))).toHaveLength(1);
  });
});

describe('gallery', () => {
  it('writes an HTML contact sheet: previews, links, prompts escaped, where each is used', async () => {
    const { root, unused } = await projectWithAnUnusedEntry();
    const result = await run(['gallery'], { cwd: root, env: api.env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'Wrote genimage-gallery/index.html: 4 cached image entries (0 placeholder(s), 1 unused), 0 marker(s) without an image.',
    );
    const html = await readFile(path.join(root, 'genimage-gallery/index.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    // Escaped, never raw.
    expect(html).toContain('a lighthouse at dusk, &lt;stormy&gt; &amp; wild');
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
    const [first] = await cacheKeys(root, PLACEHOLDERS);
    await corruptImage(root, first!, PLACEHOLDERS);
    await edit(root, 'src/pages/index.astro', 'seed={7}', 'seed={9}');
    const result = await run(['gallery', '--out', 'review/images.html'], { cwd: root });
    expect(result.code).toBe(0);
    const html = await readFile(path.join(root, 'review/images.html'), 'utf8');
    expect(html.match(/class="card placeholder/g)).toHaveLength(3);
    expect(html).toContain('PLACEHOLDER · local provider');
    expect(html).toContain('CORRUPT');
    expect(html).toContain('Not generated yet');
    expect(html).toMatch(/<li><code>src\/pages\/index\.astro:10:5<\/code> “a lighthouse at dusk, &lt;stormy&gt; &amp; wild”<\/li>/);
    // Linked where they are: their own folder, not the committed cache.
    expect(html).toMatch(/href="\.\.\/node_modules\/\.cache\/genimage\/placeholders\/[0-9a-f]{64}\/0\.png"/);
  });

  it('never writes through a link: a linked index.html is replaced by a real file, its target left alone', async () => {
    const root = await copyFixture('cli-basic');
    const outside = await mkdtemp(path.join(tmpdir(), 'genimage-outside-'));
    const keys = path.join(outside, 'authorized_keys');
    await writeFile(keys, 'ssh-ed25519 AAAA-the-owners-key\n');
    await mkdir(path.join(root, 'genimage-gallery'));
    await symlink(keys, path.join(root, 'genimage-gallery/index.html'));
    const result = await run(['gallery'], { cwd: root });
    expect(result.code, result.all).toBe(0);
    expect(await readFile(keys, 'utf8')).toBe('ssh-ed25519 AAAA-the-owners-key\n');
    expect((await lstat(path.join(root, 'genimage-gallery/index.html'))).isFile()).toBe(true);
    expect(await readFile(path.join(root, 'genimage-gallery/index.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('refuses a linked gallery folder, or a linked folder on the way to --out: exit 1, nothing written there', async () => {
    const root = await copyFixture('cli-basic');
    const outside = await mkdtemp(path.join(tmpdir(), 'genimage-outside-'));
    await symlink(outside, path.join(root, 'genimage-gallery'), 'dir');
    const result = await run(['gallery'], { cwd: root });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('genimage-gallery/ is a symbolic link; the gallery was not written.');
    expect(result.stderr).toContain('Replace the link with a real folder');
    await mkdir(path.join(root, 'review'));
    await symlink(outside, path.join(root, 'review/pages'), 'dir');
    const nested = await run(['gallery', '--out', 'review/pages/index.html'], { cwd: root });
    expect(nested.code).toBe(1);
    expect(nested.stderr).toContain(`${path.join('review', 'pages')}/ is a symbolic link`);
    expect(await readdir(outside)).toEqual([]);
  });
});

/** The cache key of the marker at `file:line`, as `scan --json` reports it with the API key set. */
async function keyAt(root: string, file: string, line: number): Promise<string> {
  const scan = parseJson<{ markers: { location: { file: string; line: number }; key: string }[] }>(
    (await run(['scan', '--json'], { cwd: root, env: api.env() })).stdout,
  );
  return scan.markers.find((marker) => marker.location.file === file && marker.location.line === line)!.key;
}

/** A folder outside every project, removed after `body`. */
async function withOutsideFolder(body: (outside: string) => Promise<void>): Promise<void> {
  const outside = await mkdtemp(path.join(tmpdir(), 'genimage-outside-'));
  try {
    await body(outside);
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
}

/** Every file under `folder` with its contents, to show that nothing there changed. */
async function contents(folder: string): Promise<Record<string, string>> {
  const names = (await readdir(folder, { recursive: true })).sort();
  const read = async (name: string) =>
    (await lstat(path.join(folder, name))).isDirectory() ? 'folder' : (await readFile(path.join(folder, name))).toString('base64');
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await read(name)] as const)));
}

const FOX = 'src/pages/index.astro:8:5  corrupt  "a red fox asleep in fresh snow"';

describe('the cache never follows a symbolic link', () => {
  it('an entry folder linked to a folder outside the project: generate writes nothing there, check reports it', async () => {
    const root = await copyFixture('cli-basic');
    const fox = await keyAt(root, 'src/pages/index.astro', 8);
    await withOutsideFolder(async (outside) => {
      await writeFile(path.join(outside, 'keep.txt'), "not genimage's");
      await mkdir(path.join(root, '.genimage'));
      await symlink(outside, path.join(root, '.genimage', fox), 'dir');

      const check = await run(['check'], { cwd: root, env: { CI: 'true' } });
      expect(check.code).toBe(1);
      expect(check.stdout).toContain(FOX);
      expect(check.stdout).toMatch(
        /is a symbolic link \(to .*genimage-outside-.*\), not a folder genimage wrote; genimage never follows links in its cache/,
      );

      const generate = await run(['generate'], { cwd: root, env: api.env() });
      expect(generate.code, generate.all).toBe(0);
      expect(generate.stderr).toContain(
        'src/pages/index.astro:8:5: the cached image failed verification and is not used; generating it again.',
      );
      // The link was replaced by a real entry; what it pointed to is as it was.
      expect(await contents(outside)).toEqual({ 'keep.txt': Buffer.from("not genimage's").toString('base64') });
      expect((await lstat(path.join(root, '.genimage', fox))).isDirectory()).toBe(true);
      expect(await cacheKeys(root)).toContain(fox);
      expect((await run(['check'], { cwd: root, env: { CI: 'true' } })).code).toBe(0);
    });
  });

  it('a linked 0.png with matching metadata is not served: check exits 1, and generate replaces the link, not its target', async () => {
    const root = await copyFixture('cli-basic');
    expect((await run(['generate'], { cwd: root, env: api.env() })).code).toBe(0);
    const fox = await keyAt(root, 'src/pages/index.astro', 8);
    await withOutsideFolder(async (outside) => {
      const image = path.join(root, '.genimage', fox, '0.png');
      await cp(image, path.join(outside, '0.png'));
      await rm(image);
      await symlink(path.join(outside, '0.png'), image);
      const before = await contents(outside);

      const check = await run(['check', '--json'], { cwd: root, env: { CI: 'true' } });
      expect(check.code).toBe(1);
      expect(parseJson(check.stdout)).toMatchObject({
        ok: false,
        problems: [
          {
            key: fox,
            status: 'corrupt',
            reason: expect.stringMatching(/Image 0\.png of entry .* could not be read: .*0\.png is a symbolic link/),
          },
        ],
      });
      // A frozen build fails the same way, rather than publish it: the verification is the one `generate --frozen` makes.
      const frozen = await run(['generate', '--frozen'], { cwd: root, env: { CI: 'true' } });
      expect(frozen.code).toBe(1);
      expect(frozen.stderr).toMatch(/src\/pages\/index\.astro:8:5 {2}corrupt/);

      api.server().reset();
      expect((await run(['generate'], { cwd: root, env: api.env() })).code).toBe(0);
      expect(api.server().requests).toHaveLength(1);
      expect((await lstat(image)).isFile()).toBe(true);
      expect(await contents(outside)).toEqual(before);
      expect((await run(['check'], { cwd: root, env: { CI: 'true' } })).code).toBe(0);
    });
  });

  it('a cache folder that is itself a link is refused by every command, saying why; nothing is written where it points', async () => {
    const root = await copyFixture('cli-basic');
    await withOutsideFolder(async (outside) => {
      await symlink(outside, path.join(root, '.genimage'), 'dir');
      // Pointing outside the project, it is first a cacheDir outside the root...
      const check = await run(['check'], { cwd: root, env: { CI: 'true' } });
      expect(check.code).toBe(2);
      expect(check.stderr).toMatch(/resolves to .*\.genimage \(.*genimage-outside-.* once links are followed\), outside the project root/);
      // ...and allowed there, still a link: genimage uses a real folder only.
      await writeFile(path.join(root, 'genimage.config.json'), JSON.stringify({ cacheDirOutsideRoot: true }));
      for (const command of [['check'], ['generate'], ['prune', '--yes']]) {
        const result = await run(command, { cwd: root, env: api.env() });
        expect(result.code, result.all).toBe(1);
        expect(result.stderr).toMatch(
          /The cache folder is a symbolic link: The cache folder .*\.genimage is a symbolic link \(to .*genimage-outside-.*\)\. genimage does not use a cache folder that is a link/,
        );
      }
      expect(await readdir(outside)).toEqual([]);
      expect(api.server().requests).toHaveLength(0);
    });
  });
});

describe('cacheDir outside the project', () => {
  it('is refused (exit 2), naming the resolved path and the option that allows it; nothing is written', async () => {
    const root = await copyFixture('cli-basic');
    await writeFile(path.join(root, 'genimage.config.json'), JSON.stringify({ cacheDir: '../shared-cache' }));
    const result = await run(['generate'], { cwd: root, env: api.env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `\`cacheDir: "../shared-cache"\` resolves to ${path.resolve(root, '../shared-cache')}, outside the project root ${root}.`,
    );
    expect(result.stderr).toContain('Set `cacheDirOutsideRoot: true`');
    expect(existsSync(path.resolve(root, '../shared-cache'))).toBe(false);
    expect(api.server().requests).toHaveLength(0);
  });

  it('is used with cacheDirOutsideRoot: true', async () => {
    const root = await copyFixture('cli-basic');
    await withOutsideFolder(async (outside) => {
      await writeFile(path.join(root, 'genimage.config.json'), JSON.stringify({ cacheDir: outside, cacheDirOutsideRoot: true }));
      expect((await run(['generate'], { cwd: root, env: api.env() })).code).toBe(0);
      expect((await readdir(outside)).filter((name) => /^[0-9a-f]{64}$/.test(name))).toHaveLength(3);
    });
  });

  it('the project root itself is refused (exit 2): prune would look at the whole project', async () => {
    const root = await copyFixture('cli-basic');
    await writeFile(path.join(root, 'genimage.config.json'), JSON.stringify({ cacheDir: '.', cacheDirOutsideRoot: true }));
    const result = await run(['check'], { cwd: root, env: { CI: 'true' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`resolves to ${root}, which is the project root ${root} or contains it.`);
  });
});

describe('check verifies what the build will decode', () => {
  it('an image beyond the pixel limit whose hashes match: exit 1, naming the marker and why', async () => {
    const root = await copyFixture('cli-basic');
    expect((await run(['generate'], { cwd: root, env: api.env() })).code).toBe(0);
    const fox = await keyAt(root, 'src/pages/index.astro', 8);
    const bytes = hugePng();
    const entry = path.join(root, '.genimage', fox);
    const meta = JSON.parse(await readFile(path.join(entry, 'meta.json'), 'utf8')) as { images: Record<string, unknown>[] };
    meta.images[0] = {
      ...meta.images[0],
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.byteLength,
      width: 8193,
      height: 4096,
      format: 'png',
    };
    await writeFile(path.join(entry, '0.png'), bytes);
    await writeFile(path.join(entry, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);

    const result = await run(['check'], { cwd: root, env: { CI: 'true' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(FOX);
    expect(result.stdout).toContain(
      `Image 0.png of entry .genimage/${fox} cannot be rendered: the png image is 8193×4096 (33558528 pixels), above the limit of 33554432 pixels.`,
    );
    expect(result.stdout).toContain(`hint: Delete .genimage/${fox} and run \`genimage generate\``);
    expect(result.stdout).toContain('1 of 3 image(s) missing or corrupt');
  });
});
