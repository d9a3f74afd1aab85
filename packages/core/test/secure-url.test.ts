import { describe, expect, it } from 'vitest';
import { isLoopbackHost, isSecureUrl, serviceUrlProblem } from '../src/secure-url.ts';

describe('secure-url', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '[::1]', '::1'])('%s is this machine', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    '10.0.0.1',
    '192.168.1.2',
    '128.0.0.1',
    '127.0.0.1.example.com',
    'localhost.example.com',
    'example.com',
    '[::2]',
    'app.localhost',
    'evil.localhost',
  ])('%s is another machine', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it('allows https anywhere and plain http only to this machine', () => {
    expect(isSecureUrl(new URL('https://shark.ai/api/v1'))).toBe(true);
    expect(isSecureUrl(new URL('http://127.0.0.1:8080/v1'))).toBe(true);
    expect(isSecureUrl(new URL('http://[::1]:8080/v1'))).toBe(true);
    expect(isSecureUrl(new URL('http://shark.ai/api/v1'))).toBe(false);
    expect(isSecureUrl(new URL('ftp://127.0.0.1/x'))).toBe(false);
    expect(isSecureUrl(new URL('file:///etc/passwd'))).toBe(false);
  });

  it('resolves `*.localhost` through DNS like any name, so it may be another machine (and is not this machine)', async () => {
    const { lookup } = await import('node:dns/promises');
    // A resolver may answer anything for it; this one answers nothing, which shows it was asked.
    await expect(lookup('genimage-test.localhost')).rejects.toMatchObject({ code: expect.stringMatching(/ENOTFOUND|EAI_AGAIN/) });
    expect(isSecureUrl(new URL('http://genimage-test.localhost:9000'))).toBe(false);
  });

  it('refuses a service URL with a user name or password, plain http elsewhere, and what is not an http(s) URL', () => {
    expect(serviceUrlProblem('https://s3.example.com')).toBeUndefined();
    expect(serviceUrlProblem('http://127.0.0.1:9000')).toBeUndefined();
    expect(serviceUrlProblem('http://user:password@127.0.0.1:9000')).toBe(
      'http://127.0.0.1:9000 is given with a user name or password, which every message naming it would print',
    );
    expect(serviceUrlProblem('https://key@s3.example.com')).toContain('user name or password');
    expect(serviceUrlProblem('http://evil.localhost:9000')).toContain('plain http to another machine');
    expect(serviceUrlProblem('ftp://127.0.0.1')).toContain('is not an http(s) URL');
    expect(serviceUrlProblem('s3.example.com')).toContain('is not a URL');
  });
});
