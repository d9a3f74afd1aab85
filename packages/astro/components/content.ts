import { imageDeclarationSchema } from '@genimage/core';

/**
 * The schema of an image declared in a content collection's frontmatter, in the spirit of Astro's
 * `image()`: `hero: { prompt: "…", seed: 42, alt: "…" }`. `genimage scan` reads such declarations
 * from the files themselves, and a layout renders one with `<GenImage {...post.data.hero} />`.
 * An invalid declaration fails the content build with Astro's own error, before anything is paid.
 *
 * @example
 * // src/content.config.ts
 * const blog = defineCollection({ loader: glob({ pattern: '*.md', base: './src/content/blog' }),
 *   schema: z.object({ title: z.string(), hero: genImageSchema() }) });
 */
export function genImageSchema(): typeof imageDeclarationSchema {
  return imageDeclarationSchema;
}
