/** What every command starts with: the flags shared by all, the engine, the scan, exit codes. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  Engine,
  type GenImageConfig,
  type GenImageEnv,
  InvalidOptions,
  RemoteNotConfigured,
  type ScanResult,
  formatError,
  isGenImageError,
  mergeConfig,
  unbuiltPagesMessage,
} from '@genimage/core';
import { findFrameworkConfig, frameworkOf, loadFrameworkConfig } from './framework-config.ts';
import type { Output } from './output.ts';
import { findProjectRoot } from './project-root.ts';
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
  /** `--no-framework-config` sets it to false: astro.config.* / vite.config.* are not read. */
  frameworkConfig?: boolean;
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
  /** Options of this command line (e.g. `--concurrency`): over everything else. */
  options?: GenImageConfig;
  env?: NodeJS.ProcessEnv;
  /** The command promises no network: the `remote` bucket is never asked (see `EngineInit.offline`). */
  offline?: boolean;
}

/**
 * Validates `--root`, reads genimage's options where the build reads them (the framework config's
 * inline options over `genimage.config.*`), and creates the engine with the same `Engine.load`
 * call the adapters make. `--root` and `--config` are both relative to the current directory;
 * `--config` names a genimage config file or a framework config.
 */
export async function loadContext(flags: GlobalFlags, out: Output, load: LoadOptions = {}): Promise<Context> {
  const env = load.env ?? process.env;
  out.addSecret(env['SHARK_API_KEY']);
  // The remote cache's credentials: the SDK reads them, genimage only hides them.
  for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) out.addSecret(env[name]);
  const explicit = flags.config === undefined ? undefined : path.resolve(flags.config);
  const explicitFramework = explicit !== undefined && frameworkOf(explicit) !== undefined;
  if (explicitFramework && flags.frameworkConfig === false) {
    throw new UsageError(`--config ${flags.config} names a framework config, which --no-framework-config says not to read.`);
  }
  const root = path.resolve(flags.root ?? (explicitFramework ? path.dirname(explicit!) : projectRoot(out)));
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`--root ${flags.root ?? root}: no such directory.`);
  if (explicit !== undefined && !(await stat(explicit).catch(() => undefined))?.isFile())
    throw new UsageError(`--config ${flags.config}: no such file.`);

  const frameworkFile = flags.frameworkConfig === false ? undefined : explicitFramework ? explicit : findFrameworkConfig(root);
  const framework = frameworkFile === undefined ? undefined : await loadFrameworkConfig(frameworkFile, process.cwd());
  const adapter = framework?.adapter;
  if (framework)
    out.debug(
      `options from ${path.relative(process.cwd(), framework.file)}: ${adapter ? `${adapter.adapter}(${adapter.options ? 'inline options' : ''})` : 'no genimage adapter registered'}`,
    );
  // The adapter's root as the build resolves it: its own `root` option, else the framework's root.
  // A relative `root` option is relative to where the build runs: the framework config's folder.
  const engineRoot = adapter?.root !== undefined ? path.resolve(path.dirname(framework!.file), adapter.root) : (framework?.root ?? root);
  const configFile = explicit !== undefined && !explicitFramework ? explicit : adapter?.configFile;
  const options = load.options ? mergeConfig(adapter?.options, load.options) : adapter?.options;
  const engine = await Engine.load({
    root: engineRoot,
    ...(configFile !== undefined && { configFile }),
    ...(options && { options }),
    env: env as GenImageEnv,
    logger: out.logger(),
    ...(load.frozen !== undefined && { frozen: load.frozen }),
    ...(load.offline && { offline: true }),
    ...(framework?.htmlPages && { htmlPages: framework.htmlPages }),
  });
  out.addSecret(engine.config.apiKey);
  out.debug(`root ${engineRoot}, cache ${engine.cacheLocation}/, provider ${engine.providerId}${engine.frozen ? ', frozen' : ''}`);
  return { engine, root: engineRoot, out };
}

/** The project the working directory is in (see `findProjectRoot`), said on stderr; a usage error when there is none. */
function projectRoot(out: Output): string {
  const cwd = process.cwd();
  const root = findProjectRoot(cwd);
  if (root === undefined) {
    throw new UsageError(
      `No project found in ${cwd} or any folder above it: none holds an astro.config.*, vite.config.*, genimage.config.* or package.json. ` +
        'Run genimage in your site, or name it with --root <dir>.',
    );
  }
  out.info(`project root: ${root}`);
  return root;
}

/** Says, for a command that sends nothing, that images missing here may be in the bucket it did not ask. */
export function notAsked(context: Context, missing: number, command: string): void {
  const bucket = context.engine.remoteLocation;
  if (!bucket || missing === 0) return;
  context.out.info(
    `${bucket} was not asked (\`genimage ${command}\` sends nothing): the ${missing} image(s) missing from ${context.engine.cacheLocation}/ may be there. \`genimage check\` looks, \`genimage pull\` copies them here.`,
  );
}

/** Scans and prints the diagnostics; `errors` counts the markers that failed. */
export async function scanProject(context: Context): Promise<{ scan: ScanResult; errors: number }> {
  const scan = await context.engine.scan();
  const errors = printDiagnostics(context.out, context.root, scan.diagnostics);
  const unbuilt = unbuiltPagesMessage(scan.unbuiltPages);
  if (unbuilt) context.out.warn(unbuilt);
  if (errors > 0) context.out.info(`${errors} marker error(s): those markers were skipped.`);
  return { scan, errors };
}

/**
 * Reports an error that ended a command, through formatError (never a stack), and picks the exit
 * code. `command` is undefined when no command was recognised.
 */
export function reportFatal(error: unknown, out: Output, command: string | undefined): number {
  const usage = error instanceof UsageError || isGenImageError(error, InvalidOptions) || isGenImageError(error, RemoteNotConfigured);
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
