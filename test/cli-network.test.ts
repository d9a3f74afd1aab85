/**
 * Where genimage sends requests: the API only over https (plain http only to this machine), a bad
 * base URL is a configuration error before anything is sent, reference images are not fetched again
 * once the cache recorded their hash, and no message quotes what a server answered.
 */
import { createServer, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { copyFixture, run, useTestServer } from './fixtures/cli-harness/harness.ts';

const API_KEY = 'sk-cli-network-secret-555';
const api = useTestServer(API_KEY);

describe('the API base URL', () => {
  it.each([
    ['notaurl', 'SHARK_BASE_URL: "notaurl" is not a URL.'],
    [
      'http://example.invalid/api/v1',
      'SHARK_BASE_URL: http://example.invalid is plain http to another machine, where credentials travel in clear text',
    ],
    ['ftp://127.0.0.1/api', 'SHARK_BASE_URL: "ftp://127.0.0.1/api" is not an http(s) URL.'],
    ['http://evil.localhost/api', 'SHARK_BASE_URL: http://evil.localhost is plain http to another machine'],
    ['https://user:pw@shark.ai/api/v1', 'SHARK_BASE_URL: https://shark.ai is given with a user name or password'],
  ])('SHARK_BASE_URL=%s is a configuration error: exit 2, nothing sent', async (value, message) => {
    const root = await copyFixture('cli-basic');
    const result = await run(['generate'], { cwd: root, env: { ...api.env(), SHARK_BASE_URL: value } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.all).not.toContain('billed');
    expect(api.server().requests).toHaveLength(0);
  });

  it('the baseUrl option over plain http to another machine is refused, naming the option', async () => {
    const root = await copyFixture('cli-basic');
    await writeFile(path.join(root, 'genimage.config.json'), JSON.stringify({ baseUrl: 'http://192.0.2.1/api/v1' }));
    const result = await run(['scan'], { cwd: root, env: api.env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('baseUrl: http://192.0.2.1 is plain http to another machine');
    expect(result.stderr).toContain('Use https://, or http:// only to 127.0.0.1, [::1] or localhost');
  });

  it('plain http to localhost is allowed, for a local server', async () => {
    const root = await copyFixture('cli-basic');
    const local = api.env().SHARK_BASE_URL!.replace('127.0.0.1', 'localhost');
    const result = await run(['generate'], { cwd: root, env: { ...api.env(), SHARK_BASE_URL: local } });
    expect(result.code, result.all).toBe(0);
    expect(api.server().requests).toHaveLength(3);
  });
});

describe('reference URLs', () => {
  let references: Server;
  let origin: string;
  const fetched: string[] = [];

  beforeAll(async () => {
    const png = await readFile(new URL('./fixtures/astro-basic/src/assets/dot.png', import.meta.url));
    references = createServer((req, res) => {
      fetched.push(req.url ?? '');
      if (req.url === '/ref.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>session token sk-leaked-in-a-page-42</p>');
    });
    await new Promise<void>((resolve) => references.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(references.address() as { port: number }).port}`;
  });
  beforeEach(() => void fetched.splice(0));
  afterAll(() => new Promise<void>((resolve) => references.close(() => resolve())));

  async function siteWith(reference: string): Promise<string> {
    const root = await copyFixture('cli-basic');
    await writeFile(
      path.join(root, 'src/pages/edit.md'),
      `<GenImage prompt="the same scene at night" reference="${reference}" seed={3} alt="At night" />\n`,
    );
    return root;
  }

  it('scan, plan and check do not fetch a reference whose content hash the cache recorded', async () => {
    // The offline provider: the test API, like the real one, takes only https references.
    const root = await siteWith(`${origin}/ref.png`);
    const generate = await run(['generate'], { cwd: root });
    expect(generate.code, generate.all).toBe(0);
    expect(fetched).toEqual(['/ref.png']);
    fetched.splice(0);
    for (const command of [['scan'], ['plan'], ['check']]) {
      const result = await run(command, { cwd: root });
      expect(result.code, `${command[0]}: ${result.all}`).toBe(0);
    }
    // Frozen in CI, for the real provider: the image is missing, and still nothing is fetched.
    expect((await run(['check'], { cwd: root, env: { CI: '1' } })).code).toBe(1);
    expect(fetched).toEqual([]);
  });

  it('a reference that is not an image is refused, saying what it looks like without quoting it', async () => {
    const root = await siteWith(`${origin}/page`);
    const result = await run(['generate'], { cwd: root, env: api.env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('src/pages/edit.md:1:44');
    expect(result.stderr).toContain('is not a usable image: the data is not a readable image (');
    expect(result.stderr).toContain('bytes of an HTML or XML page)');
    expect(result.all).not.toContain('sk-leaked-in-a-page-42');
    expect(result.all).not.toContain('session token');
  });
});
