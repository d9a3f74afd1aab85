import { describe, expect, it } from 'vitest';
import { imageDeclarationSchema } from '../../src/markers/declaration-schema.ts';
import { parseFrontmatterMarkers } from '../../src/markers/frontmatter-markers.ts';
import { interpretMarker } from '../../src/markers/marker-params.ts';

const POST = `---
title: A night at the lighthouse
hero:
  prompt: a lighthouse at dusk
  seed: 42
  aspectRatio: "16:9"
  alt: A lighthouse against an orange sky
---
# Body
`;

describe('parseFrontmatterMarkers', () => {
  it('reads a mapping with prompt and alt as a marker, each attribute located at its key', () => {
    const { markers, diagnostics } = parseFrontmatterMarkers(POST, 'src/content/blog/a.md');
    expect(diagnostics).toEqual([]);
    expect(markers).toHaveLength(1);
    const [marker] = markers;
    expect(marker?.location).toEqual({ file: 'src/content/blog/a.md', line: 4, column: 3 });
    expect(marker?.attributes.map((attribute) => [attribute.name, attribute.value, attribute.location.line])).toEqual([
      ['prompt', 'a lighthouse at dusk', 4],
      ['seed', 42, 5],
      ['aspectRatio', '16:9', 6],
      ['alt', 'A lighthouse against an orange sky', 7],
    ]);
    const seed = marker?.attributes[1];
    expect(POST.slice(seed?.span.start, seed?.span.end)).toBe('seed: 42');
    expect(interpretMarker(marker!).request?.params).toMatchObject({ prompt: 'a lighthouse at dusk', seed: 42, aspectRatio: '16:9' });
  });

  it('reads frontmatter with Windows line ends, located the same', () => {
    const { markers } = parseFrontmatterMarkers(POST.replaceAll('\n', '\r\n'), 'a.md');
    expect(markers.map((marker) => marker.location)).toEqual([{ file: 'a.md', line: 4, column: 3 }]);
  });

  it('finds declarations at any depth, in flow style and in lists', () => {
    const source = `---\ngallery:\n  - { prompt: a fox, alt: A fox }\n  - image: { prompt: a hare, alt: "" }\n---\n`;
    const { markers } = parseFrontmatterMarkers(source, 'a.mdx');
    expect(markers.map((marker) => [marker.attributes[0]?.value, marker.location.line, marker.location.column])).toEqual([
      ['a fox', 3, 5],
      ['a hare', 4, 12],
    ]);
  });

  it('locates an invalid declaration: the scan reports it at its key', () => {
    const source = `---\nhero:\n  prompt: a fox\n  alt: A fox\n  seed: nope\n  quality: { high: true }\n---\n`;
    const { markers, diagnostics } = parseFrontmatterMarkers(source, 'a.md');
    expect(diagnostics).toMatchObject([
      { severity: 'error', code: 'InvalidAttribute', attribute: 'quality', location: { line: 6, column: 3 } },
    ]);
    const interpreted = interpretMarker(markers[0]!);
    expect(interpreted.request).toBeUndefined();
    expect(interpreted.diagnostics).toMatchObject([{ severity: 'error', attribute: 'seed', location: { line: 5, column: 3 } }]);
  });

  it('ignores frontmatter that is not an image: a prompt without alt, an alt without prompt', () => {
    const source = `---\ntitle: Chatbots\nprompt: You are a helpful assistant\ncover: { alt: A cover, src: ./cover.png }\n---\n`;
    expect(parseFrontmatterMarkers(source, 'a.md')).toEqual({ markers: [], diagnostics: [] });
  });

  it('reads only the frontmatter at the top of the file, not a --- block in a code fence below', () => {
    const source = `---\ntitle: YAML\n---\n\n\`\`\`yaml\n---\nhero: { prompt: a fox, alt: A fox }\n---\n\`\`\`\n`;
    expect(parseFrontmatterMarkers(source, 'a.md').markers).toEqual([]);
    const fenceOnly = `Intro\n\n\`\`\`yaml\n---\nhero: { prompt: a fox, alt: A fox }\n---\n\`\`\`\n`;
    expect(parseFrontmatterMarkers(fenceOnly, 'a.md').markers).toEqual([]);
  });

  it('reads only Markdown and MDX files, and leaves broken YAML to Astro', () => {
    expect(parseFrontmatterMarkers(POST, 'a.astro').markers).toEqual([]);
    expect(parseFrontmatterMarkers(`---\nhero: { prompt: a fox, alt: [\n---\n`, 'a.md')).toEqual({ markers: [], diagnostics: [] });
  });
});

describe('imageDeclarationSchema', () => {
  it('accepts a declaration without filling in defaults, which would override the config', () => {
    expect(imageDeclarationSchema.parse({ prompt: 'a fox', alt: 'A fox', seed: 42 })).toEqual({ prompt: 'a fox', alt: 'A fox', seed: 42 });
  });

  it('rejects what a tag would refuse: no alt, a bad seed, an unknown key', () => {
    const result = imageDeclarationSchema.safeParse({ prompt: 'a fox', seed: 'nope', seeed: 1 });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.') || issue.code).sort()).toEqual(['alt', 'seed', 'unrecognized_keys']);
  });
});

describe('a marker whose attributes come from a spread', () => {
  it('asks for nothing and reports nothing: its image is declared where the data is', () => {
    const marker = {
      file: 'src/layouts/Post.astro',
      location: { file: 'src/layouts/Post.astro', line: 1, column: 1 },
      span: { start: 0, end: 0 },
      attributes: [
        {
          name: '...',
          value: { kind: 'dynamic' as const, expression: '...post.data.hero' },
          location: { file: 'x', line: 1, column: 11 },
          span: { start: 10, end: 30 },
        },
      ],
    };
    expect(interpretMarker(marker)).toEqual({ diagnostics: [] });
  });
});
