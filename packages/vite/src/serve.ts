import { createReadStream } from 'node:fs';
import { type ImageRenderer, mimeTypeOf } from '@genimage/core';
import type { Connect } from 'vite';

/**
 * The dev server's middleware for the variant files the pages refer to, under `publicPath` (base
 * included). It matches the URL as requested: a base middleware earlier in the chain (Astro's) may
 * have stripped the base from `req.url`, never from `req.originalUrl`. A file that cannot be read
 * (the variants cache was wiped while the server runs) fails that one request, not the server.
 * A name that is not even a valid URL path (a malformed percent-escape) is none of ours either.
 */
export function serveVariants(publicPath: () => string, renderer: () => Promise<ImageRenderer>): Connect.NextHandleFunction {
  return (req, res, next) => {
    const url = (req.originalUrl ?? req.url ?? '').split('?')[0]!;
    const prefix = publicPath();
    const name = url.startsWith(prefix) ? decodedName(url.slice(prefix.length)) : undefined;
    if (name === undefined) return next();
    renderer()
      .then((images) => images.file(name))
      .then((file) => {
        if (!file) return next();
        const stream = createReadStream(file.path);
        stream.once('open', () => {
          res.setHeader('Content-Type', mimeTypeOf(file.format));
          res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
          stream.pipe(res);
        });
        stream.once('error', (error) => {
          if (res.headersSent) return res.destroy(error);
          res.removeHeader('Content-Type');
          res.removeHeader('Cache-Control');
          next(error);
        });
      })
      .catch(next);
  };
}

/** The file name a URL path names, or undefined when its percent-escapes are malformed (`%E0%A4%A`): no variant has such a name. */
function decodedName(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}
