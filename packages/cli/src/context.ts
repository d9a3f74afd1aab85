/** What every command starts with: the flags shared by all, the engine, the scan, exit codes. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Engine, type GenImageConfig, type GenImageEnv, InvalidOptions, type ScanResult, formatError, isGenImageError } from '@genimage/core';
import type { Output } from './output.ts';
import { jsonError, printDiagnostics } from './report.ts';
import { UsageError } from './usage.ts';

export { UsageError } from './usage.ts';

/** Exit codes: a contract, documented in `--help` and the README. */
export const EXIT = {
  /** Everything asked for was done. */
  ok: 0,
  /** The work failed: a failed generation, a missing or corrupt image, a marker with an error. */
  failed: 1,
  /** The command line or the configuration is wrong: nothing was attempted. */
  usage: 2,
} as const;

/** Flags every command takes. */
export interface GlobalFlags {
  root?: string;
  config?: string;
  json?: boolean;
  silent?: boolean;
  verbose?: boolean;
}

export interface Context {
  engine: Engine;
  root: string;
  out: Output;
}

export interface LoadOptions {
  frozen?: boolean;
  options?: GenImageConfig;
  env?: NodeJS.ProcessEnv;
}

/**
 * Validates `--root`, loads the config (validated once, in core) and creates the engine. `--root`
 * and `--config` are both relative to the current directory.
 */
export async function loadContext(flags: GlobalFlags, out: Output, load: LoadOptions = {}): Promise<Context> {
  const env = load.env ?? process.env;
  out.addSecret(env['SHARK_API_KEY']);
  const root = path.resolve(flags.root ?? process.cwd());
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`--root ${flags.root ?? root}: no such directory.`);
  const engine = await Engine.load({
    root,
    // Relative to where the command runs, as a shell completes it; core would take it from the root.
    ...(flags.config !== undefined && { configFile: path.resolve(flags.config) }),
    ...(load.options && { options: load.options }),
    env: env as GenImageEnv,
    logger: out.logger(),
    ...(load.frozen !== undefined && { frozen: load.frozen }),
  });
  out.addSecret(engine.config.apiKey);
  out.debug(`root ${root}, cache ${engine.cacheLocation}/, provider ${engine.providerId}${engine.frozen ? ', frozen' : ''}`);
  return { engine, root, out };
}

/** Scans and prints the diagnostics; `errors` counts the markers that failed. */
export async function scanProject(context: Context): Promise<{ scan: ScanResult; errors: number }> {
  const scan = await context.engine.scan();
  const errors = printDiagnostics(context.out, context.root, scan.diagnostics);
  if (errors > 0) context.out.info(`${errors} marker error(s): those markers were skipped.`);
  return { scan, errors };
}

/**
 * Reports an error that ended a command, through formatError (never a stack), and picks the exit
 * code. `command` is undefined when no command was recognised.
 */
export function reportFatal(error: unknown, out: Output, command: string | undefined): number {
  const usage = error instanceof UsageError || isGenImageError(error, InvalidOptions);
  out.error(formatError(error));
  const help = `Run \`genimage ${command ? `${command} ` : ''}--help\` for usage.`;
  if (error instanceof UsageError) out.info(help);
  // A bug, not a mistake of the user: the stack helps, but only when asked for.
  if (!usage && !isGenImageError(error) && error instanceof Error && error.stack) out.debug(error.stack);
  if (out.json) {
    const json = jsonError(error);
    out.document({ command: command ?? null, ok: false, error: error instanceof UsageError ? { ...json, hint: help } : json });
  }
  return usage ? EXIT.usage : EXIT.failed;
}
