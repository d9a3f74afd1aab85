/**
 * Where genimage may send a request: https anywhere, plain http only to this machine (a local test
 * or fixture server). The API key travels as a bearer token and reference images may be private,
 * so neither goes over plain http across a network.
 */

/** 127.0.0.0/8, localhost and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Whether a request to `url` is allowed: https, or http to a loopback host. */
export function isSecureUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}
