import { genImageSchema } from '@genimage/astro/content';
import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';

// Each post declares its hero image in its frontmatter; `genimage scan` reads it from the file.
const blog = defineCollection({
  loader: glob({ pattern: '*.md', base: './src/content/blog' }),
  schema: z.object({ title: z.string(), description: z.string(), hero: genImageSchema() }),
});

export const collections = { blog };
