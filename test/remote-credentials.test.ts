/**
 * The bucket's credentials, wherever the AWS SDK's chain found them (here a profile, which no
 * environment variable names), are never printed when a service echoes them in an error; and the
 * bucket's endpoint follows the rule of every service URL, from the options or the environment:
 * a configuration error (exit 2) before anything is sent.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GenImageError, S3Store } from '@genimage/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyFixture, run } from './fixtures/cli-harness/harness.ts';

const PROFILE = {
  accessKeyId: 'ASIAPROFILEKEY0123456',
  secretAccessKey: 'profile-secret-abcdefghijklmnopqrstuvwxyz',
  sessionToken: 'profile-session-token-FwoGZXIvYXdzEJr-0123456789',
};

/** Refuses every request as S3 does an expired token, quoting what the request carried. */
let echo: Server;
let endpoint: string;
beforeAll(async () => {
  echo = createServer((request, response) => {
    const keyId = /Credential=([^/]+)\//.exec(String(request.headers['authorization']))?.[1];
    const token = request.headers['x-amz-security-token'];
    response
      .writeHead(403, { 'content-type': 'application/xml' })
      .end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ExpiredToken</Code><Message>The token ${token} of ${keyId} has expired</Message></Error>`,
      );
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => echo.close(resolve)));

describe('credentials from a profile', () => {
  it('an error that echoes the session token and access key id prints neither; the engine is told them', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'genimage-profile-'));
    const credentials = path.join(folder, 'credentials');
    await writeFile(
      credentials,
      `[genimage-test]\naws_access_key_id = ${PROFILE.accessKeyId}\naws_secret_access_key = ${PROFILE.secretAccessKey}\naws_session_token = ${PROFILE.sessionToken}\n`,
    );
    // The SDK's chain reads process.env: no key there, only the profile.
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3'])
      vi.stubEnv(name, undefined);
    vi.stubEnv('AWS_PROFILE', 'genimage-test');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', credentials);
    vi.stubEnv('AWS_CONFIG_FILE', path.join(folder, 'config'));
    try {
      const learnt: string[] = [];
      const store = new S3Store({ url: 's3://genimage/team', endpoint, onCredentials: (secrets) => learnt.push(...secrets) });
      const error = await store.listKeys().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(error).toBeInstanceOf(GenImageError);
      const message = (error as GenImageError).message;
      expect(message).toContain('ExpiredToken, HTTP 403: The token *** of *** has expired');
      expect(message).not.toContain(PROFILE.sessionToken);
      expect(message).not.toContain(PROFILE.accessKeyId);
      expect(learnt.sort()).toEqual(Object.values(PROFILE).sort());
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('the endpoint from the environment', () => {
  it.each([
    ['AWS_ENDPOINT_URL_S3', 'http://user:password@127.0.0.1:9000', 'http://127.0.0.1:9000 is given with a user name or password'],
    ['AWS_ENDPOINT_URL', 'http://192.0.2.1:9000', 'http://192.0.2.1:9000 is plain http to another machine'],
    ['AWS_ENDPOINT_URL', 'http://evil.localhost:9000', 'http://evil.localhost:9000 is plain http to another machine'],
  ])('%s=%s is a configuration error naming the variable, before anything is sent', (name, value, problem) => {
    expect(() => new S3Store({ url: 's3://genimage', env: { [name]: value } })).toThrow(
      expect.objectContaining({ code: 'InvalidOptions', message: expect.stringContaining(`${name}: ${problem}`) }),
    );
  });

  it('the option wins over the variables, and is held to the same rule', () => {
    expect(() => new S3Store({ url: 's3://genimage', endpoint: 'http://10.0.0.1', env: {} })).toThrow(
      'remote.endpoint: http://10.0.0.1 is plain http',
    );
    expect(new S3Store({ url: 's3://genimage', endpoint: endpoint, env: { AWS_ENDPOINT_URL: 'http://10.0.0.1' } })).toBeInstanceOf(S3Store);
  });
});

describe('the remote.endpoint option, through the CLI', () => {
  it('with a user name and password: exit 2, naming the option and what is allowed, the password never printed', async () => {
    const root = await copyFixture('cli-basic');
    const remote = { url: 's3://genimage/team', endpoint: `${endpoint.replace('//', '//admin:hunter2-s3-password@')}` };
    await writeFile(path.join(root, 'genimage.config.json'), JSON.stringify({ remote }));
    const result = await run(['check'], { cwd: root, env: {} });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`remote.endpoint: ${endpoint} is given with a user name or password`);
    expect(result.stderr).toContain('use https://, or http:// only to 127.0.0.1, [::1] or localhost');
    expect(result.all).not.toContain('hunter2-s3-password');
  });
});
