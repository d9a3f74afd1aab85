import { describe, expect, it } from 'vitest';
import { redactForeignText, redactSecrets, secretForms } from '../src/secrets.ts';

describe('redactSecrets', () => {
  it('hides a secret as written, JSON-escaped, URL-encoded and escaped for a terminal', () => {
    const secret = 'sk-"quoted"\\/ key\u001b';
    const forms = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), '\\x1b'];
    const text = `a ${forms[0]} b ${forms[1]} c ${forms[2]} d ${secret.replace('\u001b', forms[3]!)}`;
    expect(redactSecrets(text, [secret])).toBe('a *** b *** c *** d ***');
  });

  it('hides several secrets, a longer one whole even when it contains a shorter one', () => {
    expect(redactSecrets('id AKIA1234 then AKIA1234SECRET', ['AKIA1234', undefined, 'AKIA1234SECRET'])).toBe('id *** then ***');
  });

  it('leaves short values, missing values and text without secrets alone, and never a "bearer" of the text', () => {
    expect(secretForms('ab')).toEqual([]);
    expect(secretForms(undefined)).toEqual([]);
    expect(redactSecrets('a bearer of gifts, ab', ['ab', undefined])).toBe('a bearer of gifts, ab');
  });
});

describe('redactForeignText', () => {
  it('replaces the secret as written, JSON-escaped and URL-encoded, and any bearer token', () => {
    const secret = 'sk-"quoted"\\/ key';
    const text = `a ${secret} b ${JSON.stringify(secret)} c ${encodeURIComponent(secret)} d Authorization: Bearer other-token e`;
    expect(redactForeignText(text, [secret])).toBe('a *** b "***" c *** d Authorization: Bearer *** e');
  });

  it.each(['sk,abcdef', "sk'abc;def", 'sk"abc def', 'sk-\ud800-lone'])(
    'leaves no part of a key with punctuation after "Bearer" (%j)',
    (secret) => {
      const text = `{"error":{"message":"echo Bearer ${secret} and ${JSON.stringify(secret)} again"}}`;
      const clean = redactForeignText(text, [secret]);
      for (const part of secret.split(/[,;'" ]/).filter((piece) => piece.length >= 3 && piece !== 'sk-')) expect(clean).not.toContain(part);
      expect(clean).toContain('Bearer ***');
    },
  );

  it('leaves text without secrets as it is', () => {
    expect(redactForeignText('HTTP 400 invalid_request: prompt is empty', ['sk-123456'])).toBe('HTTP 400 invalid_request: prompt is empty');
  });
});
