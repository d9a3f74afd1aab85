/**
 * Cleans text that enters genimage from outside (an API answer, a transport error) of the API key
 * and of any bearer token, before it becomes part of an error. Done where the text enters, so no
 * logger, placeholder, gallery or JSON document downstream can carry a secret, whatever prints it.
 */

/** What replaces a secret. */
export const REDACTED = '***';

/**
 * `text` with every occurrence of `secret` (as written, JSON-escaped or URL-encoded) and every
 * `Bearer <token>` replaced by `***`.
 */
export function redactSecret(text: string, secret: string | undefined): string {
  let clean = text;
  // The secret's own forms first: a token pattern stopping at punctuation inside the key would
  // otherwise cut it, and leave the rest where no exact match can find it.
  if (secret && secret.length >= 4) {
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1), uriEncoded(secret)])) {
      clean = clean.replaceAll(form, REDACTED);
    }
  }
  return clean.replace(/\b(Bearer)\s+(?!\*\*\*)\S+/gi, `$1 ${REDACTED}`);
}

/** As a URL would carry it; a lone surrogate cannot be encoded, and then the other forms must do. */
function uriEncoded(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value;
  }
}
