/**
 * Vue and Svelte beside React in one real `vite build` (each framework's own Vite plugin): each
 * literal marker becomes its `<picture>` before the framework's compiler runs, so the bundle holds
 * the markup and no component named GenImage; an expression in a generation attribute fails the
 * build at its place, before anything is generated.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
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

const prompts = () => server.requests.map((request) => (request.body as { prompt: string }).prompt).sort();

async function scripts(root: string): Promise<string> {
  const assets = path.join(root, 'dist/assets');
  const files = (await readdir(assets)).filter((file) => file.endsWith('.js'));
  return (await Promise.all(files.map((file) => readFile(path.join(assets, file), 'utf8')))).join('\n');
}

describe('vite build of Vue and Svelte markers beside React', () => {
  test('renders every marker: one request per marker, the pictures in the bundle, no GenImage component left', async () => {
    const root = await copySite('fixtures/vite-vue-svelte');
    server.reset();
    const result = await viteBuild(root, env);
    expect(result.code, result.output).toBe(0);
    expect(prompts()).toEqual(['a react marker, rendered', 'a svelte marker, rendered', 'a vue marker, rendered']);
    const js = await scripts(root);
    // Booleans, not the bundle: a failure should not print a minified framework.
    expect(/resolveComponent\("GenImage"\)|reached the browser unreplaced/.test(js)).toBe(false);
    for (const framework of ['react', 'vue', 'svelte'])
      expect(js.includes(`/assets/a-${framework}-marker-rendered-`), framework).toBe(true);
    expect((await readdir(path.join(root, 'dist/assets'))).filter((file) => file.endsWith('.webp'))).toHaveLength(3);
  });

  test('NODE_ENV=development, where Vue keeps the template apart and binds every import: renders, and the stub is no error', async () => {
    const root = await copySite('fixtures/vite-vue-svelte');
    const result = await viteBuild(root, { ...env, NODE_ENV: 'development' });
    expect(result.code, result.output).toBe(0);
    expect((await scripts(root)).includes('/assets/a-vue-marker-rendered-')).toBe(true);
  });

  test('an expression in a generation attribute of a .vue template fails the build at its place, and nothing is generated', async () => {
    const root = await copySite('fixtures/vite-vue-svelte');
    const hero = path.join(root, 'src/Hero.vue');
    await writeFile(hero, (await readFile(hero, 'utf8')).replace(':seed="2"', ':seed="seedOf(title)"'));
    server.reset();
    const result = await viteBuild(root, env);
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(/src\/Hero\.vue:9:45: .*seed=\{seedOf\(title\)\} is an expression/);
    expect(prompts()).toEqual([]);
  });

  test('the Vue stub used where no literal marker is (<component :is>) fails the build, naming the component', async () => {
    const root = await copySite('fixtures/vite-vue-svelte');
    const hero = path.join(root, 'src/Hero.vue');
    await writeFile(
      hero,
      (await readFile(hero, 'utf8')).replace('</template>', '  <component :is="GenImage" prompt="made in code" alt="" />\n</template>'),
    );
    const result = await viteBuild(root, env);
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(/src\/Hero\.vue: a <GenImage> used as a component, which nothing renders/);
  });
});
