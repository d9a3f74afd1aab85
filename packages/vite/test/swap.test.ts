import { expect, test } from 'vitest';
import { CLIENT_CODE, PendingPlaces, withSwapClient } from '../src/swap.ts';

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

test('a page that connects late is sent what its pending places show now: failed or final, not still generating', () => {
  const places = new PendingPlaces();
  const at = (line: number) => ({ file: 'index.html', line, column: 5 });
  const generating = '<picture><img data-genimage-place="x" data-genimage-pending></picture>';
  const failed = '<picture><img data-genimage-place="x" data-genimage-pending data-genimage-failed></picture>';
  const final = '<picture><source srcset="/assets/a.webp"><img src="/assets/a.jpg"></picture>';
  places.remember({}, at(1), generating);
  places.remember({}, at(2), failed);
  places.remember({}, at(3), final);
  const sent: { place: string; html: string }[] = [];
  places.catchUp(['index.html:1:5', 'index.html:2:5', 'index.html:3:5', 'index.html:4:5', 7], (ready) => sent.push(ready));
  expect(sent).toEqual([
    { place: 'index.html:2:5', html: failed },
    { place: 'index.html:3:5', html: final },
  ]);
  places.catchUp(undefined, (ready) => sent.push(ready));
  expect(sent).toHaveLength(2);
  expect(CLIENT_CODE).toContain('import.meta.hot.send("genimage:check"');
});
