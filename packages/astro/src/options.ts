import { GenImageError, InvalidOptions, configSchema, describeIssues, type GenImageConfig } from '@genimage/core';
import type { AstroConfig, AstroIntegrationLogger } from 'astro';

/** Options of `genimage()`: every genimage option (they override `genimage.config.*`), plus which file to read. */
export type GenImageIntegrationOptions = GenImageConfig & {
  /** A config file, relative to the project root; `false` reads none. @default the first genimage.config.* at the root */
  configFile?: string | false;
};

/** Core's schema, every key optional: defaults are applied once, after merging with the config file. */
const inlineSchema = configSchema.partial();

/** Validates once, at `astro:config:setup`, so a typo fails there with `option.path: message` lines. */
export function validateOptions(options: GenImageIntegrationOptions | undefined): { config: GenImageConfig; configFile?: string | false } {
  const { configFile, ...config } = options ?? {};
  const lines: string[] = [];
  if (configFile !== undefined && configFile !== false && (typeof configFile !== 'string' || configFile.trim() === '')) {
    lines.push('configFile: must be a path or false');
  }
  const parsed = inlineSchema.safeParse(config);
  if (!parsed.success) lines.push(...describeIssues(parsed.error.issues));
  if (lines.length > 0) {
    throw new GenImageError(
      InvalidOptions,
      `Invalid options in genimage() in the Astro config:\n${lines.map((line) => `  ${line}`).join('\n')}`,
    );
  }
  return { config, ...(configFile !== undefined && { configFile }) };
}

/** The extensions of the files genimage emits. */
const IMAGE_EXTENSIONS = ['avif', 'webp', 'jpg', 'png'] as const;

/**
 * Astro's `build.assetsPrefix` for genimage's files: the string, or for the per-extension form the
 * entry of the image extensions (else `fallback`). One prefix serves all of genimage's files, so
 * when the image extensions disagree `fallback` is used, with a warning.
 */
export function assetsPrefixFor(
  prefix: AstroConfig['build']['assetsPrefix'],
  logger: Pick<AstroIntegrationLogger, 'warn'>,
): { assetsPrefix?: string } {
  if (!prefix) return {};
  if (typeof prefix === 'string') return { assetsPrefix: prefix };
  const prefixes = new Set(IMAGE_EXTENSIONS.map((extension) => prefix[extension] || prefix.fallback));
  if (prefixes.size > 1) {
    logger.warn(
      `build.assetsPrefix names different prefixes for ${IMAGE_EXTENSIONS.join(', ')}; genimage serves all its images from one, the fallback: ${prefix.fallback}`,
    );
    return { assetsPrefix: prefix.fallback };
  }
  return { assetsPrefix: [...prefixes][0]! };
}
