import { describe, expect, it } from 'vitest';
import { safeLogger } from '../src/logger.ts';
import { escapeControls, formatDuration, quoteText } from '../src/terminal-text.ts';

describe('escapeControls', () => {
  it('shows the escape sequences a terminal would act on as text', () => {
    const title = '\x1b]0;pwned\x07';
    const clear = '\x1b[2J';
    const clipboard = '\x1b]52;c;ZWNobyBoaQ==\x07';
    expect(escapeControls(`a ${title} b ${clear} c ${clipboard}`)).toBe('a \\x1b]0;pwned\\x07 b \\x1b[2J c \\x1b]52;c;ZWNobyBoaQ==\\x07');
  });

  it('escapes newline, tab and carriage return by name, DEL and C1 by code', () => {
    expect(escapeControls('a\nb\tc\rd\x00e\x7ff\u009bg')).toBe('a\\nb\\tc\\rd\\x00e\\x7ff\\x9bg');
  });

  it('keeps line breaks when asked, and still escapes a carriage return', () => {
    expect(escapeControls('line one\n  hint: \x1b[2J\r', true)).toBe('line one\n  hint: \\x1b[2J\\r');
  });

  it.each(['202a', '202b', '202c', '202d', '202e', '2066', '2067', '2068', '2069', '200e', '200f', '061c'])(
    'shows the bidirectional control U+%s as its code, on one line or several',
    (code) => {
      const control = String.fromCharCode(Number.parseInt(code, 16));
      const escaped = `\\u${code}`;
      expect(escapeControls(`a ${control}cba`)).toBe(`a ${escaped}cba`);
      expect(escapeControls(`a\n${control}cba`, true)).toBe(`a\n${escaped}cba`);
    },
  );

  it('shows a right-to-left override in a quoted prompt, so it cannot reverse the rest of the line', () => {
    expect(quoteText('invoice\u202efdp.exe')).toBe('"invoice\\u202efdp.exe"');
  });

  it('leaves printable text alone: quotes, backslashes, non-Latin scripts, emoji', () => {
    const text = 'a "red" fox \\ 狐 🦊 café';
    expect(escapeControls(text)).toBe(text);
  });
});

describe('quoteText', () => {
  it('quotes a short prompt whole', () => {
    expect(quoteText('a red fox')).toBe('"a red fox"');
  });

  it('shortens a long prompt to its first 80 characters, "…" and its length', () => {
    const quoted = quoteText('x'.repeat(100_000));
    expect(quoted).toBe(`"${'x'.repeat(80)}…" (100,000 characters)`);
  });

  it('keeps exactly 80 characters whole, and cuts at 81', () => {
    expect(quoteText('y'.repeat(80))).toBe(`"${'y'.repeat(80)}"`);
    expect(quoteText('y'.repeat(81))).toBe(`"${'y'.repeat(80)}…" (81 characters)`);
  });

  it('counts characters, not UTF-16 units: never cuts an emoji in half', () => {
    const quoted = quoteText('🦊'.repeat(100), 3);
    expect(quoted).toBe('"🦊🦊🦊…" (100 characters)');
  });

  it('puts the whole prompt on one line, controls escaped', () => {
    expect(quoteText('a\nb\x1b[2J')).toBe('"a\\nb\\x1b[2J"');
  });
});

describe('safeLogger', () => {
  it('escapes control characters (line breaks kept) and hides the secrets in every message', () => {
    const lines: string[] = [];
    const log = safeLogger(
      {
        debug: (m) => lines.push(`d ${m}`),
        info: (m) => lines.push(`i ${m}`),
        warn: (m) => lines.push(`w ${m}`),
        error: (m) => lines.push(`e ${m}`),
      },
      ['sk-secret-42', undefined, 'ab'],
    );
    log.info('generating "\x1b]0;pwned\x07 a fox"');
    log.error('HTTP 400: you sent sk-secret-42\nhint: ab stays');
    log.warn('\x9b2J');
    log.debug('plain');
    expect(lines).toEqual(['i generating "\\x1b]0;pwned\\x07 a fox"', 'e HTTP 400: you sent ***\nhint: ab stays', 'w \\x9b2J', 'd plain']);
  });
});

describe('formatDuration', () => {
  it('says a duration as it was given, in the unit that reads best', () => {
    expect([400, 1000, 1500, 30_000, 300_000, 600_000, 90_500].map(formatDuration)).toEqual([
      '400 ms',
      '1 s',
      '1.5 s',
      '30 s',
      '300 s',
      '10 min',
      '90.5 s',
    ]);
  });
});
