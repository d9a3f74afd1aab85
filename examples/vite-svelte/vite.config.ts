import { svelte } from '@sveltejs/vite-plugin-svelte';
import genimage from '@genimage/vite';
import { defineConfig } from 'vite';

// genimage before Svelte: it replaces each literal <GenImage ... /> of a component with its <picture>.
export default defineConfig({
  plugins: [genimage(), svelte()],
});
