import { resolve } from 'node:path';
import genimage from '@genimage/vite';
import { defineConfig } from 'vite';

// A multi-page site: every page is an entry. genimage reads its options from genimage.config.mjs.
export default defineConfig({
  build: {
    rollupOptions: {
      input: { home: resolve(import.meta.dirname, 'index.html'), about: resolve(import.meta.dirname, 'about/index.html') },
    },
  },
  plugins: [genimage()],
});
