/**
 * Where genimage may send a request: https anywhere, plain http only to this machine (a local test
 * or fixture server). The API key travels as a bearer token, the bucket's credentials sign every
 * request, and reference images may be private: none of them goes over plain http across a
 * network, where it could be read and the answer (an image) replaced. One rule for the API's base
 * URL, the bucket's endpoint, references and download links.
 */

/** What the rule allows, for messages. */
export const SECURE_URL_RULE = 'https://, or http:// only to 127.0.0.1, [::1] or localhost (this machine), without user:password@';

/**
 * Literal loopback addresses (127.0.0.0/8, ::1) and the name `localhost` itself, which Node
 * resolves to loopback. Not `*.localhost`: Node and undici resolve it through DNS like any name,
 * so `evil.localhost` may be another machine.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Whether a request to `url` is allowed: https, or http to a loopback host. */
export function isSecureUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/**
 * Why a service's URL (the API's base URL, the bucket's endpoint) is refused, or undefined when
 * it is allowed. A user name or password in it is refused too: it would be printed with every
 * message that names the service.
 */
export function serviceUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${JSON.stringify(value)} is not a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${JSON.stringify(value)} is not an http(s) URL`;
  if (url.username !== '' || url.password !== '')
    return `${url.protocol}//${url.host} is given with a user name or password, which every message naming it would print`;
  if (!isSecureUrl(url))
    return `${url.origin} is plain http to another machine, where credentials travel in clear text and answers can be changed on the way`;
  return undefined;
}
