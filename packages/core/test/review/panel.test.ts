/**
 * The panel as text: what the hosts serve must parse as a script and as a module, survive any
 * page encoding, and hand a page its session without letting a value close the script element.
 * What it does in a browser is tested in Chromium (test/review-browser.test.ts).
 */
import { describe, expect, test } from 'vitest';
import { reviewPanelModule, reviewPanelScript, reviewSessionScript } from '../../src/review/panel.ts';
import { DEFAULT_CANDIDATES, MAX_CANDIDATES, REVIEW_TOKEN_HEADER } from '../../src/review/protocol.ts';

describe('reviewPanelScript', () => {
  test('is one script that parses, and starts only once however often a page loads it', () => {
    const script = reviewPanelScript();
    expect(() => new Function(script)).not.toThrow();
    expect(script).toMatch(/^\(\(\) => \{\n'use strict';\nif \(globalThis\.__genimageReview\) return;/);
    // The protocol's token header and limits, not copies of them.
    expect(script).toContain(`const TOKEN_HEADER = ${JSON.stringify(REVIEW_TOKEN_HEADER)};`);
    expect(script).toContain(`const DEFAULT_K = ${DEFAULT_CANDIDATES};\nconst MAX_K = ${MAX_CANDIDATES};`);
  });

  test('is ASCII: a page served without a charset shows the same text', () => {
    expect(reviewPanelScript()).toMatch(/^[\x09\x0a\x0d\x20-\x7e]*$/);
  });

  test('never sets markup from data: every text goes in as a text node', () => {
    expect(reviewPanelScript()).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  test('as a module, exports mountReviewPanel', () => {
    const module = reviewPanelModule();
    expect(module.startsWith(reviewPanelScript())).toBe(true);
    expect(module.endsWith('export const mountReviewPanel = globalThis.__genimageReview.mount;\n')).toBe(true);
  });
});

describe('reviewSessionScript', () => {
  test('writes the session for the panel to start from, overlay or page', () => {
    expect(reviewSessionScript({ base: '/__genimage/review', token: 'ab12', mode: 'overlay' })).toBe(
      '<script>window.__GENIMAGE_REVIEW__ = {"base":"/__genimage/review","token":"ab12","mode":"overlay"};</script>',
    );
    expect(reviewSessionScript({ base: '/__genimage/review', token: 'ab12' })).toContain('"mode":"page"');
  });

  test('no value can close the script element', () => {
    const html = reviewSessionScript({ base: '/x</script><script>alert(1)</script>', token: 't' });
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).toContain('\\u003c/script>\\u003cscript>');
  });
});
