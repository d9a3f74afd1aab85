/**
 * The `genimage` CLI end to end, through the real process: help, version, exit codes, scan,
 * plan, marker diagnostics and the offline `local` provider. Generation against the API:
 * cli-generate.test.ts; prune and gallery: cli-cache.test.ts.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, PLACEHOLDERS, cacheKeys, copyFixture, parseJson, readMeta, run, useTestServer } from './fixtures/cli-harness/harness.ts';

const API_KEY = 'sk-cli-test-secret-4242';
const api = useTestServer(API_KEY);

const MARKERS = ['src/pages/about.md:9:1', 'src/pages/about.md:13:1', 'src/pages/index.astro:8:5', 'src/pages/index.astro:10:5'];

describe('help and version', () => {
  it('on a Node older than 22.19, says which version it needs instead of crashing', async () => {
    const { spawnSync } = await import('node:child_process');
    const olderNode =
      'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.20.2"});Object.defineProperty(process,"version",{value:"v20.20.2"})';
    const result = spawnSync(process.execPath, ['--import', olderNode, CLI, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('genimage needs Node.js 22.19 or newer; this is v20.20.2.\n');
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../packages/cli/package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await run(['--version'], { cwd: process.cwd() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(version);
  });

  it('--help lists every command, the exit codes and the environment', async () => {
    const result = await run(['--help'], { cwd: process.cwd() });
    expect(result.code).toBe(0);
    for (const command of ['scan', 'plan', 'generate', 'check', 'push', 'pull', 'prune', 'gallery', 'review'])
      expect(result.stdout).toContain(command);
    expect(result.stdout).toMatch(/Exit codes:[\s\S]*0 {2}success[\s\S]*1 {2}the work failed[\s\S]*2 {2}usage or configuration error/);
    expect(result.stdout).toContain('GENIMAGE_FROZEN');
    expect(result.stdout).toContain('AWS_SECRET_ACCESS_KEY');
  });

  it.each([
    ['scan', ['--json', '--root', '--config']],
    ['plan', ['--json']],
    ['generate', ['--concurrency <n>', '--dry-run', '--frozen', '--json']],
    ['check', ['--json']],
    ['prune', ['--dry-run']],
    ['gallery', ['--out <file>', 'genimage-gallery/index.html']],
    ['review', ['--port <n>', '--frozen']],
  ])('%s --help shows its flags', async (command, flags) => {
    const result = await run([command, '--help'], { cwd: process.cwd() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`$ genimage ${command}`);
    for (const flag of flags) expect(result.stdout).toContain(flag);
  });
});

describe('help for each command', () => {
  const DESCRIPTIONS: [string, string][] = [
    ['scan', 'List every <GenImage> marker'],
    ['plan', 'Show what a build would generate'],
    ['generate', 'Generate the missing images'],
    ['check', 'CI gate: exit 0 when every marker has a verified cached image'],
    ['prune', 'Delete cache entries no marker uses'],
    ['gallery', 'Write a static HTML contact sheet'],
    ['review', 'Serve the images on 127.0.0.1 to review them'],
  ];

  it.each(DESCRIPTIONS)('%s --help starts with what the command does, and has an example', async (command, description) => {
    const result = await run([command, '--help'], { cwd: process.cwd() });
    expect(result.code).toBe(0);
    const [header, summary, usage] = result.stdout.split('\n\n');
    expect(header).toMatch(/^genimage\/\d+\.\d+\.\d+/);
    expect(summary).toMatch(new RegExp(`^${description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\.$`));
    expect(usage).toBe(`Usage:\n  $ genimage ${command} [options]`);
    expect(result.stdout).toMatch(new RegExp(`Examples:\\n {2}\\$ (\\w+=\\S+ )?genimage ${command}`));
  });

  it('genimage help <command> is <command> --help', async () => {
    for (const [command] of DESCRIPTIONS) {
      const help = await run(['help', command], { cwd: process.cwd() });
      expect(help.code).toBe(0);
      expect(help.stdout).toBe((await run([command, '--help'], { cwd: process.cwd() })).stdout);
    }
  });

  it('genimage help is genimage --help, and lists help among the commands', async () => {
    const help = await run(['help'], { cwd: process.cwd() });
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await run(['--help'], { cwd: process.cwd() })).stdout);
    expect(help.stdout).toMatch(/\n {2}help \[command\] +Show the help of the CLI, or of one command\n/);
  });

  it('genimage help <unknown> is a usage error with the nearest command', async () => {
    const result = await run(['help', 'genrate'], { cwd: process.cwd() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'Unknown command "genrate". Commands: scan, plan, generate, check, push, pull, prune, gallery, review, help. Did you mean `generate`?',
    );
    expect(result.stdout).toBe('');
  });
});

describe('did you mean', () => {
  it.each([
    ['scna', 'scan'],
    ['generat', 'generate'],
    ['pln', 'plan'],
    ['chekc', 'check'],
    ['halp', 'help'],
  ])('genimage %s suggests %s', async (typed, command) => {
    const result = await run([typed], { cwd: process.cwd() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `Unknown command "${typed}". Commands: scan, plan, generate, check, push, pull, prune, gallery, review, help. Did you mean \`${command}\`?`,
    );
  });

  it('a command nothing is near to gets the list alone', async () => {
    const result = await run(['build'], { cwd: process.cwd() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'Unknown command "build". Commands: scan, plan, generate, check, push, pull, prune, gallery, review, help.\n',
    );
  });

  it.each([
    [['generate', '--dryrun'], 'Unknown option `--dryrun`. Did you mean `--dry-run`?'],
    [['generate', '--concurency', '2'], 'Unknown option `--concurency`. Did you mean `--concurrency`?'],
    [['scan', '--Json'], 'Unknown option `--Json`. Did you mean `--json`?'],
    [['scan', '-json'], 'Unknown option `-json`. Did you mean `--json`?'],
    [['check', '--no-framework-confg'], 'Unknown option `--no-framework-confg`. Did you mean `--no-framework-config`?'],
    [['check', '--roots=site'], 'Unknown option `--roots`. Did you mean `--root`?'],
    [['--hlep'], 'Unknown option `--hlep`. Did you mean `--help`?'],
  ])('%j: the flag as typed and the nearest one', async (args, message) => {
    const root = await copyFixture('cli-basic');
    const result = await run(args, { cwd: root, env: api.env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(api.server().requests).toHaveLength(0);
  });

  it('a flag of another command is named as typed, with the commands that take it', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['scan', '--dry-run'], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'Unknown option `--dry-run`. It is an option of `genimage generate` and `genimage prune`, not of `genimage scan`.',
    );
    expect(result.stderr).not.toContain('dryRun');
    expect(result.stderr).toContain('Run `genimage scan --help` for usage.');
  });

  it('a flag nothing is near to is named alone; values and what follows -- are not flags', async () => {
    const root = await copyFixture('cli-basic');
    const unknown = await run(['check', '--no-color'], { cwd: root });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown option `--no-color`.\n');
    expect(unknown.stderr).not.toContain('`--color`');
    const rest = await run(['gallery', '--out', 'review.html', '--', '--whatever'], { cwd: root });
    expect(rest.stderr).not.toContain('Unknown option');
  });
});

describe('exit code 2: usage and config errors', () => {
  it('an unknown command', async () => {
    const result = await run(['generat'], { cwd: process.cwd() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown command "generat"');
    expect(result.stdout).toBe('');
  });

  it('no command at all', async () => {
    const result = await run([], { cwd: process.cwd() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('A command is required');
  });

  it('an unknown flag', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['generate', '--concurency', '2'], { cwd: root, env: api.env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown option `--concurency`');
    expect(api.server().requests).toHaveLength(0);
  });

  it('a flag that needs a value and has none', async () => {
    const result = await run(['gallery', '--out'], { cwd: await copyFixture('cli-basic'), env: api.env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--out <file>');
  });

  it.each([
    ['0', 'must be 1 or more'],
    ['65', 'must be 64 or less'],
    ['two', 'must be a whole number'],
    ['1.5', 'must be a whole number'],
  ])('--concurrency %s', async (value, reason) => {
    const root = await copyFixture('cli-basic');
    const result = await run(['generate', '--concurrency', value], { cwd: root, env: api.env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Invalid --concurrency "${value}": ${reason}`);
    expect(api.server().requests).toHaveLength(0);
  });

  it('an invalid option in genimage.config.json, named with what is allowed', async () => {
    const root = await copyFixture('cli-basic');
    await writeFile(path.join(root, 'genimage.config.json'), JSON.stringify({ provider: 'openai', concurency: 2, apiKey: API_KEY }));
    for (const command of ['scan', 'check', 'generate']) {
      const result = await run([command], { cwd: root, env: api.env() });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('genimage.config.json');
      expect(result.stderr).toContain('provider: must be one of "auto", "shark", "local"');
      expect(result.stderr).toContain('concurency: unknown option');
      expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/); // no stack trace
    }
    expect(api.server().requests).toHaveLength(0);
  });

  it('an invalid config file with --json still prints one JSON document', async () => {
    const root = await copyFixture('cli-basic');
    await writeFile(path.join(root, 'genimage.config.json'), JSON.stringify({ concurrency: 0 }));
    const result = await run(['check', '--json'], { cwd: root, env: api.env() });
    expect(result.code).toBe(2);
    expect(parseJson(result.stdout)).toMatchObject({ command: 'check', ok: false, error: { code: 'InvalidOptions' } });
    expect(result.stderr).toContain('concurrency: must be 1 or more');
  });

  it('--config names another file; a missing one is a config error', async () => {
    const root = await copyFixture('cli-basic');
    await writeFile(path.join(root, 'other.json'), JSON.stringify({ estimatedCreditsPerImage: 3 }));
    const plan = await run(['plan', '--json', '--config', 'other.json'], { cwd: root, env: api.env() });
    expect(plan.code).toBe(0);
    expect(parseJson(plan.stdout)).toMatchObject({ creditsPerImage: 3, estimatedCredits: 12 });
    const missing = await run(['plan', '--config', 'nope.json'], { cwd: root, env: api.env() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json');
  });

  it('--config is relative to the current directory, not to --root (as a shell completes it)', async () => {
    const root = await copyFixture('cli-basic');
    const site = path.basename(root);
    await writeFile(path.join(root, 'other.json'), JSON.stringify({ cacheDir: 'images' }));
    const result = await run(['check', '--json', '--root', site, '--config', `${site}/other.json`], {
      cwd: path.dirname(root),
      env: { CI: 'true' },
    });
    expect(result.stderr).not.toContain('other.json');
    expect(parseJson(result.stdout)).toMatchObject({ command: 'check', cacheDir: 'images', images: 3 });
    expect(result.code).toBe(1); // the config was read; the images are not generated yet
    const help = await run(['check', '--help'], { cwd: process.cwd() });
    expect(help.stdout).toMatch(
      /--config <file> +genimage\.config\.\* or astro\.config\.\* \/ vite\.config\.\* file, relative to the current directory/,
    );
    expect(help.stdout).toMatch(
      /--no-framework-config +Do not read genimage options from astro\.config\.\* \/ vite\.config\.\* \(for a config that loads only inside its framework\)\n/,
    );
  });

  it.each([
    ['an unknown flag', ['generate', '--concurency', '2', '--json'], 'generate', 'Unknown option `--concurency`.'],
    ['a bad --concurrency', ['generate', '--concurrency', '0', '--json'], 'generate', 'Invalid --concurrency "0": must be 1 or more'],
    ['a --root that does not exist', ['scan', '--root', 'no/such/dir', '--json'], 'scan', '--root no/such/dir: no such directory.'],
    ['an unknown command', ['generat', '--json'], null, 'Unknown command "generat". Commands: scan, plan'],
    ['no command', ['--json'], null, 'A command is required.'],
  ])('--json: %s is a Usage error, which scripts can tell from a crash', async (_name, args, command, message) => {
    const result = await run(args, { cwd: await copyFixture('cli-basic'), env: api.env() });
    expect(result.code).toBe(2);
    expect(parseJson(result.stdout)).toEqual({
      command,
      ok: false,
      error: {
        code: 'Usage',
        title: 'Invalid command line',
        message: expect.stringContaining(message),
        hint: `Run \`genimage ${command ? `${command} ` : ''}--help\` for usage.`,
      },
    });
    expect(result.stderr).toContain(message);
    expect(api.server().requests).toHaveLength(0);
  });

  it('--root that does not exist', async () => {
    const result = await run(['scan', '--root', 'no/such/dir'], { cwd: process.cwd() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--root no/such/dir: no such directory');
  });
});

describe('genimage scan', () => {
  it('lists every marker with file:line:col, short key and status', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['scan'], { cwd: root, env: api.env() });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const [index, marker] of MARKERS.entries()) expect(lines[index]).toMatch(new RegExp(`^${marker}  [0-9a-f]{12}  missing  "`));
    // The two identical foxes share a key; the code span in about.md is not a marker.
    const key = (line: string | undefined) => line?.split('  ')[1];
    expect(key(lines[0])).toBe(key(lines[2]));
    expect(result.stdout).not.toContain('not me');
    expect(lines[4]).toBe('4 marker(s) in 2 file(s), 3 distinct image request(s): 0 cached, 3 missing, 0 corrupt');
    expect(api.server().requests).toHaveLength(0);
  });

  it('--json: one document on stdout with a stable shape', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['scan', '--json', '--root', root], { cwd: process.cwd(), env: api.env() });
    expect(result.code).toBe(0);
    const doc = parseJson<{ markers: unknown[]; images: unknown[] }>(result.stdout);
    expect(doc).toMatchObject({
      command: 'scan',
      ok: true,
      root,
      cacheDir: '.genimage',
      provider: 'shark',
      counts: { files: 2, markers: 4, images: 3, cached: 0, missing: 3, corrupt: 0, errors: 0, warnings: 0 },
      diagnostics: [],
    });
    expect(doc.markers[3]).toEqual({
      location: { file: 'src/pages/index.astro', line: 10, column: 5 },
      key: expect.stringMatching(/^[0-9a-f]{64}$/),
      status: 'missing',
      prompt: 'a lighthouse at dusk, <stormy> & wild',
      params: { model: 'google/gemini-3.1-flash-image-preview', seed: 7, n: 1, imageSize: '1K', aspectRatio: '1:1', references: [] },
      pick: 0,
      preset: null,
    });
    expect(doc.images[0]).toMatchObject({
      status: 'missing',
      prompt: 'a red fox asleep in fresh snow',
      origins: [
        { file: 'src/pages/about.md', line: 9, column: 1 },
        { file: 'src/pages/index.astro', line: 8, column: 5 },
      ],
    });
  });
});

describe('the project root, without --root', () => {
  it('is the nearest folder up with a package.json or a config: run from src/, check still sees every marker and says which root', async () => {
    const root = await copyFixture('cli-basic');
    const check = await run(['check'], { cwd: path.join(root, 'src/pages'), env: { ...api.env(), CI: '1' } });
    expect(check.code, check.all).toBe(1); // nothing is cached yet: 3 images missing, not "all 0 verified"
    expect(check.all).toContain('3 of 3 image(s) missing');
    expect(check.stderr.split('\n').filter((line) => line === `project root: ${root}`)).toHaveLength(1);
    const scan = await run(['scan', '--json'], { cwd: path.join(root, 'src'), env: api.env() });
    expect(parseJson<{ root: string }>(scan.stdout).root).toBe(root);
    const silent = await run(['scan', '--silent'], { cwd: path.join(root, 'src'), env: api.env() });
    expect(silent.stdout).toContain('4 marker(s) in 2 file(s)');
    expect(silent.stderr).not.toContain('project root');
  });

  it('is none above a folder with no project: exit 2, nothing scanned', async () => {
    const root = await copyFixture('cli-basic');
    await rm(path.join(root, 'package.json'));
    const result = await run(['scan', '--json'], { cwd: path.join(root, 'src'), env: api.env() });
    expect(result.code, result.all).toBe(2);
    expect(result.stderr).toContain(`No project found in ${path.join(root, 'src')} or any folder above it`);
    expect(parseJson<{ ok: boolean }>(result.stdout).ok).toBe(false);
  });
});

describe('genimage plan', () => {
  it('shows the requests, the images and the credit estimate, without a request', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['plan'], { cwd: root, env: api.env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('src/pages/about.md:9:1, src/pages/index.astro:8:5  "a red fox asleep in fresh snow"  1 image(s)');
    expect(result.stdout).toContain('"a mountain lake at sunrise"  2 image(s)');
    expect(result.stdout).toContain('3 image request(s): 0 cached, 3 to generate → 4 image(s), about 40 credits (4 × 10');
    expect(api.server().requests).toHaveLength(0);
  });

  it('--json, and the estimate follows estimatedCreditsPerImage', async () => {
    const root = await copyFixture('cli-basic');
    await writeFile(path.join(root, 'genimage.config.json'), JSON.stringify({ estimatedCreditsPerImage: 2.5 }));
    const result = await run(['plan', '--json'], { cwd: root, env: api.env() });
    expect(result.code).toBe(0);
    const doc = parseJson<{ toGenerate: { prompt: string; status: string }[] }>(result.stdout);
    expect(doc).toMatchObject({
      command: 'plan',
      ok: true,
      provider: 'shark',
      frozen: false,
      requests: 3,
      cached: 0,
      images: 4,
      creditsPerImage: 2.5,
      estimatedCredits: 10,
    });
    expect(doc.toGenerate.map((item) => item.prompt)).toEqual([
      'a red fox asleep in fresh snow',
      'a mountain lake at sunrise',
      'a lighthouse at dusk, <stormy> & wild',
    ]);
    expect(api.server().requests).toHaveLength(0);
  });

  it('generate --dry-run is the plan, and generates nothing', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['generate', '--dry-run', '--json'], { cwd: root, env: api.env() });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({ command: 'generate', images: 4, estimatedCredits: 40 });
    expect(api.server().requests).toHaveLength(0);
    expect(await cacheKeys(root)).toEqual([]);
  });
});

describe('malformed markers', () => {
  // Each marker of the corpus with the location and the gist of its error.
  const CORPUS: [string, RegExp][] = [
    ['src/pages/broken.astro:5:11', /prompt=\{title\} is an expression, whose value genimage cannot know/],
    ['src/pages/broken.astro:6:1', /has no prompt/],
    ['src/pages/broken.astro:7:32', /aspectRatio="7:5" is not supported/],
    ['src/pages/broken.astro:8:38', /seed=\{1\.5\} is not an integer/],
    ['src/pages/broken.astro:9:26', /prompt is given twice/],
    ['src/pages/broken.astro:10:36', /n=\{9\} is invalid/],
    ['src/pages/broken.astro:11:37', /pick=\{5\} is out of range/],
    ['src/pages/broken.astro:12:39', /seed=\{\} is empty/],
    ['src/pages/broken.astro:13:32', /imageSize="8K" is not supported/],
    ['src/pages/broken.astro:14:11', /prompt="" is invalid/],
    ['src/pages/unclosed.md:5:1', /never closed/],
  ];

  it('scan reports each with file:line:col and exits 1', async () => {
    const root = await copyFixture('cli-malformed');
    const result = await run(['scan'], { cwd: root, env: api.env() });
    expect(result.code).toBe(1);
    for (const [location, message] of CORPUS) {
      const line = result.stderr.split('\n').find((text) => text.startsWith(`${location}: error: `));
      expect(line, location).toMatch(message);
    }
    expect(result.stderr.split('\n').filter((text) => /^src\/pages\/\S+:\d+:\d+: error: /.test(text))).toHaveLength(CORPUS.length);
    // The valid markers are still listed.
    expect(result.stdout).toContain('src/pages/broken.astro:4:1');
    expect(result.stdout).toContain('src/pages/unclosed.md:3:1');
  });

  it('scan --json lists them as diagnostics', async () => {
    const root = await copyFixture('cli-malformed');
    const result = await run(['scan', '--json'], { cwd: root, env: api.env() });
    expect(result.code).toBe(1);
    const doc = parseJson<{
      ok: boolean;
      diagnostics: { severity: string; code: string; location: { file: string; line: number; column: number } }[];
    }>(result.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.diagnostics.map(({ location }) => `${location.file}:${location.line}:${location.column}`)).toEqual(
      CORPUS.map(([location]) => location),
    );
    expect(doc.diagnostics.every((diagnostic) => diagnostic.severity === 'error')).toBe(true);
    expect(doc.diagnostics.map((diagnostic) => diagnostic.code)).toContain('DynamicAttribute');
  });

  it('plan and check exit 1 too', async () => {
    const root = await copyFixture('cli-malformed');
    expect((await run(['plan'], { cwd: root, env: api.env() })).code).toBe(1);
    expect((await run(['check'], { cwd: root, env: api.env() })).code).toBe(1);
  });

  it('generate still generates the valid markers, then exits 1', async () => {
    const root = await copyFixture('cli-malformed');
    const result = await run(['generate'], { cwd: root, env: api.env() });
    expect(result.code).toBe(1);
    expect(api.server().requests).toHaveLength(2);
    expect(await cacheKeys(root)).toHaveLength(2);
    expect(result.stderr).toContain('src/pages/broken.astro:7:32: error: ');
    expect(result.stderr).toContain('11 marker error(s) above: those markers were not generated.');
    expect(result.stdout).toContain('2 image request(s): 2 generated, 0 reused, 0 failed');
  });
});

describe('without an API key, outside CI: the local provider', () => {
  it('generates placeholders with a warning, at no cost and without a request', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['generate'], { cwd: root, env: { SHARK_BASE_URL: api.server().baseUrl } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('No SHARK_API_KEY is set: rendering offline placeholders');
    expect(result.stdout).toContain('3 image request(s): 3 generated, 0 reused, 0 failed');
    expect(api.server().requests).toHaveLength(0);
    // Never in the committed cache: CI has no use for them.
    expect(await cacheKeys(root)).toEqual([]);
    const keys = await cacheKeys(root, PLACEHOLDERS);
    expect(keys).toHaveLength(3);
    for (const key of keys) expect((await readMeta(root, key, PLACEHOLDERS)).provider).toBe('local');

    const plan = await run(['plan', '--json'], { cwd: root });
    expect(parseJson(plan.stdout)).toMatchObject({ provider: 'local', requests: 3, cached: 3, estimatedCredits: 0 });
    const check = await run(['check'], { cwd: root });
    expect(check.code).toBe(0);
  });

  it('check passes on placeholders, but says so and how to check for the real images', async () => {
    const root = await copyFixture('cli-basic');
    expect((await run(['generate'], { cwd: root })).code).toBe(0);
    const check = await run(['check'], { cwd: root });
    expect(check.code).toBe(0);
    expect(check.stdout).toBe(
      'All 3 image(s) for 4 marker(s) are cached and verified, but 3 of them are offline placeholders (in node_modules/.cache/genimage/placeholders/, never committed), not real images.\n',
    );
    expect(check.stderr).toContain(
      'warning Checked without SHARK_API_KEY and outside CI, so offline placeholders count as cached (3 of the 3 image(s) are placeholders); CI does not accept them. ' +
        'To check for the real images, set SHARK_API_KEY or CI=1: `CI=1 genimage check`.',
    );
    // --silent hides the warning, not the result line.
    expect((await run(['check', '--silent'], { cwd: root })).stdout).toContain('3 of them are offline placeholders');
    const json = await run(['check', '--json'], { cwd: root });
    expect(json.code).toBe(0);
    expect(parseJson(json.stdout)).toMatchObject({
      command: 'check',
      ok: true,
      provider: 'local',
      images: 3,
      placeholders: 3,
      problems: [],
    });
    expect(json.stderr).toContain('CI does not accept them');
    // Nor does it.
    const ci = await run(['check'], { cwd: root, env: { CI: '1' } });
    expect(ci.code).toBe(1);
    expect(ci.stdout).toContain('3 of 3 image(s) missing or corrupt');
    expect(ci.all).not.toContain('placeholder');
  });

  it('check without a key on the real images committed: a true pass, and it still says what it checked', async () => {
    const root = await copyFixture('cli-basic');
    expect((await run(['generate'], { cwd: root, env: api.env() })).code).toBe(0);
    const check = await run(['check'], { cwd: root });
    expect(check.code).toBe(0);
    expect(check.stdout).toBe('All 3 image(s) for 4 marker(s) are cached and verified in .genimage/.\n');
    expect(check.stderr).toContain(
      'Checked without SHARK_API_KEY and outside CI, so offline placeholders count as cached; CI does not accept them.',
    );
    expect(parseJson((await run(['check', '--json'], { cwd: root })).stdout)).toMatchObject({
      ok: true,
      provider: 'local',
      placeholders: 0,
    });
  });

  it('placeholders are not the real images: with the key they are missing', async () => {
    const root = await copyFixture('cli-basic');
    await run(['generate'], { cwd: root });
    const check = await run(['check'], { cwd: root, env: api.env() });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('3 of 3 image(s) missing or corrupt');
  });
});
