/**
 * The `genimage` command line: translates argv into core calls and exit codes. Decisions (what
 * is missing, what costs what, what is unused) live in @genimage/core.
 */
import { readFileSync } from 'node:fs';
import { type Command, cac } from 'cac';
import { checkCommand } from './commands/check.ts';
import { DEFAULT_GALLERY, galleryCommand } from './commands/gallery.ts';
import { generateCommand } from './commands/generate.ts';
import { planCommand } from './commands/plan.ts';
import { type PruneFlags, pruneCommand } from './commands/prune.ts';
import { type ReviewFlags, reviewCommand } from './commands/review.ts';
import { scanCommand } from './commands/scan.ts';
import { type PullFlags, syncCommand } from './commands/sync.ts';
import type { Input } from './confirm.ts';
import { EXIT, type GlobalFlags, UsageError, reportFatal } from './context.ts';
import { Output, type Stream } from './output.ts';
import { didYouMean, flagNames, isKnownFlag, typedFlags } from './usage.ts';

export { EXIT } from './context.ts';

const COMMANDS = ['scan', 'plan', 'generate', 'check', 'push', 'pull', 'prune', 'gallery', 'review', 'help'] as const;

const EXIT_CODES = `  0  success
  1  the work failed: a failed generation, a missing or corrupt image (check, frozen
     generate, push, pull), a marker with an error, a remote cache that push or pull cannot use
  2  usage or configuration error: unknown command or flag, invalid option, bad --concurrency,
     a --port that is bad or in use, a framework config that cannot load, prune without --yes
     where it cannot ask, push or pull without the \`remote\` option`;

const OUTPUT = `  stdout carries the result (with --json: one JSON document and nothing else);
  progress, warnings, marker diagnostics (file:line:col) and errors go to stderr.`;

const ENVIRONMENT = `  SHARK_API_KEY    API key (never printed); without it and outside CI, offline placeholders
  SHARK_BASE_URL   API base URL
  CI               set: generation is frozen (missing images are an error, no API call)
  GENIMAGE_FROZEN  1 freezes generation anywhere, 0 allows it in CI on purpose
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, AWS_REGION
                   credentials and region of the \`remote\` cache (never printed; never from a config file)`;

export interface MainOptions {
  stdout?: Stream;
  stderr?: Stream;
  /** Where `prune` reads its y/N confirmation; it asks only when this and stderr are terminals. */
  stdin?: Input;
}

type Body<F extends GlobalFlags> = (flags: F, out: Output) => Promise<number>;

/** Runs the CLI on `argv` (without the node and script paths) and returns the exit code. */
export async function main(argv: string[], io: MainOptions = {}): Promise<number> {
  const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const cli = cac('genimage');
  // cac calls the action after checking flags; the action only records what to run.
  let selected: { body: Body<GlobalFlags>; flags: GlobalFlags } | undefined;
  const define = <F extends GlobalFlags>(name: string, description: string, body: Body<F>) =>
    cli
      .command(name, description)
      .usage(`${name} [options]`)
      .action((flags: F) => {
        selected = { body: body as Body<GlobalFlags>, flags };
      });
  const json = ['--json', 'Print one JSON document on stdout (human text goes to stderr)'] as const;

  cli.option(
    '--root <dir>',
    'Project root to scan (default: the nearest folder, from here up, with an astro.config.*, vite.config.*, genimage.config.* or package.json)',
  );
  cli.option(
    '--config <file>',
    'genimage.config.* or astro.config.* / vite.config.* file, relative to the current directory (default: both found at the root)',
  );
  cli.option(
    '--no-framework-config',
    'Do not read genimage options from astro.config.* / vite.config.* (for a config that loads only inside its framework)',
  );
  cli.option('--silent', 'Print only errors and the result');
  cli.option('--verbose', 'Print debug details too');

  define(
    'scan',
    'List every <GenImage> marker: file:line:col, key, cached / missing / corrupt (no network: the bucket is not asked)',
    scanCommand,
  )
    .option(...json)
    .example('  $ genimage scan --json | jq ".counts"');
  define('plan', 'Show what a build would generate and estimate the credits (no network: the bucket is not asked)', planCommand)
    .option(...json)
    .example('  $ genimage plan --json | jq ".estimatedCredits"');
  define(
    'generate',
    'Generate the missing images and cache them (with `remote`: reads the bucket first, uploads what it generates)',
    generateCommand,
  )
    .option('--concurrency <n>', 'Generations at once, 1 to 64 (default: the `concurrency` option, 4)')
    .option('--dry-run', 'Only show the plan, like `genimage plan` (no network)')
    .option('--frozen', 'Generate nothing: missing images are an error (the default when CI is set)')
    .option(...json)
    .example('  $ genimage generate --concurrency 2')
    .example('  $ GENIMAGE_FROZEN=0 genimage generate   # generate in CI on purpose');
  define(
    'check',
    'CI gate: exit 0 when every marker has a verified cached image (no API key needed; with `remote`, reads the bucket: needs its credentials)',
    checkCommand,
  )
    .option(...json)
    .example('  $ CI=1 genimage check   # the verdict CI gives: offline placeholders do not count')
    .example('  $ genimage check --verbose   # each marker: where it is, its prompt, local / bucket / missing');
  define(
    'push',
    'Upload the verified local cache entries the remote cache (the `remote` option) lacks (needs the bucket)',
    (flags: GlobalFlags, out) => syncCommand('push', flags, out),
  )
    .option(...json)
    .example('  $ genimage push   # after generating where the bucket could not be reached');
  define(
    'pull',
    'Download the verified bucket entries the markers use and the local cache lacks (needs the bucket)',
    (flags: PullFlags, out) => syncCommand('pull', flags, out),
  )
    .option('--all', 'Download every entry of the bucket, used or not')
    .option(...json)
    .example('  $ genimage pull --json | jq ".copied"');
  define(
    'prune',
    'Delete cache entries no marker uses, after a y/N on a terminal; with `remote`, each only once the bucket holds it (uploaded first)',
    (flags: PruneFlags, out) => pruneCommand(flags, out, io.stdin),
  )
    .option('--dry-run', 'Only list what would be deleted (no network, except with --remote)')
    .option('--yes', 'Delete without asking (required when stdin is not a terminal, and with --json)')
    .option(
      '--remote',
      'Prune the bucket instead: entries no marker of this root or a --keep-root uses, older than --older-than (needs the bucket)',
    )
    .option(
      '--keep-root <dir>',
      'With --remote: another checkout (a worktree of a branch to keep) whose markers keep their entries; repeatable',
    )
    .option('--older-than <days>', 'With --remote: keep unused entries uploaded fewer days ago than this (default: 30)')
    .option(...json)
    .example('  $ genimage prune --dry-run')
    .example('  $ genimage prune --yes   # in CI or a script')
    .example('  $ genimage prune --remote --keep-root ../site-main --dry-run');
  define('gallery', `Write a static HTML contact sheet of the cached images (default: ${DEFAULT_GALLERY})`, galleryCommand)
    .option('--out <file>', `Where to write the HTML, relative to the root (default: ${DEFAULT_GALLERY})`)
    .example('  $ genimage gallery --out review/images.html');
  define(
    'review',
    'Serve the images on 127.0.0.1 to review them: try more seeds, keep one (its seed is written into the source), until Ctrl-C',
    (flags: ReviewFlags, out) => reviewCommand(flags, out),
  )
    .option('--port <n>', 'Port on 127.0.0.1 (default: 0, any free port)')
    .option('--frozen', 'Generate nothing: keep and fix seeds only (the default when CI is set)')
    .example('  $ genimage review   # prints http://127.0.0.1:<port>/?token=…: open it')
    .example('  $ genimage review --port 4400');
  // Shown by main() itself: `help` needs no project, and `genimage help scan` is `genimage scan --help`.
  cli
    .command('help [command]', 'Show the help of the CLI, or of one command')
    .usage('help [command]')
    .example('  $ genimage help generate');

  // The command whose help is printed: `genimage help <command>` prints another command's help.
  let helpFor: Command | undefined;
  cli.help((sections) => {
    const shown = helpFor ?? cli.matchedCommand;
    // cac shows a command's description only in the list of commands; its own help starts with it.
    const description = shown && !shown.isGlobalCommand ? [{ body: `${shown.description}.` }] : [];
    const [header, usage, ...rest] = sections;
    return [
      ...(header ? [header] : []),
      ...description,
      ...(usage ? [usage] : []),
      // cac shows "(default: true)" on a --no- flag, which reads as the opposite of what it does.
      ...rest.map((section) => ({ ...section, body: section.body.replace(/ \(default: true\)/g, '') })),
      { title: 'Output', body: OUTPUT },
      { title: 'Exit codes', body: EXIT_CODES },
      { title: 'Environment', body: ENVIRONMENT },
    ];
  });
  cli.version(version);

  const commandNamed = (name: string) => cli.commands.find((candidate) => candidate.name === name);
  const unknownCommand = (name: string) =>
    new UsageError(`Unknown command "${name}". Commands: ${COMMANDS.join(', ')}.${didYouMean(name, COMMANDS)}`);

  let out = new Output(io);
  let command: string | undefined;
  try {
    const parsed = cli.parse(['node', 'genimage', ...argv], { run: false });
    if (parsed.options['help'] || (parsed.options['version'] && !cli.matchedCommand)) return EXIT.ok;
    const flags = parsed.options as GlobalFlags;
    out = new Output({ ...io, json: Boolean(flags.json), silent: Boolean(flags.silent), verbose: Boolean(flags.verbose) });
    const matched = cli.matchedCommand;
    if (!matched) {
      const name = parsed.args[0];
      if (name !== undefined) throw unknownCommand(name);
      // Without a command, a flag of any command is no mistake yet; the missing command is.
      checkFlags(argv, cli, cli.commands);
      // Under --json, stdout is the JSON document's alone.
      if (!out.json) cli.outputHelp();
      throw new UsageError('A command is required.');
    }
    if (matched.name === 'help') {
      const name = parsed.args[0];
      const target = name === undefined ? cli.globalCommand : commandNamed(name);
      if (!target) throw unknownCommand(name!);
      helpFor = target;
      target.outputHelp();
      return EXIT.ok;
    }
    command = matched.name;
    checkFlags(argv, cli, [matched]);
    cli.runMatchedCommand();
    if (!selected) throw new Error(`No action for ${command}`);
    return await selected.body(textValues(selected.flags), out);
  } catch (error) {
    const cacError = error instanceof Error && error.name === 'CACError';
    return reportFatal(cacError ? new UsageError(`${error.message}.`) : error, out, command);
  }
}

/**
 * Fails on a flag that none of `commands` (nor the global options) takes, named as it was typed,
 * with the nearest valid flag, or the commands that do take it. cac would name `--dry-run` as
 * `--dryRun` and only after the command's own checks.
 */
function checkFlags(argv: readonly string[], cli: ReturnType<typeof cac>, commands: readonly Command[]): void {
  const namesOf = (owner: Command) => owner.options.flatMap((option) => flagNames(option.rawName));
  const known = [...namesOf(cli.globalCommand), ...commands.flatMap(namesOf)];
  for (const typed of typedFlags(argv)) {
    if (isKnownFlag(typed, known)) continue;
    const near = didYouMean(
      typed.startsWith('--') ? typed : `-${typed}`,
      known.filter((name) => name.startsWith('--')),
    );
    const takers = cli.commands
      .filter((other) => !commands.includes(other) && namesOf(other).includes(typed))
      .map((other) => `\`genimage ${other.name}\``);
    const elsewhere =
      takers.length > 0 && commands.length === 1
        ? ` It is an option of ${takers.join(' and ')}, not of \`genimage ${commands[0]!.name}\`.`
        : '';
    throw new UsageError(`Unknown option \`${typed}\`.${near}${elsewhere}`);
  }
}

/** Values of `<value>` flags as text: the last one when repeated, and not turned into numbers. */
function textValues<F extends GlobalFlags>(flags: F): F {
  const result: Record<string, unknown> = { ...(flags as Record<string, unknown>) };
  for (const name of ['root', 'config', 'out', 'concurrency', 'olderThan', 'port']) {
    const value = result[name];
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (typeof last === 'string' || typeof last === 'number') result[name] = String(last);
  }
  // Repeatable: every value, each as text.
  if (result['keepRoot'] !== undefined) result['keepRoot'] = [result['keepRoot']].flat().map(String);
  return result as F;
}
