import { describe, expect, test } from 'vitest';
import { parseMarkers } from '../../src/markers/markers.ts';
import { markerMatcher, signature } from '../../src/rewrite/match.ts';

const markers = (source: string, file: string) => parseMarkers(source, file).markers;

describe('signature', () => {
  test('is the same for a marker written in any attribute order, and ignores dynamic values', () => {
    const [a] = markers('<GenImage alt="x" prompt="p" seed={4} />', 'a.html');
    const [b] = markers('<GenImage prompt="p" seed="4" alt="x" {...rest} />', 'b.html');
    expect(signature(a!)).toBe(signature(b!));
  });
});

describe('markerMatcher', () => {
  const source = markers('<GenImage prompt="p" alt="" />\n<GenImage prompt="p" alt="" />\n<GenImage prompt="q" alt="" />', 'src/post.md');
  const [tag] = markers('<GenImage alt="" prompt="p" />', 'dist/post.html');

  test('answers with the first marker of the same signature, as often as asked', () => {
    const match = markerMatcher(source);
    expect([match(tag!)?.location.line, match(tag!)?.location.line]).toEqual([1, 1]);
  });

  test('with once, each marker answers one tag, in order, and then none is left', () => {
    const match = markerMatcher(source, { once: true });
    expect([match(tag!)?.location.line, match(tag!)?.location.line, match(tag!)]).toEqual([1, 2, undefined]);
  });
});
