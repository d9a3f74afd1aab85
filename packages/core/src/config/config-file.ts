import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type GenImageConfig, describeIssues } from './config.ts';
import { GenImageError, InvalidOptions } from '../errors.ts';
import { configSchema } from './config.ts';

/** Looked for at the project root, in this order. */
export const CONFIG_FILE_NAMES = ['genimage.config.ts', 'genimage.config.mjs', 'genimage.config.js', 'genimage.config.json'] as const;

export async function findConfigFile(root: string): Promise<string | undefined> {
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = path.join(root, name);
    try {
      await access(candidate);
      return candidate;
    } catch {
      // Not this one.
    }
  }
  return undefined;
}

/**
 * Reads a config file: JSON, or a module whose default export is the options (Node >= 22.18
 * imports `.ts` directly by stripping types). Validated here so errors name the file.
 */
export async function loadConfigFile(file: string): Promise<GenImageConfig> {
  let raw: unknown;
  try {
    if (file.endsWith('.json')) {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } else {
      const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
      raw = module.default;
    }
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new GenImageError(InvalidOptions, `Could not load ${file}: ${reason}`, {
      hint: 'A config file exports its options as the default export (or is a JSON object).',
      cause,
    });
  }
  if (raw === undefined) {
    throw new GenImageError(InvalidOptions, `${file} has no default export.`, { hint: 'Write `export default { ... }`.' });
  }
  const checked = configSchema.safeParse(raw);
  if (!checked.success) {
    throw new GenImageError(
      InvalidOptions,
      `${file}:\n${describeIssues(checked.error.issues)
        .map((line) => `  ${line}`)
        .join('\n')}`,
    );
  }
  // The raw input, not the parsed output: defaults are applied once, after merging with inline options.
  return raw as GenImageConfig;
}
