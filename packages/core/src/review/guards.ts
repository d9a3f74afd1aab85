/**
 * Who may use the review API: the author's own browser, on this machine, on a page this session
 * served. Each rule stops a different attacker: the loopback address a machine on the network,
 * the Host header a web page that rebinds its domain name to 127.0.0.1, Origin and Sec-Fetch-Site
 * a page of another site posting here, the JSON content type a plain HTML form (which cannot send
 * one), and the token any page that did not get it from this session. Pure: each takes what the
 * request says and returns why it is refused, or undefined.
 */
import { timingSafeEqual } from 'node:crypto';

/** Whether a socket's remote address is this machine: 127.0.0.0/8, ::1, or either mapped to IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * Whether a Host header names this machine: `localhost` (and its subdomains), a 127.x address or
 * `[::1]`, with any port. Never a dev server's other `allowedHosts`: those are how a tunnel or a
 * proxy on this machine (ngrok, cloudflared) lets others in, from a loopback address.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

export interface RequestFacts {
  method: string;
  remoteAddress: string | undefined;
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  contentType: string | undefined;
  /** The token the request carries, in its header. */
  token: string | undefined;
}

/** Why a request is refused (403), or undefined when it may go on. */
export function refusal(request: RequestFacts, token: string): string | undefined {
  if (!isLoopbackAddress(request.remoteAddress))
    return 'The review API answers requests from this machine only (a loopback address): the request came from elsewhere.';
  if (!isLoopbackHost(request.host))
    return `The review API answers requests for localhost only: the request was for ${JSON.stringify(request.host ?? '')}.`;
  if (request.origin !== undefined && request.origin !== `http://${request.host}` && request.origin !== `https://${request.host}`)
    return `The review API answers the page it is served with only: the request came from ${JSON.stringify(request.origin)}.`;
  if (request.secFetchSite !== undefined && request.secFetchSite !== 'same-origin')
    return `The review API answers the page it is served with only: the browser says the request is ${JSON.stringify(request.secFetchSite)}.`;
  if (request.token === undefined || !sameSecret(request.token, token))
    return 'The review token is missing or wrong: reload the page the review is served with (the token changes with each session).';
  if (request.method === 'POST' && !/^application\/json\s*(;|$)/i.test(request.contentType ?? ''))
    return 'The review API takes JSON only: send Content-Type: application/json.';
  return undefined;
}

/** Compares in constant time: the time taken says nothing of how much of the token was right. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
