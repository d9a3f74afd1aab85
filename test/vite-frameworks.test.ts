/**
 * Vue and Svelte beside React in one real `vite build` (each framework's own Vite plugin). No
 * renderer replaces a Vue or Svelte marker yet, so the build refuses them at the marker, before
 * anything is generated for them: never a green build that ships `resolveComponent("GenImage")`.
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

/** Each marker refused at its place, in the error the build fails with. */
const REFUSED = [
  /src\/Hero\.vue:3:3: .*<GenImage> in a \.vue file is not rendered yet/,
  /src\/Gallery\.svelte:2:1: .*<GenImage> in a \.svelte file is not rendered yet/,
];
const prompts = () => server.requests.map((request) => (request.body as { prompt: string }).prompt);
/** What the build failed with, after the scan's log lines (which name the markers too). */
const failure = (output: string) => output.slice(output.indexOf('error during build'));

describe('vite build of Vue and Svelte markers beside React', () => {
  let root: string;

  test('exits 1 with the marker as the error; the React marker is generated, nothing for Vue or Svelte', async () => {
    root = await copySite('fixtures/vite-vue-svelte');
    server.reset();
    const result = await viteBuild(root, env);
    expect(result.code, result.output).toBe(1);
    for (const refused of REFUSED) expect(failure(result.output)).toMatch(refused);
    expect(prompts()).toEqual(['a react marker, rendered']);
  });

  test('frozen (CI=1), with the React image cached: exits 1 with the same error, and sends nothing', async () => {
    server.reset();
    const result = await viteBuild(root, { ...env, CI: '1' });
    expect(result.code, result.output).toBe(1);
    for (const refused of REFUSED) expect(failure(result.output)).toMatch(refused);
    expect(failure(result.output)).not.toContain('missing');
    expect(server.requests).toHaveLength(0);
  });
});
