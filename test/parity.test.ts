/**
 * One truth: on every fixture site of the repository, the images `genimage scan --json` reports
 * are exactly the images a real build asks the API for, and `genimage check` (frozen, as in CI)
 * passes on the cache that build left. A disagreement would mean double generation, a red CI after
 * a green build, or `prune` deleting images the build uses.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '@genimage/test-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { astroBuild, type BuildResult, copySite, removeTemps, viteBuild } from './fixtures/astro-harness/harness.ts';
import { cacheKeys, parseJson, run } from './fixtures/cli-harness/harness.ts';

let server: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer({ longEdge: { '1K': 64, '2K': 96, '4K': 128 } });
  env = { SHARK_API_KEY: server.apiKey, SHARK_BASE_URL: server.baseUrl };
});
afterAll(async () => {
  await server?.close();
  await removeTemps();
});

interface ScannedMarker {
  key: string;
  prompt: string;
  status: string;
}

async function scanJson(root: string): Promise<ScannedMarker[]> {
  const scan = await run(['scan', '--json'], { cwd: root, env });
  expect(scan.code, scan.stderr).toBe(0);
  return parseJson<{ markers: ScannedMarker[] }>(scan.stdout).markers;
}

const SITES: { site: string; build: (root: string, buildEnv: Record<string, string>) => Promise<BuildResult>; expectMarkers: number }[] = [
  { site: '../examples/astro-site', build: astroBuild, expectMarkers: 27 },
  { site: 'fixtures/astro-basic', build: astroBuild, expectMarkers: 5 },
  { site: 'fixtures/astro-markdown', build: astroBuild, expectMarkers: 3 },
  { site: 'fixtures/astro-parity', build: astroBuild, expectMarkers: 26 },
  // React, Vue and Svelte islands beside the page's own marker.
  { site: 'fixtures/astro-islands', build: astroBuild, expectMarkers: 4 },
  { site: 'fixtures/vite-multipage', build: viteBuild, expectMarkers: 3 },
  { site: '../examples/vite-html', build: viteBuild, expectMarkers: 4 },
  { site: '../examples/vite-react', build: viteBuild, expectMarkers: 3 },
  { site: '../examples/vite-vue', build: viteBuild, expectMarkers: 3 },
  { site: '../examples/vite-svelte', build: viteBuild, expectMarkers: 3 },
  // React, Vue and Svelte in one build.
  { site: 'fixtures/vite-vue-svelte', build: viteBuild, expectMarkers: 3 },
  // Sources outside src/: a component in lib/, a content collection loaded from content/notes.
  { site: 'fixtures/astro-outside', build: astroBuild, expectMarkers: 3 },
  { site: 'fixtures/vite-react-outside', build: viteBuild, expectMarkers: 2 },
  // about/index.html is not an entry: neither built nor scanned.
  { site: 'fixtures/vite-entries', build: viteBuild, expectMarkers: 1 },
];

describe.each(SITES)('parity of the CLI and the build: $site', ({ site, build, expectMarkers }) => {
  let root: string;

  test('the keys a cold build asks the API for are exactly the keys `genimage scan` reports', async () => {
    root = await copySite(site);
    const scanned = await scanJson(root);
    expect(scanned).toHaveLength(expectMarkers);
    expect(scanned.every((marker) => marker.status === 'missing')).toBe(true);
    const keys = [...new Set(scanned.map((marker) => marker.key))].sort();
    const promptOf = new Map(scanned.map((marker) => [marker.key, marker.prompt]));

    server.reset();
    const result = await build(root, env);
    expect(result.code, result.output).toBe(0);
    // One request per distinct key, and the build's cache holds exactly the scanned keys.
    const asked = server.requests.map((request) => (request.body as { prompt: string }).prompt).sort();
    expect(asked).toEqual(keys.map((key) => promptOf.get(key)!).sort());
    expect(await cacheKeys(root)).toEqual(keys);
  });

  test('after the build, `genimage check` passes frozen, generate sends nothing and prune keeps every entry', async () => {
    const check = await run(['check'], { cwd: root, env: { ...env, CI: '1' } });
    expect(check.code, check.all).toBe(0);
    server.reset();
    const before = await cacheKeys(root);
    const generate = await run(['generate'], { cwd: root, env });
    expect(generate.code, generate.all).toBe(0);
    expect(server.requests).toHaveLength(0);
    const prune = await run(['prune', '--yes'], { cwd: root, env });
    expect(prune.code, prune.all).toBe(0);
    expect(await cacheKeys(root)).toEqual(before);
  });
});

describe('a Vite page that is not an entry', () => {
  test('is neither generated nor written, and the build and scan each name it once', async () => {
    const root = await copySite('fixtures/vite-entries');
    const notBuilt = /1 HTML page\(s\) hold <GenImage> markers but are not entries[^\n]*about\/index\.html/g;
    const scan = await run(['scan'], { cwd: root, env });
    expect(scan.code, scan.all).toBe(0);
    expect(scan.stderr.match(notBuilt), scan.all).toHaveLength(1);
    server.reset();
    const build = await viteBuild(root, env);
    expect(build.code, build.output).toBe(0);
    expect(build.output.match(notBuilt), build.output).toHaveLength(1);
    expect(server.requests.map((request) => (request.body as { prompt: string }).prompt)).toEqual([
      'a quiet bay at noon, on the built page',
    ]);
    expect(existsSync(path.join(root, 'dist/about'))).toBe(false);
  });
});

describe('prune on a site whose options are inline', () => {
  test('a frozen rebuild after prune passes: prune never deletes what the build uses', async () => {
    const root = await copySite('fixtures/astro-parity');
    const cold = await astroBuild(root, env);
    expect(cold.code, cold.output).toBe(0);
    const prune = await run(['prune', '--yes'], { cwd: root, env });
    expect(prune.code, prune.all).toBe(0);
    server.reset();
    const frozen = await astroBuild(root, { CI: '1' });
    expect(frozen.code, frozen.output).toBe(0);
    expect(server.requests).toHaveLength(0);
  });
});
