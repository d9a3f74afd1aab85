/**
 * Vue and Svelte beside React in one real `vite build` (each framework's own Vite plugin). No
 * renderer replaces a Vue or Svelte marker yet, so the build refuses them at the marker, before
 * anything is generated at all: never a green build that ships `resolveComponent("GenImage")`.
 */
import { startTestServer, type TestServer } from '@genimage/test-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copySite, removeTemps, viteBuild } from './fixtures/astro-harness/harness.ts';

let server: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer({ longEdge: { '1K': 64 } });
  env = { SHARK_API_KEY: server.apiKey, SHARK_BASE_URL: server.baseUrl };
});
afterAll(async () => {
  await server?.close();
  await removeTemps();
});

/** Each marker refused at its place, in the build's log; the build fails with the first. */
const REFUSED = [
  /src\/Gallery\.svelte:2:1: .*<GenImage> in a \.svelte file is not rendered yet/,
  /src\/Hero\.vue:3:3: .*<GenImage> in a \.vue file is not rendered yet/,
];
const prompts = () => server.requests.map((request) => (request.body as { prompt: string }).prompt);
/** What the build failed with, after the scan's log lines (which name every marker). */
const failure = (output: string) => output.slice(output.indexOf('error during build'));

describe('vite build of Vue and Svelte markers beside React', () => {
  let root: string;

  test('exits 1 naming each refused marker, before anything is generated: not even the React image is paid for', async () => {
    root = await copySite('fixtures/vite-vue-svelte');
    server.reset();
    const result = await viteBuild(root, env);
    expect(result.code, result.output).toBe(1);
    for (const refused of REFUSED) expect(result.output).toMatch(refused);
    expect(failure(result.output)).toMatch(REFUSED[0]!);
    expect(failure(result.output)).toContain('and 1 more marker error(s)');
    expect(prompts()).toEqual([]);
  });

  test('frozen (CI=1): exits 1 with the same error, not "missing", and sends nothing', async () => {
    server.reset();
    const result = await viteBuild(root, { ...env, CI: '1' });
    expect(result.code, result.output).toBe(1);
    for (const refused of REFUSED) expect(result.output).toMatch(refused);
    expect(failure(result.output)).toMatch(REFUSED[0]!);
    expect(failure(result.output)).not.toContain('missing');
    expect(server.requests).toHaveLength(0);
  });
});
