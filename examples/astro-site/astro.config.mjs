// @ts-check
import mdx from '@astrojs/mdx';
import genimage from '@genimage/astro';
import { defineConfig } from 'astro/config';

// genimage options live in genimage.config.mjs (shared with the CLI); inline options here override them.
export default defineConfig({
  site: 'https://fieldnotes.example',
  integrations: [mdx(), genimage()],
});
