/**
 * What the `<GenImage>` of `@genimage/vite/react`, `/vue` and `/svelte` does if it ever runs: it
 * only runs when the plugin did not replace the marker, so it says how to set the plugin up.
 */
export function unreplaced(prompt: unknown): never {
  throw new Error(
    // Not written as a tag: a bundle that holds this text holds no raw marker.
    `The GenImage component (prompt ${JSON.stringify(prompt)}) reached the browser unreplaced: add the genimage plugin to vite.config (plugins: [genimage()] from '@genimage/vite', before the framework's plugin), and write its attributes as literals.`,
  );
}
