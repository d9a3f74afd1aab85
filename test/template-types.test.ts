/**
 * The typed stubs `@genimage/vite/vue` and `@genimage/vite/svelte` in the frameworks' own
 * checkers: `vue-tsc --noEmit` and `svelte-check` pass a correct marker (bound alt, literal
 * generation attributes) and flag a missing `alt` and an aspect ratio the API does not offer, at
 * the marker, as `tsc` does for React and `astro check` for Astro.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TMP } from './fixtures/astro-harness/harness.ts';

// Inside test/, so that the site resolves @genimage/vite, vue and svelte from test/node_modules.
const site = path.join(TMP, `template-types-${process.pid}`);
const bin = (name: string) => path.resolve(import.meta.dirname, 'node_modules/.bin', name);

const FILES: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      target: 'es2022',
      module: 'esnext',
      moduleResolution: 'bundler',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    },
    include: ['*.vue', '*.svelte'],
  }),
  'Good.vue': `<script setup lang="ts">
import { GenImage } from '@genimage/vite/vue';
const title = 'A fox';
</script>
<template>
  <GenImage prompt="a fox" :seed="42" aspectRatio="16:9" :alt="title" class="hero" loading="eager" />
</template>
`,
  'Bad.vue': `<script setup lang="ts">
import { GenImage } from '@genimage/vite/vue';
</script>
<template>
  <GenImage prompt="a fox" />
  <GenImage prompt="a fox" aspectRatio="5:7" alt="x" />
</template>
`,
  'Good.svelte': `<script lang="ts">
  import GenImage from '@genimage/vite/svelte';
  let { name = 'fox' } = $props();
</script>
<GenImage prompt="a fox" seed={42} aspectRatio="16:9" alt="A {name}" class="hero" loading="eager" />
`,
  'Bad.svelte': `<script lang="ts">
  import GenImage from '@genimage/vite/svelte';
</script>
<GenImage prompt="a fox" />
<GenImage prompt="a fox" aspectRatio="5:7" alt="x" />
`,
};

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: site, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  await mkdir(site, { recursive: true });
  for (const [name, text] of Object.entries(FILES)) await writeFile(path.join(site, name), text);
});
afterAll(() => rm(site, { recursive: true, force: true }));

describe('the typed stubs in the frameworks’ checkers', () => {
  test('vue-tsc --noEmit: Good.vue passes; Bad.vue has a missing alt and an unknown aspect ratio, at the markers', async () => {
    const { code, output } = await run(bin('vue-tsc'), ['--noEmit', '-p', 'tsconfig.json']);
    expect(code, output).not.toBe(0);
    const errors = output.split('\n').filter((line) => /error TS/.test(line));
    expect(errors, output).toEqual([
      expect.stringMatching(/^Bad\.vue\(5,\d+\): error TS\d+: /),
      expect.stringMatching(/^Bad\.vue\(6,\d+\): error TS2322: Type '"5:7"' is not assignable/),
    ]);
    expect(output).toContain("Property 'alt' is missing");
  });

  test('svelte-check: Good.svelte passes; Bad.svelte has a missing alt and an unknown aspect ratio, at the markers', async () => {
    const { output } = await run(bin('svelte-check'), ['--workspace', '.', '--tsconfig', './tsconfig.json', '--output', 'machine']);
    const errors = output.split('\n').filter((line) => / ERROR /.test(line));
    expect(errors, output).toEqual([
      expect.stringMatching(/ERROR "Bad\.svelte" 4:\d+ "Type '\{ prompt: string; \}' is not assignable .*Property 'alt' is missing/),
      expect.stringMatching(/ERROR "Bad\.svelte" 5:\d+ "Type '\\"5:7\\"' is not assignable/),
    ]);
  });
});
