// biome-ignore lint/suspicious/noTsIgnore: in `astro check` the import has types, so @ts-expect-error would fail there.
// @ts-ignore: .astro modules are typed by Astro's tooling (astro check, the language server), not by tsc.
export { default as GenImage } from './GenImage.astro';
export type { GenImageProps } from './types.ts';
export { genImage, type ImageData, type ImageFunctionOptions } from './image.ts';
