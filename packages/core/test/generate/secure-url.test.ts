import { describe, expect, it } from 'vitest';
import { isLoopbackHost, isSecureUrl } from '../../src/generate/secure-url.ts';

describe('secure-url', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'app.localhost', '[::1]', '::1'])('%s is this machine', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['10.0.0.1', '192.168.1.2', '128.0.0.1', '127.0.0.1.example.com', 'localhost.example.com', 'example.com', '[::2]'])(
    '%s is another machine',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );

  it('allows https anywhere and plain http only to this machine', () => {
    expect(isSecureUrl(new URL('https://shark.ai/api/v1'))).toBe(true);
    expect(isSecureUrl(new URL('http://127.0.0.1:8080/v1'))).toBe(true);
    expect(isSecureUrl(new URL('http://[::1]:8080/v1'))).toBe(true);
    expect(isSecureUrl(new URL('http://shark.ai/api/v1'))).toBe(false);
    expect(isSecureUrl(new URL('ftp://127.0.0.1/x'))).toBe(false);
    expect(isSecureUrl(new URL('file:///etc/passwd'))).toBe(false);
  });
});
