import { redactSecrets } from './secrets.ts';
import { escapeControls } from './terminal-text.ts';

/** Where core reports. Core never writes to the console itself: adapters pass their own logger. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * `logger` with every message fit for a terminal and free of secrets: control characters shown
 * escaped (a prompt cannot send escape sequences through a build's log), the secrets replaced by
 * `***`. The engine wraps whatever logger an adapter gives it, so every entry point logs safely.
 * `secrets` is read at every message: a secret learnt later (the bucket's credentials, once the
 * SDK has resolved them) may be added to it.
 */
export function safeLogger(logger: Logger, secrets: readonly (string | undefined)[]): Logger {
  const clean = (message: string) => escapeControls(redactSecrets(message, secrets), true);
  return {
    debug: (message) => logger.debug(clean(message)),
    info: (message) => logger.info(clean(message)),
    warn: (message) => logger.warn(clean(message)),
    error: (message) => logger.error(clean(message)),
  };
}
