import { describe, expect, test } from 'vitest';
import { escapeHtml, escapeXml } from '../src/html.ts';
import { decodeEntities } from '../src/markers/literals.ts';

describe('escapeHtml', () => {
  test('escapes the five characters that matter, in content and in quoted attributes alike', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  test('reads back as written (what the JSX conversion does with rendered attributes)', () => {
    const text = `a "red" fox & a <cat>'s tail`;
    expect(decodeEntities(escapeHtml(text))).toBe(text);
  });
});

describe('escapeXml', () => {
  test('escapes markup and drops characters XML forbids, which would fail the parse', () => {
    expect(escapeXml(`<b>'&'</b>\u0000\u0007\ufffe ok\tfine\n`)).toBe('&lt;b&gt;&#39;&amp;&#39;&lt;/b&gt; ok\tfine\n');
  });
});
