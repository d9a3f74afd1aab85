/**
 * A team's story with the shared bucket, as the README's "Teams and CI" recipe tells it, its blocks
 * read from README.md (test/fixtures/readme/recipe.ts) and run as written against a real
 * S3-compatible server (fauxqs), with real git clones and the real CLI. The image API
 * (test/server) counts what is paid: every distinct image once, and none lost.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKeys, copyFixture, parseJson, run, start, useTestServer } from './fixtures/cli-harness/harness.ts';
import { ciSteps, command, recipeBlock, withSecrets } from './fixtures/readme/recipe.ts';
import { CREDENTIALS, type S3Server, startS3Server } from './fixtures/remote-s3/s3-server.ts';

const API_KEY = 'sk-team-workflow-secret-77';
const api = useTestServer(API_KEY);
const BUCKET = 'my-team-images';
const PREFIX = 'site';
/** The repository's secrets, as CI gets them: the CI identity's key pair. */
const SECRETS = { GENIMAGE_CI_KEY_ID: CREDENTIALS.accessKeyId, GENIMAGE_CI_SECRET: CREDENTIALS.secretAccessKey };
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Alice',
  GIT_AUTHOR_EMAIL: 'alice@example.com',
  GIT_COMMITTER_NAME: 'Alice',
  GIT_COMMITTER_EMAIL: 'alice@example.com',
};
/** cli-basic: 4 markers, 3 distinct images. */
const IMAGES = 3;
const NEW_MARKER = '<GenImage prompt="the team at the harbour" seed={5} alt="The team" />\n';
const BRANCH_MARKER = '<GenImage prompt="a paper boat on a branch" seed={9} alt="A boat" />\n';

let s3: S3Server;
let down: string;
const temps: string[] = [];
beforeAll(async () => {
  s3 = await startS3Server({ buckets: [BUCKET] });
  const stopped = await startS3Server({ buckets: [] });
  await stopped.stop();
  down = stopped.endpoint; // nothing listens there: the bucket's outage
});
afterAll(async () => {
  await s3?.stop();
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

const config = (endpoint: string) =>
  `${JSON.stringify({ remote: { url: `s3://${BUCKET}/${PREFIX}`, endpoint, leaseMs: 2000, timeoutMs: 500 } })}\n`;
/** A person with the key and the people's identity. */
const person = (extra: Record<string, string | undefined> = {}) => ({ ...api.env(), ...s3.env, ...GIT_ENV, ...extra });
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });

async function clone(from: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'genimage-team-'));
  temps.push(dir);
  git(dir, 'clone', '-q', from, 'site');
  return path.join(dir, 'site');
}

/** Runs one line of a recipe block: `npx genimage …` through the CLI under test, anything else (git) in a shell. */
async function runLine(line: string, cwd: string, env: Record<string, string | undefined>) {
  const [program, ...args] = command(line).split(/\s+/);
  if (program === 'npx' && args[0] === 'genimage') return run(args.slice(1), { cwd, env });
  // The fixture is a site whose build is the CLI's: `npm run build` is `genimage generate`, the
  // same Engine.generate call the adapters make, frozen as CI is.
  if (command(line) === 'npm run build') return run(['generate'], { cwd, env });
  const output = execFileSync('sh', ['-c', command(line)], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: 0, stdout: output, stderr: '', all: output };
}

const bucketEntries = async () => {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/` }));
  return (listed.Contents ?? []).map((object) => object.Key!).filter((key) => key.endsWith('/meta.json'));
};

describe("the README's team recipe", () => {
  it('the policies and the lifecycle rule are valid JSON, and CI may only read', () => {
    const people = JSON.stringify(JSON.parse(recipeBlock('policy-people')));
    const ci = JSON.stringify(JSON.parse(recipeBlock('policy-ci')));
    expect(people).toContain('s3:PutObject');
    expect(ci).not.toMatch(/PutObject|DeleteObject/);
    expect(ci).toContain('s3:ListBucket');
    expect(JSON.parse(recipeBlock('lifecycle')).Rules[0]).toMatchObject({ Filter: { Prefix: `${PREFIX}/.leases/` }, Status: 'Enabled' });
  });

  it('every CI step that reads the bucket has the credentials (the job env), and no step needs the API key', () => {
    const steps = ciSteps(recipeBlock('ci'));
    expect(steps.map((step) => step.run)).toEqual(['npm ci', 'npx genimage check', 'npm run build']);
    for (const step of steps.slice(1))
      expect(Object.keys(step.env)).toEqual(expect.arrayContaining(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']));
    expect(JSON.stringify(steps)).not.toContain('SHARK_API_KEY');
  });

  it('two clones, CI, concurrent builds, an outage and a branch switch with prune: every image paid once, none lost', async () => {
    // Alice's site, from the days of a committed cache.
    const alice = await copyFixture('cli-basic');
    git(alice, 'init', '-q', '-b', 'main');
    expect((await run(['generate'], { cwd: alice, env: person() })).code).toBe(0);
    git(alice, 'add', '-A');
    git(alice, 'commit', '-q', '-m', 'site with its images');
    expect(git(alice, 'ls-files', '.genimage')).toContain('meta.json');
    expect(api.server().requests).toHaveLength(IMAGES);

    // She sets up the bucket (config and .gitignore of the recipe) and moves the cache into it, as written.
    await writeFile(path.join(alice, 'genimage.config.json'), config(s3.endpoint));
    await writeFile(path.join(alice, '.gitignore'), `${recipeBlock('gitignore')}\n`);
    git(alice, 'add', 'genimage.config.json');
    for (const line of recipeBlock('migrate').split('\n')) {
      const result = await runLine(line, alice, person());
      expect(result.code, `${line}\n${result.all}`).toBe(0);
    }
    expect(git(alice, 'ls-files', '.genimage')).toBe('');
    expect(git(alice, 'status', '--porcelain')).toBe(''); // .genimage/ is ignored, nothing left to commit
    expect(await bucketEntries()).toHaveLength(IMAGES);

    // Commands that promise no network send nothing, in a fresh clone whose images are all in the bucket.
    const carol = await clone(alice);
    s3.requests.length = 0;
    for (const args of [['scan'], ['plan'], ['prune', '--dry-run']]) {
      const result = await run(args, { cwd: carol, env: person() });
      expect(result.code, result.all).toBe(0);
    }
    expect(s3.requests).toEqual([]);
    expect(await cacheKeys(carol)).toEqual([]);
    const plan = await run(['plan'], { cwd: carol, env: person() });
    expect(plan.stderr).toContain(`s3://${BUCKET}/${PREFIX}/ was not asked (\`genimage plan\` sends nothing)`);

    // CI as the issue met it: the credentials only on the build step. check names the real cause.
    const ci = await clone(alice);
    const noCredentials = await run(['check'], {
      cwd: ci,
      env: {
        CI: '1',
        SHARK_API_KEY: undefined,
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_PROFILE: undefined,
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.stderr).toContain('No credentials were found for the remote cache');
    expect(noCredentials.stderr).toContain(
      'which was not read: no credentials were found. Give this step AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
    expect(noCredentials.stderr).not.toContain('Run `genimage generate`');

    // CI frozen with the README's steps, exactly: zero API requests.
    api.server().reset();
    for (const step of ciSteps(recipeBlock('ci'))) {
      if (step.run === 'npm ci') continue; // installs; the CLI under test is already there
      const env = { ...withSecrets(step.env, SECRETS), CI: 'true', SHARK_API_KEY: undefined };
      const result = await runLine(step.run, ci, env);
      expect(result.code, `${step.run}\n${result.all}`).toBe(0);
      if (step.run === 'npm run build') expect(result.stdout).toContain('image request(s): 3 already in the local cache');
      if (step.run === 'npx genimage check')
        expect(result.stdout).toContain(`Found 0 in .genimage/, ${IMAGES} in s3://${BUCKET}/${PREFIX}/`);
    }
    expect(api.server().requests).toHaveLength(0);
    const verbose = await run(['check', '--verbose', '--json'], {
      cwd: ci,
      env: { ...withSecrets(ciSteps(recipeBlock('ci'))[1]!.env, SECRETS), CI: 'true' },
    });
    const checked = parseJson<{ locations: { found: string; prompt: string; markers: { file: string; line: number }[] }[] }>(
      verbose.stdout,
    );
    const fox = checked.locations.find((item) => item.prompt === 'a red fox asleep in fresh snow')!;
    expect(fox.found).toBe('local');
    expect(fox.markers.map((marker) => marker.file).sort()).toEqual(['src/pages/about.md', 'src/pages/index.astro']);
    const text = await run(['check', '--verbose'], {
      cwd: ci,
      env: { ...withSecrets(ciSteps(recipeBlock('ci'))[1]!.env, SECRETS), CI: 'true' },
    });
    expect(text.stderr).toMatch(/src\/pages\/index\.astro:8:5 {2}local {2}"a red fox asleep in fresh snow"/);

    // Bob clones; he and Alice add the same image and build at once: it is paid once.
    const bob = await clone(alice);
    for (const root of [alice, bob]) await writeFile(path.join(root, 'src/pages/team.md'), NEW_MARKER);
    const both = await Promise.all([alice, bob].map((root) => start(['generate'], { cwd: root, env: person() }).result));
    for (const result of both) expect(result.code, result.all).toBe(0);
    expect(api.server().requests).toHaveLength(1);
    // One generated it, the other read it from the bucket (Bob's first three images came from there too).
    const summaries = both.map((result) => result.stdout).join('\n');
    expect(summaries).toContain('1 generated and uploaded');
    expect(both[1]!.stdout).toMatch(/4 image request\(s\): [34] from the bucket/);
    git(bob, 'add', 'src/pages/team.md');
    git(bob, 'commit', '-q', '-m', 'the team');

    // The bucket goes down while Bob works on a branch: his new image is paid, kept local, and said so.
    git(bob, 'checkout', '-q', '-b', 'boats');
    await writeFile(path.join(bob, 'src/pages/boat.md'), BRANCH_MARKER);
    await writeFile(path.join(bob, 'genimage.config.json'), config(down));
    const offline = await run(['generate'], { cwd: bob, env: person() });
    expect(offline.code, offline.all).toBe(0);
    expect(offline.stdout).toContain('1 generated and kept local (only on this machine): run `genimage push`');
    expect(api.server().requests).toHaveLength(2);
    const boatKey = await newKey(bob, alice);
    git(bob, 'add', 'src/pages/boat.md');
    git(bob, 'commit', '-q', '-m', 'a boat');

    // He switches branch and prunes while the bucket is still down: the only copy stays, said so.
    git(bob, 'checkout', '-q', 'main');
    const kept = await run(['prune', '--yes'], { cwd: bob, env: person() });
    expect(kept.code, kept.all).toBe(0);
    expect(kept.stdout).toContain('kept (only copy)');
    expect(kept.stderr).toContain('exist only in .genimage/');
    expect(await cacheKeys(bob)).toContain(boatKey);

    // The bucket is back: prune uploads the entry first, then deletes it here.
    git(bob, 'checkout', '-q', '--', 'genimage.config.json');
    const pruned = await run(['prune', '--yes', '--json'], { cwd: bob, env: person() });
    expect(pruned.code, pruned.all).toBe(0);
    expect(parseJson(pruned.stdout)).toMatchObject({ deleted: 1, unused: [{ key: boatKey, deleted: true, pushed: true }], onlyCopies: [] });
    expect(await cacheKeys(bob)).not.toContain(boatKey);

    // Back on his branch: the image comes from the bucket, not paid again.
    git(bob, 'checkout', '-q', 'boats');
    const back = await run(['generate'], { cwd: bob, env: person() });
    expect(back.code, back.all).toBe(0);
    expect(back.stdout).toContain('1 from the bucket');
    expect(api.server().requests).toHaveLength(2);

    // The bucket's prune keeps what any named checkout uses, and recent entries; then the abandoned branch's image goes.
    const keepBob = ['prune', '--remote', '--keep-root', bob, '--older-than', '0', '--yes', '--json'];
    const keptAll = parseJson<{ deleted: number; inUse: number }>((await run(keepBob, { cwd: alice, env: person() })).stdout);
    expect(keptAll).toMatchObject({ deleted: 0, inUse: IMAGES + 2 });
    await rm(path.join(bob, 'src/pages/boat.md'));
    const recent = await run(['prune', '--remote', '--keep-root', bob, '--dry-run'], { cwd: alice, env: person() });
    expect(recent.stdout).toContain('1 unused but uploaded within 30 day(s) (kept)');
    const gone = parseJson<{ deleted: number; unused: { key: string }[] }>(
      (await run(['prune', '--remote', '--keep-root', bob, '--older-than', '0', '--yes', '--json'], { cwd: alice, env: person() })).stdout,
    );
    expect(gone).toMatchObject({ deleted: 1, unused: [{ key: boatKey }] });
    expect(await bucketEntries()).toHaveLength(IMAGES + 1);

    // None lost: every clone's markers check out, frozen; and every image was paid once.
    for (const root of [alice, bob, ci]) {
      const result = await run(['check'], { cwd: root, env: { ...s3.env, CI: 'true', SHARK_API_KEY: undefined } });
      expect(result.code, result.all).toBe(0);
    }
    expect(api.server().requests).toHaveLength(2);
    expect(await readFile(path.join(alice, '.gitignore'), 'utf8')).toContain('.genimage/');
  });
});

/** The key in `root`'s cache that `other`'s lacks. */
async function newKey(root: string, other: string): Promise<string> {
  const theirs = new Set(await cacheKeys(other));
  const mine = (await cacheKeys(root)).filter((key) => !theirs.has(key));
  expect(mine).toHaveLength(1);
  return mine[0]!;
}
