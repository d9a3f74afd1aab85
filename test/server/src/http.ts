/** Small node:http helpers: read a bounded body, record headers, send a reply. */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from './contract.ts';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function errorReply(status: number, type: string, message: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: errorBody(type, message) };
}

/** Writes a whole reply with an accurate content-length. */
export function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  const body = Buffer.from(reply.body);
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
  res.end(body);
}

export interface Body {
  text: string;
  bytes: number;
  /** Past the limit, the rest is read and dropped: answering mid-upload would break the client's write. */
  tooLarge: boolean;
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Body> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes <= limit) chunks.push(chunk);
  }
  return { text: bytes <= limit ? Buffer.concat(chunks).toString('utf8') : '', bytes, tooLarge: bytes > limit };
}

/** Header names lowercased, repeated values joined, the API key never kept. */
export function recordHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const recorded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    recorded[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const auth = recorded['authorization'];
  if (auth !== undefined) recorded['authorization'] = /^bearer /i.test(auth) ? 'Bearer ***' : '***';
  return recorded;
}

export function lowercaseKeys(headers: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

export function isJsonContentType(value: string | undefined): boolean {
  const mediaType = value?.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}
