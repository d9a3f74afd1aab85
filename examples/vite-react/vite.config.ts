import react from '@vitejs/plugin-react';
import genimage from '@genimage/vite';
import { defineConfig } from 'vite';

// genimage before React: it replaces each literal <GenImage ... /> with its <picture> JSX.
export default defineConfig({
  plugins: [genimage(), react()],
});
