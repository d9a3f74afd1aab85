import vue from '@vitejs/plugin-vue';
import genimage from '@genimage/vite';
import { defineConfig } from 'vite';

// genimage before Vue: it replaces each literal <GenImage ... /> of a <template> with its <picture>.
export default defineConfig({
  plugins: [genimage(), vue()],
});
