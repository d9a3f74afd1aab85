/**
 * What the CLI prints, through the real process: a reader that closes the pipe early, prompts and
 * file names with terminal escape sequences, a 100,000-character prompt, and an API key with `"`
 * and `\` in a --json document. Human output is escaped and shortened; --json stays exact.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CLI,
  PLACEHOLDERS,
  cacheKeys,
  cleanEnv,
  copyFixture,
  parseJson,
  readMeta,
  run,
  transcript,
  useTestServer,
} from './fixtures/cli-harness/harness.ts';

// A key with the two characters JSON escapes: a document holds it as `\"` and `\\`.
const API_KEY = 'sk-"quoted\\back-6543';
const api = useTestServer(API_KEY);

afterAll(() => {
  expect(transcript.join('\n')).not.toContain(JSON.stringify(API_KEY).slice(1, -1));
});

const ESC = '\x1b';

/** A copy of cli-basic whose only marker is `<GenImage prompt={...} />` with this exact prompt, in `file`. */
async function projectWithPrompt(prompt: string, file = 'src/pages/only.md'): Promise<string> {
  const root = await copyFixture('cli-basic');
  await rm(path.join(root, 'src/pages'), { recursive: true });
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  // JSON.stringify writes a valid JavaScript string literal: core decodes its escapes.
  await writeFile(path.join(root, file), `# Page\n\n<GenImage prompt={${JSON.stringify(prompt)}} alt="an image" />\n`);
  return root;
}

interface HeadResult {
  code: number | null;
  firstLine: string;
  stderr: string;
  /** From the reader closing its end to the CLI's exit. */
  msAfterClose: number;
}

/** Runs the CLI into a reader that takes the first line and closes the pipe, like `| head -1`. */
function runIntoHead(args: string[], cwd: string): Promise<HeadResult> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: cleanEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let closedAt = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!closedAt && stdout.includes('\n')) {
        closedAt = Date.now();
        child.stdout.destroy();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      transcript.push(stdout, stderr);
      resolve({ code, firstLine: stdout.split('\n')[0]!, stderr, msAfterClose: closedAt ? Date.now() - closedAt : Number.NaN });
    });
  });
}

describe('a reader that closes the pipe early (`genimage scan | head -1`)', () => {
  let many: string | undefined;
  /** cli-basic plus 2,000 markers: 200 files of 10, far more output than a pipe buffers. */
  async function manyMarkers(): Promise<string> {
    if (many) return many;
    const root = await copyFixture('cli-basic');
    await mkdir(path.join(root, 'src/pages/many'), { recursive: true });
    for (let file = 0; file < 200; file++) {
      const markers = Array.from(
        { length: 10 },
        (_, i) => `<GenImage prompt="image ${file} ${i}, a long enough prompt to fill the pipe" alt="" />\n`,
      );
      await writeFile(path.join(root, 'src/pages/many', `page-${String(file).padStart(3, '0')}.md`), markers.join('\n'));
    }
    many = root;
    return root;
  }

  it.each([
    // The command's own exit code: check fails, as its markers have no image.
    [['scan'], 0, /^src\/pages\/about\.md:9:1 {2}[0-9a-f]{12} {2}missing {2}"a red fox asleep in fresh snow"$/],
    [['scan', '--json'], 0, /^\{$/],
    [['plan'], 0, /^generate {2}src\/pages\/about\.md:9:1, src\/pages\/index\.astro:8:5 {2}"a red fox/],
    [['check'], 1, /^src\/pages\/about\.md:9:1 {2}missing/],
  ])("%j ends quietly with the command's exit code %i", async (args, code, firstLine) => {
    const result = await runIntoHead(args, await manyMarkers());
    expect(result.firstLine).toMatch(firstLine);
    expect(result.stderr).not.toContain('EPIPE');
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(result.stderr).not.toContain('Unhandled');
    expect(result.code, result.stderr).toBe(code);
    expect(result.msAfterClose).toBeLessThan(10_000);
  });
});

describe('control characters in prompts and file names', () => {
  // Sets the window title, clears the screen, writes the clipboard (OSC 52); then C1 CSI and DEL.
  const PROMPT = 'a fox \x1b]0;pwned\x07 \x1b[2J \x1b]52;c;ZWNobyBoaQ==\x07 \u009b2J \x7f on\ntwo lines\tand a tab';
  const SHOWN = '"a fox \\x1b]0;pwned\\x07 \\x1b[2J \\x1b]52;c;ZWNobyBoaQ==\\x07 \\x9b2J \\x7f on\\ntwo lines\\tand a tab"';
  const noControls = (text: string) => expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);

  it('scan and plan show them escaped, on one line; scan --json has the exact prompt', async () => {
    const root = await projectWithPrompt(PROMPT);
    const scan = await run(['scan'], { cwd: root });
    expect(scan.code, scan.all).toBe(0);
    expect(scan.stdout).toMatch(new RegExp(`^src/pages/only\\.md:3:1 {2}[0-9a-f]{12} {2}missing {2}${escapeRegExp(SHOWN)}\n`));
    noControls(scan.all);

    const plan = await run(['plan'], { cwd: root });
    expect(plan.stdout).toContain(`src/pages/only.md:3:1  ${SHOWN}  1 image(s)`);
    noControls(plan.all);

    const json = await run(['scan', '--json'], { cwd: root });
    const doc = parseJson<{ markers: { prompt: string }[]; images: { prompt: string }[] }>(json.stdout);
    expect(doc.markers[0]!.prompt).toBe(PROMPT);
    expect(doc.images[0]!.prompt).toBe(PROMPT);
    expect(json.stdout).not.toContain(ESC);
  });

  it('generate (offline placeholders) shows them escaped in its progress lines; meta.json keeps the exact prompt', async () => {
    const root = await projectWithPrompt(PROMPT);
    const result = await run(['generate'], { cwd: root });
    expect(result.code, result.all).toBe(0);
    expect(result.stderr).toContain(`generated src/pages/only.md:3:1 ${SHOWN} (1 image(s)`);
    noControls(result.all);
    const [key] = await cacheKeys(root, PLACEHOLDERS);
    expect((await readMeta(root, key!, PLACEHOLDERS)).prompt).toBe(PROMPT);
  });

  it('generate against the API: the failure and its listing show them escaped; --json has the exact prompt', async () => {
    const root = await projectWithPrompt(PROMPT);
    api.server().enqueue({ kind: 'error', status: 400, type: 'content_moderation' });
    const result = await run(['generate'], { cwd: root, env: api.env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`failed src/pages/only.md:3:1 ${SHOWN}: The image API's safety system blocked this prompt`);
    noControls(result.all);
    expect((api.server().requests[0]!.body as { prompt: string }).prompt).toBe(PROMPT);
  });

  it('a frozen generate lists the missing image with its prompt escaped', async () => {
    const root = await projectWithPrompt(PROMPT);
    const result = await run(['generate'], { cwd: root, env: { CI: 'true' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`  src/pages/only.md:3:1  missing: ${SHOWN}\n`);
    noControls(result.all);
    const json = await run(['generate', '--json'], { cwd: root, env: { CI: 'true' } });
    expect(parseJson<{ missing: { prompt: string }[] }>(json.stdout).missing[0]!.prompt).toBe(PROMPT);
  });

  it('a file name with an escape sequence and a line break is shown escaped; --json has it exact', async () => {
    const file = 'src/pages/odd\x1b[2J\nname.md';
    const root = await projectWithPrompt('a red fox', file);
    expect(await readdir(path.join(root, 'src/pages'))).toEqual(['odd\x1b[2J\nname.md']);
    const scan = await run(['scan'], { cwd: root });
    expect(scan.stdout).toContain('src/pages/odd\\x1b[2J\\nname.md:3:1  ');
    noControls(scan.all);
    const json = await run(['scan', '--json'], { cwd: root });
    expect(parseJson<{ markers: { location: { file: string } }[] }>(json.stdout).markers[0]!.location.file).toBe(file);
  });
});

describe('a 100,000-character prompt', () => {
  // Ends with a letter: core trims a prompt.
  const PROMPT = `${Array.from({ length: 10_000 }, (_, i) => `word${String(i).padStart(5, '0')} `)
    .join('')
    .slice(0, 99_999)}.`;
  const SHORT = `"${PROMPT.slice(0, 80)}…" (100,000 characters)`;

  it('is shortened in scan and plan; scan --json has it whole', async () => {
    expect(PROMPT).toHaveLength(100_000);
    const root = await projectWithPrompt(PROMPT);
    const scan = await run(['scan'], { cwd: root });
    expect(scan.stdout).toContain(SHORT);
    expect(scan.all.length).toBeLessThan(5_000);
    const plan = await run(['plan'], { cwd: root });
    expect(plan.stdout).toContain(SHORT);
    expect(plan.all.length).toBeLessThan(5_000);
    const json = await run(['scan', '--json'], { cwd: root });
    expect(parseJson<{ markers: { prompt: string }[] }>(json.stdout).markers[0]!.prompt).toBe(PROMPT);
  });

  it('is shortened in the progress of generate (offline placeholders); meta.json has it whole', async () => {
    const root = await projectWithPrompt(PROMPT);
    const result = await run(['generate'], { cwd: root });
    expect(result.code, result.all.slice(0, 2_000)).toBe(0);
    expect(result.stderr).toContain(`generated src/pages/only.md:3:1 ${SHORT} (1 image(s)`);
    expect(result.all.length).toBeLessThan(5_000);
    const [key] = await cacheKeys(root, PLACEHOLDERS);
    expect((await readMeta(root, key!, PLACEHOLDERS)).prompt).toBe(PROMPT);
  });

  it('is shortened in failure lines: a failed generation, a frozen run', async () => {
    const root = await projectWithPrompt(PROMPT);
    api.server().enqueue({ kind: 'error', status: 400, type: 'content_moderation' });
    const failed = await run(['generate'], { cwd: root, env: api.env() });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`failed src/pages/only.md:3:1 ${SHORT}: The image API's safety system blocked this prompt`);
    expect(failed.all.length).toBeLessThan(5_000);

    const frozen = await run(['generate'], { cwd: root, env: { CI: 'true' } });
    expect(frozen.code).toBe(1);
    expect(frozen.stderr).toContain(`  src/pages/only.md:3:1  missing: ${SHORT}\n`);
    expect(frozen.all.length).toBeLessThan(5_000);
  });
});

describe('an API key with " and \\ never reaches a --json document', () => {
  it('not even JSON-escaped: scan --json and plan --json of a prompt that quotes the key', async () => {
    const root = await projectWithPrompt(`a poster that reads ${API_KEY}`);
    for (const args of [
      ['scan', '--json'],
      ['plan', '--json'],
    ]) {
      const result = await run(args, { cwd: root, env: api.env() });
      expect(result.code, result.all).toBe(0);
      expect(result.stdout).not.toContain(JSON.stringify(API_KEY).slice(1, -1));
      expect(result.stdout).not.toContain('quoted');
      const doc = parseJson<{ markers?: { prompt: string }[]; toGenerate?: { prompt: string }[] }>(result.stdout);
      expect((doc.markers ?? doc.toGenerate)![0]!.prompt).toBe('a poster that reads ***');
    }
    const human = await run(['scan'], { cwd: root, env: api.env() });
    expect(human.stdout).toContain('"a poster that reads ***"');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
