import { type Logger, escapeControls, formatError, isGenImageError } from '@genimage/core';
import type { Logger as ViteLogger } from 'vite';

/**
 * Our errors as their formatted text (location, message, hint) and no stack: Astro and Vite print
 * the stack and parse it for a location, and neither helps with an error of ours. The marker's
 * place goes in `loc` (what Vite and Astro read to show a code frame).
 */
export function reportable(error: unknown): Error {
  // Control characters shown escaped: a prompt quoted in a message cannot drive the terminal.
  const wrapped = Object.assign(
    new Error(escapeControls(formatError(error), true)),
    isGenImageError(error) && error.location ? { loc: { ...error.location } } : {},
  );
  wrapped.stack = '';
  return wrapped;
}

/** Core's logger over Vite's, prefixed. */
export function viteLogger(log: ViteLogger | undefined): Logger {
  return {
    debug: () => {},
    info: (message) => log?.info(`[genimage] ${message}`, { timestamp: true }),
    warn: (message) => log?.warn(`[genimage] ${message}`, { timestamp: true }),
    error: (message) => log?.error(`[genimage] ${message}`, { timestamp: true }),
  };
}
