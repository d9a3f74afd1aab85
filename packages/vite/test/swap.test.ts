import { expect, test } from 'vitest';
import { CLIENT_CODE, withSwapClient } from '../src/swap.ts';

const PENDING = '<img src="data:," alt="A fox" width="64" height="36" data-genimage-place="index.html:3:5" data-genimage-pending>';

test('a dev page with a pending image loads the swap client under the base, before </head>', () => {
  expect(withSwapClient(`<html><head></head><body>${PENDING}</body></html>`, '/docs')).toBe(
    `<html><head><script type="module" src="/docs/@id/virtual:genimage/client"></script></head><body>${PENDING}</body></html>`,
  );
});

test('a page without a pending image is left alone', () => {
  const page = '<html><head></head><body><picture></picture></body></html>';
  expect(withSwapClient(page, '/')).toBe(page);
});

test('the client swaps by place, only pending elements', () => {
  expect(CLIENT_CODE).toContain('import.meta.hot.on("genimage:ready"');
  expect(CLIENT_CODE).toContain('[data-genimage-pending][data-genimage-place]');
});
