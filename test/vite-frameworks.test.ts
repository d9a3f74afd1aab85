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

const REFUSED = /src\/(?:Hero\.vue:3:3: <GenImage> in a \.vue|Gallery\.svelte:2:1: <GenImage> in a \.svelte) file is not supported yet/;
const prompts = () => server.requests.map((request) => (request.body as { prompt: string }).prompt);

describe.each([
  { mode: 'a build', ci: '' },
  { mode: 'a frozen build (CI=1)', ci: '1' },
])('vite build of Vue and Svelte markers: $mode', ({ ci }) => {
  test('exits 1 naming the marker, and generates nothing for it', async () => {
    const root = await copySite('fixtures/vite-vue-svelte');
    server.reset();
    const result = await viteBuild(root, { ...env, CI: ci });
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(REFUSED);
    expect(prompts().filter((prompt) => /vue|svelte/.test(prompt))).toEqual([]);
  });
});
