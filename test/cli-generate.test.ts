/**
 * `genimage generate` and `genimage check` against the test server: cold and warm runs,
 * deduplication, partial failures, a 402 that stops the run, Ctrl-C, frozen mode, corrupt cache
 * entries.
 */
import { describe, expect, it } from 'vitest';
import {
  cacheKeys,
  copyFixture,
  corruptImage,
  parseJson,
  readMeta,
  run,
  start,
  useTestServer,
  waitFor,
} from './fixtures/cli-harness/harness.ts';

const API_KEY = 'sk-cli-generate-secret-777';
const api = useTestServer(API_KEY);

/** The markers of each distinct image of cli-basic, as failure lines name them. */
const MARKERS_OF: Record<string, string> = {
  'a red fox asleep in fresh snow': 'src/pages/about.md:9:1, src/pages/index.astro:8:5',
  'a mountain lake at sunrise': 'src/pages/about.md:13:1',
  'a lighthouse at dusk, <stormy> & wild': 'src/pages/index.astro:10:5',
};

const ALL_MARKERS = ['src/pages/about.md:9:1', 'src/pages/about.md:13:1', 'src/pages/index.astro:8:5', 'src/pages/index.astro:10:5'];

async function generated(): Promise<string> {
  const root = await copyFixture('cli-basic');
  const result = await run(['generate'], { cwd: root, env: api.env() });
  expect(result.code).toBe(0);
  api.server().reset();
  return root;
}

describe('generate', () => {
  it('cold: one request per distinct image, the identical markers deduplicated', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['generate'], { cwd: root, env: api.env() });
    expect(result.code).toBe(0);
    expect(api.server().requests).toHaveLength(3);
    expect(
      api
        .server()
        .requests.map((request) => (request.body as { prompt: string }).prompt)
        .sort(),
    ).toEqual(['a lighthouse at dusk, <stormy> & wild', 'a mountain lake at sunrise', 'a red fox asleep in fresh snow']);
    expect(await cacheKeys(root)).toHaveLength(3);
    // One line per image when stderr is not a terminal, and the summary on stdout.
    expect(result.stderr).toMatch(
      /generated src\/pages\/about\.md:9:1, src\/pages\/index\.astro:8:5 "a red fox asleep in fresh snow" \(1 image\(s\) · 10 credits/,
    );
    expect(result.stderr).toMatch(/generated src\/pages\/about\.md:13:1 "a mountain lake at sunrise" \(2 image\(s\) · 20 credits/);
    expect(result.stdout).toMatch(/^3 image request\(s\): 3 generated, 0 reused, 0 failed · 40 credits · \d+\.\d s\n$/);
  });

  it('warm: no request, exit 0', async () => {
    const root = await generated();
    const result = await run(['generate'], { cwd: root, env: api.env() });
    expect(result.code).toBe(0);
    expect(api.server().requests).toHaveLength(0);
    expect(result.stdout).toContain('3 image request(s): 0 generated, 3 reused, 0 failed');
  });

  it('--json: the summary as one document', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['generate', '--json', '--concurrency', '2'], { cwd: root, env: api.env() });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toEqual({
      command: 'generate',
      ok: true,
      provider: 'shark',
      frozen: false,
      summary: {
        requests: 3,
        generated: 3,
        images: 4,
        reused: 0,
        failed: 0,
        attempts: 3,
        possiblyBilledAttempts: 0,
        unstored: 0,
        credits: 40,
        elapsedMs: expect.any(Number),
        // No remote: nothing came from or went to a bucket.
        remote: null,
      },
      failures: [],
      stoppedBy: null,
      diagnostics: [],
    });
    // Human text went to stderr.
    expect(result.stderr).toContain('generated src/pages/about.md:9:1');
  });

  it('a moderation failure: exit 1, the failure listed with file:line, the others cached', async () => {
    const root = await copyFixture('cli-basic');
    api.server().enqueueFor('a red fox asleep in fresh snow', { kind: 'error', status: 400, type: 'content_moderation' });
    const result = await run(['generate', '--concurrency', '1'], { cwd: root, env: api.env() });
    expect(result.code).toBe(1);
    expect(api.server().requests).toHaveLength(3);
    expect(result.stderr).toContain('1 image request(s) failed:');
    expect(result.stderr).toMatch(
      /src\/pages\/about\.md:9:1, src\/pages\/index\.astro:8:5: The image API's safety system blocked this prompt/,
    );
    expect(result.stderr).toContain('Rephrase the prompt');
    expect(result.stdout).toContain('3 image request(s): 2 generated, 0 reused, 1 failed');
    const prompts = await Promise.all((await cacheKeys(root)).map(async (key) => (await readMeta(root, key)).prompt));
    expect(prompts.sort()).toEqual(['a lighthouse at dusk, <stormy> & wild', 'a mountain lake at sunrise']);

    // The next run generates only the one that failed.
    api.server().reset();
    const again = await run(['generate', '--json'], { cwd: root, env: api.env() });
    expect(again.code).toBe(0);
    expect(api.server().requests).toHaveLength(1);
    expect(parseJson(again.stdout)).toMatchObject({ summary: { generated: 1, reused: 2, failed: 0 } });
  });

  it('--json lists the failures with their origins and error code', async () => {
    const root = await copyFixture('cli-basic');
    api.server().enqueueFor('a red fox asleep in fresh snow', { kind: 'error', status: 400, type: 'content_moderation' });
    const result = await run(['generate', '--concurrency', '1', '--json'], { cwd: root, env: api.env() });
    expect(result.code).toBe(1);
    expect(parseJson(result.stdout)).toMatchObject({
      ok: false,
      summary: { failed: 1, generated: 2 },
      failures: [
        {
          key: expect.stringMatching(/^[0-9a-f]{64}$/),
          origins: [
            { file: 'src/pages/about.md', line: 9, column: 1 },
            { file: 'src/pages/index.astro', line: 8, column: 5 },
          ],
          error: { code: 'ContentModeration' },
        },
      ],
      stoppedBy: null,
    });
  });

  it('402 stops the run: nothing more is sent, exit 1', async () => {
    const root = await copyFixture('cli-basic');
    api.server().enqueue({ kind: 'error', status: 402, type: 'insufficient_credits' });
    const result = await run(['generate', '--concurrency', '1'], { cwd: root, env: api.env() });
    expect(result.code).toBe(1);
    expect(api.server().requests).toHaveLength(1);
    expect(result.stderr).toContain('The image API account has run out of credits');
    expect(result.stderr).toContain('The run stopped early');
    expect(result.stderr).toMatch(/src\/pages\/index\.astro:10:5: Not attempted: the run stopped early/);
    expect(result.stdout).toContain('3 image request(s): 0 generated, 0 reused, 3 failed');
    expect(await cacheKeys(root)).toEqual([]);
  });

  it('a wrong API key: exit 1, and the key is not printed', async () => {
    const root = await copyFixture('cli-basic');
    const wrong = 'sk-wrong-key-not-to-print-31337';
    const result = await run(['generate', '--verbose', '--json'], { cwd: root, env: { ...api.env(), SHARK_API_KEY: wrong } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The image API refused the API key');
    expect(result.all).not.toContain(wrong);
    expect(parseJson(result.stdout)).toMatchObject({ stoppedBy: { code: 'AuthFailed' } });
  });
});

describe('Ctrl-C', () => {
  /** Starts a slow run, one request at a time, and waits until the first request (the fox) has reached the API. */
  async function slowRun() {
    const root = await copyFixture('cli-basic');
    api.server().always({ kind: 'delay', ms: 1500 });
    const running = start(['generate', '--concurrency', '1'], { cwd: root, env: api.env() });
    let stderr = '';
    running.child.stderr?.on('data', (chunk: string) => (stderr += chunk));
    await waitFor(() => api.server().requests.length === 1, 'the first request to reach the API');
    return { root, ...running, stderr: () => stderr };
  }

  it('the first lets the request under way finish and be cached, sends no other, exit 1', async () => {
    const { root, child, result } = await slowRun();
    child.kill('SIGINT');
    const { code, stdout, stderr } = await result;

    expect(code).toBe(1);
    expect(api.server().requests).toHaveLength(1);
    const keys = await cacheKeys(root);
    expect(keys).toHaveLength(1);
    // Whichever image was under way (two generations are, at concurrency 1; one request is sent).
    const sent = (api.server().requests[0]!.body as { prompt: string }).prompt;
    expect((await readMeta(root, keys[0]!)).prompt).toBe(sent);

    expect(stderr).toContain('Stopping: no new request is sent; the requests under way finish and their images are cached.');
    expect(stderr).toContain('Press Ctrl-C again to cancel them too (they may already be billed');
    expect(stderr).toContain(`generated ${MARKERS_OF[sent]} "${sent}"`);
    for (const [prompt, markers] of Object.entries(MARKERS_OF).filter(([prompt]) => prompt !== sent)) {
      expect(stderr, prompt).toContain(`${markers}: The generation was cancelled: Not sent: the run was interrupted first.`);
    }
    expect(stderr).toContain('Interrupted: 2 image request(s) not generated. Run `genimage generate` again');
    const credits = sent === 'a mountain lake at sunrise' ? 20 : 10; // the lake has n={2}
    expect(stdout).toContain(`3 image request(s): 1 generated, 0 reused, 2 failed · ${credits} credits`);
  });

  it('the second cancels the request under way too, counted as possibly billed', async () => {
    const { root, child, result, stderr } = await slowRun();
    child.kill('SIGINT');
    // Two signals sent at once may arrive as one: wait until the first one is answered.
    await waitFor(() => stderr().includes('Press Ctrl-C again'), 'the answer to the first Ctrl-C');
    child.kill('SIGINT');
    const { code, stdout, stderr: all } = await result;

    expect(code).toBe(1);
    expect(api.server().requests).toHaveLength(1);
    expect(await cacheKeys(root)).toEqual([]);
    expect(all).toContain('Cancelling the requests under way (any already billed are lost).');
    const sent = (api.server().requests[0]!.body as { prompt: string }).prompt;
    expect(all).toContain(
      `${MARKERS_OF[sent]}: The generation was cancelled: Cancelled after the request was sent; it may have been billed`,
    );
    expect(all).toContain('Interrupted: 3 image request(s) not generated.');
    expect(stdout).toMatch(/3 image request\(s\): 0 generated, 0 reused, 3 failed · 0 credits · 1 possibly billed failed attempt\(s\)/);
  });
});

describe('frozen: no request, every missing marker listed, exit 1', () => {
  it.each([
    ['CI=true', [], { CI: 'true' }],
    ['--frozen', ['--frozen'], {}],
    ['GENIMAGE_FROZEN=1', [], { GENIMAGE_FROZEN: '1' }],
  ])('via %s', async (_name, args, extraEnv) => {
    const root = await copyFixture('cli-basic');
    const result = await run(['generate', ...args], { cwd: root, env: { ...api.env(), ...extraEnv } });
    expect(result.code).toBe(1);
    expect(api.server().requests).toHaveLength(0);
    expect(result.stderr).toContain('Images are missing from the cache and generation is frozen');
    for (const marker of ALL_MARKERS) expect(result.stderr).toContain(marker);
    expect(result.stderr).toContain('Run `genimage generate` locally');
    expect(await cacheKeys(root)).toEqual([]);
  });

  it('in CI without an API key too (it never needs one)', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['generate'], { cwd: root, env: { CI: 'true' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('generation is frozen because CI is set');
  });

  it('--json lists the missing images', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['generate', '--json'], { cwd: root, env: { ...api.env(), CI: 'true' } });
    expect(result.code).toBe(1);
    const doc = parseJson<{ missing: { origins: unknown[]; status: string }[] }>(result.stdout);
    expect(doc).toMatchObject({ command: 'generate', ok: false, frozen: true, error: { code: 'FrozenMissing' } });
    expect(doc.missing.flatMap((item) => item.origins)).toHaveLength(4);
    expect(doc.missing.map((item) => item.status)).toEqual(['missing', 'missing', 'missing']);
  });

  it('with every image cached, a frozen run succeeds', async () => {
    const root = await generated();
    const result = await run(['generate'], { cwd: root, env: { ...api.env(), CI: 'true' } });
    expect(result.code).toBe(0);
    expect(api.server().requests).toHaveLength(0);
  });

  it('GENIMAGE_FROZEN=0 generates in CI on purpose', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['generate'], { cwd: root, env: { ...api.env(), CI: 'true', GENIMAGE_FROZEN: '0' } });
    expect(result.code).toBe(0);
    expect(api.server().requests).toHaveLength(3);
  });
});

describe('check', () => {
  it('exit 1 listing each missing marker, without a request', async () => {
    const root = await copyFixture('cli-basic');
    const result = await run(['check'], { cwd: root, env: { CI: 'true' } });
    expect(result.code).toBe(1);
    for (const marker of ALL_MARKERS) expect(result.stdout).toMatch(new RegExp(`${marker}  missing  "`));
    expect(result.stdout).toContain('3 of 3 image(s) missing or corrupt in .genimage/.');
    expect(api.server().requests).toHaveLength(0);
  });

  it('exit 0 when every image is cached and verified, needing no API key', async () => {
    const root = await generated();
    const result = await run(['check'], { cwd: root, env: { CI: 'true' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('All 3 image(s) for 4 marker(s) are cached and verified in .genimage/.');
    expect(api.server().requests).toHaveLength(0);
  });

  it('a flipped byte is reported as corrupt, with the reason', async () => {
    const root = await generated();
    const scan = parseJson<{ markers: { location: { file: string; line: number }; key: string }[] }>(
      (await run(['scan', '--json'], { cwd: root, env: api.env() })).stdout,
    );
    const lighthouse = scan.markers.find((marker) => marker.location.file === 'src/pages/index.astro' && marker.location.line === 10)!;
    await corruptImage(root, lighthouse.key);

    const result = await run(['check'], { cwd: root, env: { CI: 'true' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('src/pages/index.astro:10:5  corrupt  "a lighthouse at dusk, <stormy> & wild"');
    expect(result.stdout).toMatch(/A cached image failed verification: .*has sha256 [0-9a-f]{64}, but the metadata says/);
    expect(result.stdout).toContain('1 of 3 image(s) missing or corrupt');

    const json = await run(['check', '--json'], { cwd: root, env: { CI: 'true' } });
    expect(json.code).toBe(1);
    expect(parseJson(json.stdout)).toMatchObject({
      command: 'check',
      ok: false,
      images: 3,
      markers: 4,
      problems: [
        {
          key: lighthouse.key,
          status: 'corrupt',
          reason: expect.stringContaining('sha256'),
          origins: [{ file: 'src/pages/index.astro', line: 10, column: 5 }],
        },
      ],
    });

    // generate replaces the corrupt entry.
    const again = await run(['generate'], { cwd: root, env: api.env() });
    expect(again.code).toBe(0);
    expect(api.server().requests).toHaveLength(1);
    expect((await run(['check'], { cwd: root, env: { CI: 'true' } })).code).toBe(0);
  });
});
