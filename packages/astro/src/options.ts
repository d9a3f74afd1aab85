import { GenImageError, InvalidOptions, configSchema, describeIssues, type GenImageConfig } from '@genimage/core';

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
    throw new GenImageError(InvalidOptions, `Invalid options in genimage() in the Astro config:\n${lines.map((line) => `  ${line}`).join('\n')}`);
  }
  return { config, ...(configFile !== undefined && { configFile }) };
}
