/**
 * The one rule for hiding secrets (the API key, the bucket's credentials) in text: where foreign
 * text enters (an API answer, an S3 error), in every log line the engine writes, and in what the
 * CLI prints. A secret is hidden in every form text can carry it in, and any bearer token with it.
 */
import { escapeControls } from './terminal-text.ts';

/** What replaces a secret. */
export const REDACTED = '***';

/** Shorter values would hide ordinary words; no real key is that short. */
const MIN_SECRET_LENGTH = 4;

/**
 * The forms a secret takes in text: as written, JSON-escaped, URL-encoded, and with its control
 * characters escaped for a terminal (on one line or keeping line breaks). Longest first, so a
 * form that contains another is replaced whole.
 */
export function secretForms(secret: string | undefined): string[] {
  if (!secret || secret.length < MIN_SECRET_LENGTH) return [];
  const forms = new Set([
    secret,
    JSON.stringify(secret).slice(1, -1),
    uriEncoded(secret),
    escapeControls(secret),
    escapeControls(secret, true),
  ]);
  return [...forms].sort((a, b) => b.length - a.length);
}

/** `text` with every form of every secret replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let clean = text;
  const forms = secrets.flatMap(secretForms).sort((a, b) => b.length - a.length);
  for (const form of forms) clean = clean.replaceAll(form, REDACTED);
  return clean;
}

/**
 * Text from outside (an API answer, a transport or storage error) as it may enter genimage: the
 * known secrets hidden, and any `Bearer <token>` too, since a proxy or a service may echo a
 * credential genimage does not know. Not for genimage's own text: a prompt may say "bearer".
 */
export function redactForeignText(text: string, secrets: readonly (string | undefined)[]): string {
  // The secrets' own forms first: the token pattern stops at punctuation inside a key, and would
  // leave the rest where no exact match can find it.
  return redactSecrets(text, secrets).replace(/\b(Bearer)\s+(?!\*\*\*)\S+/gi, `$1 ${REDACTED}`);
}

/** As a URL would carry it; a lone surrogate cannot be encoded, and then the other forms must do. */
function uriEncoded(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value;
  }
}
