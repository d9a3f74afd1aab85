import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Engine, PLACEHOLDERS_DIR } from '../../src/engine.ts';
import { checkCache } from '../../src/reports/check.ts';

let root: string;

const PAGE = `---
import { GenImage } from '@genimage/astro/components';
---
<GenImage prompt="a red fox" seed={1} alt="" />
<GenImage prompt="an owl" seed={2} alt="" />
<GenImage prompt="a lake" seed={3} alt="" />
`;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'genimage-check-'));
  await mkdir(path.join(root, 'src/pages'), { recursive: true });
  await writeFile(path.join(root, 'src/pages/index.astro'), PAGE);
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** An engine on `root` with no API key: `auto` falls back to offline placeholders. */
function load(provider: 'auto' | 'local'): Promise<Engine> {
  return Engine.load({ root, configFile: false, env: {}, options: { provider } });
}

describe('checkCache', () => {
  test('a missing and a corrupt image are problems, with what failed verification; the cached one is not', async () => {
    const engine = await load('local');
    const [fox, owl, lake] = (await engine.scan()).requests;
    await engine.generate([fox!, owl!]);
    await writeFile(path.join(root, PLACEHOLDERS_DIR, owl!.key, '0.png'), 'not a png');

    const report = await checkCache(engine, [fox!, owl!, lake!]);
    expect(report.problems.map(({ request, status }) => [request, status])).toEqual([
      [owl, 'corrupt'],
      [lake, 'missing'],
    ]);
    expect(report.problems[0]!.reason).toContain('has 9 bytes, but the metadata says');
    expect(report.problems[1]!.reason).toBeUndefined();
    expect(report.locations).toEqual([
      { key: fox!.key, found: 'local', prompt: 'a red fox', origins: [{ file: 'src/pages/index.astro', line: 4, column: 1 }] },
      { key: owl!.key, found: 'corrupt', prompt: 'an owl', origins: [{ file: 'src/pages/index.astro', line: 5, column: 1 }] },
      {
        key: lake!.key,
        found: 'missing',
        prompt: expect.any(String),
        origins: [expect.objectContaining({ file: 'src/pages/index.astro' })],
      },
    ]);
    expect(report).toMatchObject({ images: 3, found: { local: 1, remote: 0, missing: 1, corrupt: 1 }, remote: undefined });
  });

  test('everything cached: no problem', async () => {
    const engine = await load('local');
    const { requests } = await engine.scan();
    await engine.generate(requests);
    const report = await checkCache(engine, requests);
    expect(report).toMatchObject({ images: 3, problems: [], found: { local: 3, missing: 0, corrupt: 0 } });
  });

  test('checked offline, the placeholders pass and are counted', async () => {
    const engine = await load('auto');
    const { requests } = await engine.scan();
    await engine.generate(requests.slice(0, 2));
    const report = await checkCache(engine, requests);
    expect(report).toMatchObject({ offline: true, placeholders: 2, found: { local: 2, missing: 1 } });
  });

  test('the local provider chosen on purpose is not offline', async () => {
    const engine = await load('local');
    const { requests } = await engine.scan();
    await engine.generate(requests);
    expect(await checkCache(engine, requests)).toMatchObject({ offline: false, placeholders: 0 });
  });
});
