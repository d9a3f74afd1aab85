/**
 * The CLI reads genimage's options where the build reads them: inline in astro.config.* or
 * vite.config.* (JavaScript or TypeScript), over genimage.config.*. The sites live under test/.tmp
 * so that their configs import @genimage/astro and @genimage/vite as a user's site does.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { TMP } from './fixtures/astro-harness/harness.ts';
import { parseJson, removeTemps, run } from './fixtures/cli-harness/harness.ts';

afterAll(removeTemps);

/** A site under test/.tmp with these files. */
async function site(files: Record<string, string>): Promise<string> {
  await mkdir(TMP, { recursive: true });
  const root = await mkdtemp(path.join(TMP, 'framework-config-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
  return root;
}

const PAGE = {
  'src/pages/index.astro':
    '---\nimport { GenImage } from \'@genimage/astro/components\';\n---\n<GenImage prompt="a fox" seed={1} alt="A fox" />\n',
};

async function aspectRatios(root: string, args: string[] = [], cwd = root): Promise<string[]> {
  const scan = await run(['scan', '--json', ...args], { cwd });
  expect(scan.code, scan.stderr).toBe(0);
  return parseJson<{ markers: { params: { aspectRatio: string } }[] }>(scan.stdout).markers.map((marker) => marker.params.aspectRatio);
}

describe('genimage options in the framework config', () => {
  test('inline options of the Astro integration override genimage.config.*', async () => {
    const root = await site({
      ...PAGE,
      'genimage.config.mjs': "export default { defaults: { aspectRatio: '4:3', seed: 9 } };\n",
      'astro.config.mjs':
        "import genimage from '@genimage/astro';\nexport default { integrations: [genimage({ defaults: { aspectRatio: '16:9' } })] };\n",
    });
    expect(await aspectRatios(root)).toEqual(['16:9']);
    // Without the framework config, on purpose: the file's options alone.
    expect(await aspectRatios(root, ['--no-framework-config'])).toEqual(['4:3']);
  });

  test('a TypeScript astro.config.ts and the configFile option it names', async () => {
    const root = await site({
      ...PAGE,
      'config/images.mjs': "export default { defaults: { aspectRatio: '21:9' } };\n",
      'astro.config.ts': [
        "import genimage from '@genimage/astro';",
        "const options: { configFile: string } = { configFile: 'config/images.mjs' };",
        'export default { integrations: [genimage(options)] };',
        '',
      ].join('\n'),
    });
    expect(await aspectRatios(root)).toEqual(['21:9']);
  });

  test('an astro.config.mjs that only Vite can load (an extensionless import of a .ts file), as Astro falls back to Vite', async () => {
    const root = await site({
      ...PAGE,
      'genimage-options.ts': "export const options: { defaults: { aspectRatio: '5:4' } } = { defaults: { aspectRatio: '5:4' } };\n",
      'astro.config.mjs':
        "import genimage from '@genimage/astro';\nimport { options } from './genimage-options';\nexport default { integrations: [genimage(options)] };\n",
    });
    expect(await aspectRatios(root)).toEqual(['5:4']);
  });

  test('a vite.config.ts with the plugin as a function export, read from another directory with --config', async () => {
    const root = await site({
      'index.html': '<GenImage prompt="a heron" alt="A heron" />\n',
      'vite.config.ts': [
        "import genimage from '@genimage/vite';",
        "import { defineConfig, type UserConfig } from 'vite';",
        "export default defineConfig(({ command }): UserConfig => ({ plugins: [genimage({ config: { defaults: { aspectRatio: command === 'build' ? '9:16' : '1:1' } } })] }));",
        '',
      ].join('\n'),
    });
    expect(await aspectRatios(root, ['--config', path.join(path.basename(root), 'vite.config.ts')], path.dirname(root))).toEqual(['9:16']);
  });

  test('a framework config that cannot load is an error that says so and what to do', async () => {
    const root = await site({
      ...PAGE,
      'astro.config.mjs':
        "import genimage from '@genimage/astro';\nif (!process.env.SITE_URL) throw new Error('SITE_URL is not set');\nexport default { integrations: [genimage()] };\n",
    });
    const scan = await run(['scan'], { cwd: root });
    expect(scan.code).toBe(2);
    expect(scan.stderr).toContain("Could not load astro.config.mjs to read genimage's options from it: SITE_URL is not set");
    expect(scan.stderr).toContain('--no-framework-config');
    expect(scan.stderr).not.toMatch(/\n\s+at /);
    const json = await run(['scan', '--json'], { cwd: root });
    expect(parseJson<{ error: { code: string } }>(json.stdout).error.code).toBe('InvalidOptions');
    expect((await run(['scan', '--no-framework-config'], { cwd: root })).code).toBe(0);
  });

  test('invalid inline options are reported by name, as the build reports them', async () => {
    const root = await site({
      ...PAGE,
      'astro.config.mjs':
        "import genimage from '@genimage/astro';\nexport default { integrations: [genimage({ defaults: { aspectRatio: '7:5' } })] };\n",
    });
    const scan = await run(['scan'], { cwd: root });
    expect(scan.code).toBe(2);
    expect(scan.stderr).toContain('defaults.aspectRatio: must be one of "1:1"');
  });

  test('genimage registered twice is refused', async () => {
    const root = await site({
      ...PAGE,
      'astro.config.mjs':
        "import genimage from '@genimage/astro';\nimport plugin from '@genimage/vite';\nexport default { integrations: [genimage()], vite: { plugins: [plugin()] } };\n",
    });
    const scan = await run(['scan'], { cwd: root });
    expect(scan.code).toBe(2);
    expect(scan.stderr).toContain('astro.config.mjs registers genimage 2 times (@genimage/astro, @genimage/vite).');
  });
});
