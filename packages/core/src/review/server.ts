/**
 * The server of `genimage review`: the review for a reviewer who is not running the site. The
 * API (`http.ts`) and the page that shows it (`page.ts`), on 127.0.0.1 only. The page is served
 * to a request that carries the session's token in its query (the URL the command prints) and
 * passes the same address and Host rules as the API; nothing else is served.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { refusal } from './guards.ts';
import { createReviewHandler } from './http.ts';
import { reviewPage } from './page.ts';
import type { ReviewSession } from './session.ts';

export interface ReviewServerOptions {
  session: ReviewSession;
  /** The port on 127.0.0.1; 0 takes any free one. @default 0 */
  port?: number;
  /** The page's title. @default "genimage review" */
  title?: string;
}

export interface RunningReviewServer {
  /** The page, with the token: `http://127.0.0.1:<port>/?token=<token>`. */
  url: string;
  port: number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/**
 * Starts listening on 127.0.0.1. Rejects with Node's own error when it cannot (`EADDRINUSE`: the
 * port is taken; `EACCES`: a port the user may not open), for the caller to name its option.
 */
export async function startReviewServer(options: ReviewServerOptions): Promise<RunningReviewServer> {
  const { session } = options;
  const api = createReviewHandler(session);
  const server = createServer((req, res) => api(req, res, () => servePage(req, res, session, options.title)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/?token=${session.token}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function servePage(req: IncomingMessage, res: ServerResponse, session: ReviewSession, title: string | undefined): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== '/')
    return sendText(res, 404, 'Not found. The review is at /, with its token: open the URL `genimage review` printed.');
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Use GET.');
  const header = (name: string) => [req.headers[name]].flat()[0];
  // Opened from the terminal or the address bar, a page is `Sec-Fetch-Site: none`; that is the author.
  const site = header('sec-fetch-site');
  const refused = refusal(
    {
      method: 'GET',
      remoteAddress: req.socket.remoteAddress,
      host: header('host'),
      origin: header('origin'),
      secFetchSite: site === 'none' ? undefined : site,
      contentType: undefined,
      token: url.searchParams.get('token') ?? undefined,
    },
    session.token,
  );
  if (refused) return sendText(res, 403, `${refused}\nOpen the URL \`genimage review\` printed: it carries the token.`);
  const html = reviewPage(session.token, title);
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "frame-ancestors 'none'",
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : html);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}
