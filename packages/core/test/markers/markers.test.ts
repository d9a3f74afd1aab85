import { describe, expect, it } from 'vitest';
import { formatError } from '../../src/errors.ts';
import { diagnosticToError } from '../../src/diagnostics.ts';
import { isDynamic, parseMarkers, type LiteralValue, type DynamicValue, type Marker } from '../../src/markers/markers.ts';

const FILE = 'src/pages/index.astro';

/** Parses `source` as `file`; a Vue component's markers are in its `<template>` block, so a bare fragment is put in one. */
function parse(source: string, file = FILE) {
  return parseMarkers(file.endsWith('.vue') && !source.includes('<template') ? `<template>${source}</template>` : source, file);
}

/** The attributes of the only marker, as a name -> value record. */
function attributesOf(source: string, file = FILE): Record<string, LiteralValue | DynamicValue> {
  const { markers, diagnostics } = parse(source, file);
  expect(diagnostics).toEqual([]);
  expect(markers).toHaveLength(1);
  return Object.fromEntries((markers[0] as Marker).attributes.map((attribute) => [attribute.name, attribute.value]));
}

function prompts(source: string, file = FILE): unknown[] {
  return parse(source, file).markers.map((marker) => marker.attributes.find((attribute) => attribute.name === 'prompt')?.value);
}

describe('markers', () => {
  it('finds a self-closing marker with the location of its "<"', () => {
    const { markers, diagnostics } = parse('<h1>Hi</h1>\n  <GenImage prompt="a fox" />\n');
    expect(diagnostics).toEqual([]);
    expect(markers).toEqual([
      {
        file: FILE,
        location: { file: FILE, line: 2, column: 3 },
        attributes: [
          {
            name: 'prompt',
            value: 'a fox',
            location: { file: FILE, line: 2, column: 13 },
            span: { start: 24, end: 38 },
            valueSpan: { start: 31, end: 38 },
          },
        ],
        span: { start: 14, end: 41 },
      },
    ]);
  });

  it('accepts an open marker with a closing tag and ignores its children', () => {
    const source = '<GenImage prompt="outer">\n  <span title="x">fallback</span>\n</GenImage >\n<GenImage prompt="after" />';
    const { markers, diagnostics } = parse(source);
    expect(diagnostics).toEqual([]);
    expect(markers.map((marker) => [marker.location.line, marker.attributes.length])).toEqual([
      [1, 1],
      [4, 1],
    ]);
  });

  it('does not take <GenImageFoo> or <GenImage.Foo> for markers', () => {
    expect(parse('<GenImageFoo prompt="a" />\n<GenImage.Foo prompt="b" />\n<GenImages />')).toEqual({ markers: [], diagnostics: [] });
  });

  it('finds markers written without a space before "/>" or ">"', () => {
    expect(prompts('<GenImage/>\n<GenImage prompt="a"/>\n<GenImage\tprompt="b"></GenImage>')).toEqual([undefined, 'a', 'b']);
  });

  it.each(['src/pages/post.md', 'src/pages/post.mdx', 'index.html', 'src/App.tsx', 'src/App.vue', 'src/App.svelte'])(
    'reads double- and single-quoted strings that span lines, decoding HTML entities as the compiler of %s does',
    (file) => {
      expect(
        attributesOf(`<GenImage prompt="a &quot;red&quot;\n fox &amp; a hen" alt='it&#39;s &lt;3 &gt; &#x41;' seed=&#52;2 />`, file),
      ).toEqual({
        prompt: 'a "red"\n fox & a hen',
        alt: "it's <3 > A",
        seed: '42',
      });
    },
  );

  it('keeps HTML entities as written in .astro, as Astro hands them to the component', () => {
    expect(attributesOf(`<GenImage prompt="salt &amp; pepper\n &quot;x&quot;" alt='it&#39;s' seed=&#52;2 />`)).toEqual({
      prompt: 'salt &amp; pepper\n &quot;x&quot;',
      alt: 'it&#39;s',
      seed: '&#52;2',
    });
  });

  it('reads escapes in .astro attribute text as the Astro compiler does', () => {
    const source = String.raw`<GenImage prompt="a\n\t\\ \x41 \u00e9 \u{1F98A} \' \` \0 \
b" alt='\s \$ \8 \00 \x4 \u12 \u{110000} \{' seed=c\nd />`;
    expect(attributesOf(source)).toEqual({
      prompt: "a\n\t\\ A é 🦊 ' ` \0 b",
      alt: String.raw`\s \$ \8 \00 \x4 \u12 \u{110000} \{`,
      seed: 'c\nd',
    });
  });

  it('leaves backslashes alone outside .astro and JavaScript strings', () => {
    expect(attributesOf(String.raw`<GenImage prompt="a\n \u00e9 \\" />`, 'src/pages/post.mdx')).toEqual({
      prompt: String.raw`a\n \u00e9 \\`,
    });
  });

  it('leaves unknown or out-of-range entities as written', () => {
    expect(attributesOf('<GenImage alt="&bogus; &#99999999; &amp" />', 'index.html')).toEqual({ alt: '&bogus; &#99999999; &amp' });
  });

  it('reads numbers in braces', () => {
    expect(attributesOf('<GenImage seed={42} n={ -1 } quality={3.5} big={1e3} />')).toEqual({ seed: 42, n: -1, quality: 3.5, big: 1000 });
  });

  it('reads quoted strings in braces with JavaScript escapes', () => {
    expect(attributesOf(`<GenImage prompt={"a \\"fox\\"\\n"} alt={'it\\'s \\u00e9'} />`)).toEqual({ prompt: 'a "fox"\n', alt: "it's é" });
  });

  it('reads template literals without interpolation as strings', () => {
    expect(attributesOf('<GenImage prompt={`a fox\n  in snow`} />')).toEqual({ prompt: 'a fox\n  in snow' });
  });

  it('keeps template literals with ${} as dynamic', () => {
    expect(attributesOf('<GenImage prompt={`a ${animal}`} />')).toEqual({ prompt: { kind: 'dynamic', expression: '`a ${animal}`' } });
  });

  it('reads arrays of string, number and boolean literals', () => {
    expect(attributesOf(`<GenImage reference={["a.png", 'b.png',]} widths={[480, 960]} flags={[true, false]} empty={[]} />`)).toEqual({
      reference: ['a.png', 'b.png'],
      widths: [480, 960],
      flags: [true, false],
      empty: [],
    });
  });

  it('reads {true}, {false} and bare attributes as booleans', () => {
    expect(attributesOf('<GenImage priority decoding={false} eager={true} />')).toEqual({ priority: true, decoding: false, eager: true });
  });

  it('keeps identifiers, calls, member access and operators as dynamic with their text', () => {
    expect(attributesOf('<GenImage prompt={title} alt={t("hero.alt")} seed={config.seed} n={1 + 1} x={[a, b]} y={"a" + b} />')).toEqual({
      prompt: { kind: 'dynamic', expression: 'title' },
      alt: { kind: 'dynamic', expression: 't("hero.alt")' },
      seed: { kind: 'dynamic', expression: 'config.seed' },
      n: { kind: 'dynamic', expression: '1 + 1' },
      x: { kind: 'dynamic', expression: '[a, b]' },
      y: { kind: 'dynamic', expression: '"a" + b' },
    });
  });

  it('skips braces, strings, templates and comments nested in an expression to find its closing brace', () => {
    const expression = 'fn({ a: "}", b: \'{\' }, `x${ {c: "}"}.c }`) /* } */';
    expect(attributesOf(`<GenImage alt={${expression}} prompt="after" />`)).toEqual({
      alt: { kind: 'dynamic', expression },
      prompt: 'after',
    });
  });

  it('reads a spread as a dynamic attribute named "..."', () => {
    expect(attributesOf('<GenImage {...props} prompt="a" />')).toEqual({ '...': { kind: 'dynamic', expression: '...props' }, prompt: 'a' });
  });

  it("reads Svelte's {name} shorthand as a dynamic attribute", () => {
    expect(attributesOf('<GenImage {seed} prompt="a" />', 'src/lib/Hero.svelte')).toEqual({
      seed: { kind: 'dynamic', expression: 'seed' },
      prompt: 'a',
    });
  });

  it('reads Vue bindings as expressions: literal when they are literals, dynamic otherwise', () => {
    expect(
      attributesOf(`<GenImage :seed="42" v-bind:reference="['a.png']" :alt="title" @load="done" prompt="a" />`, 'src/App.vue'),
    ).toEqual({
      seed: 42,
      reference: ['a.png'],
      alt: { kind: 'dynamic', expression: 'title' },
      '@load': { kind: 'dynamic', expression: 'done' },
      prompt: 'a',
    });
  });

  it('reads unquoted HTML attribute values as strings', () => {
    expect(attributesOf('<GenImage seed=42 src=img/a.png prompt="a"/>', 'index.html')).toEqual({
      seed: '42',
      src: 'img/a.png',
      prompt: 'a',
    });
  });

  it('skips JSX comments between attributes', () => {
    expect(attributesOf('<GenImage\n  // the subject\n  prompt="a" /* why */ seed={1}\n/>')).toEqual({ prompt: 'a', seed: 1 });
  });

  it('locates each attribute at its name', () => {
    const { markers } = parse('<GenImage\n    prompt="a"\n  seed={1} />');
    expect(markers[0]?.attributes.map((attribute) => [attribute.name, attribute.location.line, attribute.location.column])).toEqual([
      ['prompt', 2, 5],
      ['seed', 3, 3],
    ]);
  });

  it('counts lines with CRLF endings', () => {
    const { markers } = parse('<p>a</p>\r\n<p>b</p>\r\n  <GenImage prompt="a" />');
    expect(markers[0]?.location).toEqual({ file: FILE, line: 3, column: 3 });
  });

  it('returns nothing for a source without markers', () => {
    expect(parse('<img src="a.png" />')).toEqual({ markers: [], diagnostics: [] });
  });

  it('isDynamic tells dynamic values from literals', () => {
    expect(isDynamic({ kind: 'dynamic', expression: 'x' })).toBe(true);
    expect(isDynamic(['a'])).toBe(false);
    expect(isDynamic('a')).toBe(false);
  });
});

describe('markers: spans', () => {
  /** What each span of the markers in `source` covers. */
  function written(source: string, file = FILE) {
    const { markers, diagnostics } = parse(source, file);
    expect(diagnostics).toEqual([]);
    const text = ({ start, end }: { start: number; end: number }) => source.slice(start, end);
    return markers.map((marker) => ({
      tag: text(marker.span),
      attributes: marker.attributes.map((attribute) => [text(attribute.span), attribute.valueSpan && text(attribute.valueSpan)]),
    }));
  }

  it('covers a tag over several lines, a value holding ">" or quotes, and each attribute as written', () => {
    const source = '<p>\n<GenImage\n  prompt="fish > chips"\n  alt=\'say "hi"\'\n  seed={42}\n  eager\n  {...rest}\n/>\n</p>';
    expect(written(source)).toEqual([
      {
        tag: source.slice(4, -5),
        attributes: [
          ['prompt="fish > chips"', '"fish > chips"'],
          ['alt=\'say "hi"\'', '\'say "hi"\''],
          ['seed={42}', '{42}'],
          ['eager', undefined],
          ['{...rest}', undefined],
        ],
      },
    ]);
  });

  it('takes the closing tag of an open marker along, and tells several markers apart', () => {
    const source = '<GenImage prompt="a" seed=7></GenImage>\ntext <GenImage prompt="b" :seed="3" />';
    expect(written(`<template>${source}</template>`, 'src/A.vue')).toEqual([
      {
        tag: '<GenImage prompt="a" seed=7></GenImage>',
        attributes: [
          ['prompt="a"', '"a"'],
          ['seed=7', '7'],
        ],
      },
      {
        tag: '<GenImage prompt="b" :seed="3" />',
        attributes: [
          ['prompt="b"', '"b"'],
          [':seed="3"', '"3"'],
        ],
      },
    ]);
  });
});

describe('markers: what hides a marker', () => {
  it('ignores markers in HTML comments', () => {
    expect(prompts('<!-- <GenImage prompt="hidden" />\n -->\n<GenImage prompt="shown" />')).toEqual(['shown']);
  });

  it('ignores markers in {/* */} comments', () => {
    expect(prompts('{/* <GenImage prompt="hidden" /> */}\n{ /*\n<GenImage prompt="hidden" />\n*/ }\n<GenImage prompt="shown" />')).toEqual([
      'shown',
    ]);
  });

  it('ignores markers in // and /* */ comments of .astro frontmatter', () => {
    const source =
      '---\n// <GenImage prompt="hidden" />\n/* <GenImage prompt="hidden" /> */\nconst a = 1;\n---\n<GenImage prompt="shown" />';
    expect(prompts(source)).toEqual(['shown']);
  });

  it('does not open a block comment at a glob in a frontmatter string', () => {
    const source = '---\nconst images = import.meta.glob(\'./images/*.png\');\n---\n<GenImage prompt="shown" />\n<p>a */ b</p>';
    expect(prompts(source)).toEqual(['shown']);
  });

  it('ignores markers after // and /* at the start of a markup line', () => {
    const source = '{cond && (\n  // <GenImage prompt="hidden" />\n  /* <GenImage prompt="hidden" /> */\n  <GenImage prompt="shown" />\n)}';
    expect(prompts(source)).toEqual(['shown']);
  });

  it('does not let a URL in prose hide a marker on the next line or the same line', () => {
    const source =
      'Read more at https://example.com/a//b today.\n<GenImage prompt="next line" />\nSee https://x.dev <GenImage prompt="same line" />';
    expect(prompts(source, 'src/content/post.mdx')).toEqual(['next line', 'same line']);
    expect(prompts(source, 'src/pages/index.astro')).toEqual(['next line', 'same line']);
    expect(prompts(source, 'index.html')).toEqual(['next line', 'same line']);
  });

  it('does not take // in the middle of markup text for a comment', () => {
    expect(prompts('<p>either // or</p> <GenImage prompt="shown" />')).toEqual(['shown']);
  });

  it("does not let a URL in another tag's attribute hide a marker", () => {
    expect(prompts('<a href="https://example.com">x</a><GenImage prompt="shown" />', 'index.html')).toEqual(['shown']);
  });

  it('honours // and /* */ comments in script files, but not // inside a URL string', () => {
    const source = [
      'const url = "https://example.com"; // <GenImage prompt="hidden" />',
      '/* <GenImage prompt="hidden" /> */',
      'export const Hero = () => <GenImage prompt="shown" />;',
      'const link = <a href=\'https://x.dev\'>x</a>; const b = <GenImage prompt="shown too" />;',
    ].join('\n');
    expect(prompts(source, 'src/Hero.tsx')).toEqual(['shown', 'shown too']);
  });

  it('does not take an apostrophe in JSX text for a string', () => {
    expect(prompts('const A = () => <p>Don\'t miss it <GenImage prompt="shown" /></p>;', 'src/A.jsx')).toEqual(['shown']);
  });

  it('ignores markers inside JavaScript strings and template literals of script regions', () => {
    const source = 'const a = \'<GenImage prompt="hidden" />\';\nconst b = `\n<GenImage prompt="hidden" />`;\n<GenImage prompt="shown" />';
    expect(prompts(source, 'src/a.tsx')).toEqual(['shown']);
  });

  it("ignores markers inside other tags' attribute values", () => {
    const source = [
      '<Code lang="astro" code={`<GenImage prompt="hidden" />`} />',
      '<div title=\'<GenImage prompt="hidden" />\'>',
      '<GenImage prompt="shown" />',
      '</div>',
    ].join('\n');
    expect(prompts(source)).toEqual(['shown']);
  });

  it('honours JavaScript comments inside <script> blocks of markup files', () => {
    const source = '<script>\n  // <GenImage prompt="hidden" />\n  const u = "http://a";\n</script>\n<GenImage prompt="shown" />';
    expect(prompts(source, 'index.html')).toEqual(['shown']);
  });

  it('treats .vue templates as markup and their <script> blocks as JavaScript', () => {
    const source = [
      '<template>',
      '  <p>a // b <GenImage prompt="template" /></p>',
      '</template>',
      '<script setup lang="ts">',
      '// <GenImage prompt="hidden" />',
      '</script>',
    ].join('\n');
    expect(prompts(source, 'src/App.vue')).toEqual(['template']);
  });

  it('finds the markers of a .vue file in its <template> block only, nested templates included', () => {
    const source = [
      '<docs><GenImage prompt="in a custom block" /></docs>',
      '<script setup lang="tsx">',
      'const C = () => <GenImage prompt="in a script" />;',
      '</script>',
      '<template>',
      '  <template v-if="a"><GenImage prompt="nested" /></template>',
      '  <GenImage prompt="after the nested one" />',
      '</template>',
      '<style>/* <GenImage prompt="in a style" /> */</style>',
    ].join('\n');
    expect(prompts(source, 'src/App.vue')).toEqual(['nested', 'after the nested one']);
    expect(prompts('<template lang="pug">\nGenImage(prompt="pug")\n</template>', 'src/App.vue')).toEqual([]);
  });

  it('never finds a marker in the <script> or <style> of a .svelte file', () => {
    const source =
      '<script>\n  const note = "<GenImage prompt=\\"in a script\\" />";\n</script>\n<GenImage prompt="markup" />\n<style></style>';
    expect(prompts(source, 'src/Card.svelte')).toEqual(['markup']);
  });

  it('reads {...} inside a quoted Svelte value as an expression, and &#123; as a brace', () => {
    expect(attributesOf('<GenImage prompt="a &#123;b&#125;" alt="Photo of {name}" />', 'src/Card.svelte')).toEqual({
      prompt: 'a {b}',
      alt: { kind: 'dynamic', expression: 'Photo of {name}' },
    });
  });

  it("decodes references in a Vue binding before reading its JavaScript, as Vue's compiler does", () => {
    expect(attributesOf(`<GenImage :prompt="'a &amp; b'" :alt="t(&quot;x&quot;)" />`, 'src/App.vue')).toEqual({
      prompt: 'a & b',
      alt: { kind: 'dynamic', expression: 't("x")' },
    });
  });

  it('ignores markers in Markdown fenced code blocks and inline code', () => {
    const source = [
      '# Usage',
      '',
      '```astro',
      '<GenImage prompt="in a fence" />',
      '```',
      '',
      '~~~~',
      '<GenImage prompt="in a tilde fence" />',
      '~~~~',
      '',
      'Write `<GenImage prompt="inline" />` or ``<GenImage prompt="double" />``.',
      '',
      '<GenImage prompt="shown" />',
    ].join('\n');
    expect(prompts(source, 'src/content/docs.md')).toEqual(['shown']);
    expect(prompts(source, 'src/content/docs.mdx')).toEqual(['shown']);
  });

  it('does not let a lone backtick in Markdown hide a marker in the next paragraph', () => {
    expect(prompts('A lone ` backtick.\n\n<GenImage prompt="shown" /> and `code`', 'src/a.md')).toEqual(['shown']);
  });

  it('skips the YAML frontmatter of Markdown files', () => {
    expect(prompts('---\ntitle: Using <GenImage> in posts\n---\n<GenImage prompt="shown" />', 'src/a.mdx')).toEqual(['shown']);
  });

  it('warns when a comment that is never closed hides a marker', () => {
    const { markers, diagnostics } = parse('<p>a</p>\n<!-- oops\n<GenImage prompt="hidden" />');
    expect(markers).toEqual([]);
    expect(diagnostics).toMatchObject([{ severity: 'warning', code: 'MarkerSyntax', location: { line: 2, column: 1 } }]);
    expect(diagnostics[0]?.message).toContain('3:1');
  });
});

/** Malformed markers: each one's error, at file:line:col, and the marker after it is still found. */
const MALFORMED: { name: string; source: string; at: string; message: RegExp; next?: boolean }[] = [
  { name: 'unterminated string at the end of the file', source: '<GenImage prompt="a fox', at: '1:18', message: /string.*never closed/ },
  {
    name: 'unterminated string running into the next marker',
    source: '<GenImage alt="x />',
    at: '1:15',
    message: /string.*never closed/,
    next: true,
  },
  {
    name: 'marker never closed at the end of the file',
    source: '<p>x</p>\n<GenImage prompt="a"',
    at: '2:1',
    message: /never closed: the file ends/,
  },
  {
    name: 'marker never closed before another tag',
    source: '<GenImage prompt="a"\n<p>text</p>',
    at: '1:1',
    message: /never closed: another tag starts at 2:1/,
    next: true,
  },
  {
    name: 'array with a missing comma',
    source: '<GenImage reference={["a.png" "b.png"]} />',
    at: '1:31',
    message: /missing ","/,
    next: true,
  },
  {
    name: 'array never closed',
    source: '<GenImage reference={["a.png", "b.png"} />',
    at: '1:22',
    message: /array that is never closed/,
    next: true,
  },
  { name: 'array with an empty element', source: '<GenImage widths={[1,,2]} />', at: '1:22', message: /empty element/, next: true },
  {
    name: 'brace never closed',
    source: '  <GenImage seed={42 />',
    at: '1:18',
    message: /opens "\{" at 1:18 that is never closed/,
    next: true,
  },
  { name: 'empty braces', source: '<GenImage seed={} />', at: '1:16', message: /seed=\{\} is empty/, next: true },
  { name: 'missing value after =', source: '<GenImage prompt= />', at: '1:19', message: /Expected a value after prompt=/, next: true },
  { name: 'two values in braces', source: '<GenImage seed={1 2} />', at: '1:19', message: /two values in a row/, next: true },
  {
    name: 'quote where a name belongs',
    source: '<GenImage "a fox" />',
    at: '1:11',
    message: /Unexpected "\\"" inside <GenImage>/,
    next: true,
  },
  { name: 'stray slash', source: '<GenImage prompt="a" / seed={1} />', at: '1:22', message: /Unexpected "\/"/, next: true },
  { name: 'expression in attribute position', source: '<GenImage {a + b} />', at: '1:11', message: /only a spread/, next: true },
  {
    name: 'string in braces cut by a line break',
    source: '<GenImage prompt={"a fox\n} />',
    at: '1:19',
    message: /string starting with " that is never closed/,
    next: true,
  },
  { name: 'template literal never closed', source: '<GenImage prompt={`a fox} />', at: '1:18', message: /never closed/, next: true },
  {
    name: 'duplicate attribute',
    source: '<GenImage seed={1}\n  seed={2} prompt="a" />',
    at: '2:3',
    message: /seed is given twice \(first at 1:11\)/,
    next: true,
  },
];

describe('markers: malformed markers', () => {
  for (const { name, source, at, message, next } of MALFORMED) {
    it(`reports ${name} at its location`, () => {
      const full = next ? `${source}\n<GenImage prompt="next" />` : source;
      const { markers, diagnostics } = parse(full);
      const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
      expect(errors).toHaveLength(1);
      const [error] = errors;
      expect(error?.code).toBe('MarkerSyntax');
      expect(`${error?.location.file}:${error?.location.line}:${error?.location.column}`).toBe(`${FILE}:${at}`);
      expect(error?.message).toMatch(message);
      // Parsing goes on with the next marker; the broken one is dropped.
      expect(markers.map((marker) => marker.attributes.find((attribute) => attribute.name === 'prompt')?.value)).toEqual(
        next ? ['next'] : [],
      );
    });
  }

  it('names the attribute a syntax error is about', () => {
    const { diagnostics } = parse('<GenImage reference={["a" "b"]} />');
    expect(diagnostics[0]?.attribute).toBe('reference');
  });

  it('warns about an open marker with no closing tag but keeps it', () => {
    const { markers, diagnostics } = parse('<GenImage prompt="a">\n<GenImage prompt="b" />');
    expect(markers.map((marker) => marker.location.line)).toEqual([1, 2]);
    expect(diagnostics).toMatchObject([{ severity: 'warning', code: 'MarkerSyntax', location: { line: 1, column: 1 } }]);
    expect(diagnostics[0]?.message).toContain('no closing </GenImage>');
  });

  it('turns a diagnostic into a GenImageError that formats with its location and hint', () => {
    const { diagnostics } = parse('<GenImage prompt="a fox');
    const text = formatError(diagnosticToError(diagnostics[0]!));
    expect(text).toMatch(/^src\/pages\/index\.astro:1:18: A <GenImage> marker could not be parsed: The value of prompt/);
    expect(text).toContain('hint: Close the string');
  });
});

describe('markers: robustness', () => {
  const pieces = [
    '<GenImage',
    '<GenImage ',
    '/>',
    '>',
    '</GenImage>',
    'prompt=',
    '"',
    "'",
    '`',
    '${',
    '{',
    '}',
    '[',
    ']',
    ',',
    '42',
    '-',
    'seed',
    '=',
    ' ',
    '\n',
    '//',
    '/*',
    '*/',
    '<!--',
    '-->',
    '{/*',
    '```',
    '---',
    '&amp;',
    '&#999999999;',
    '\\',
    '...',
    '<script>',
    '</script>',
    '<p>',
    'https://x',
    '\u2028',
    '\ud83e',
  ];

  function random(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state * 1664525 + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
  }

  function check(source: string, file: string): void {
    const { markers, diagnostics } = parseMarkers(source, file);
    const lines = source.split('\n');
    for (const located of [...markers, ...diagnostics]) {
      expect(located.location.line).toBeGreaterThanOrEqual(1);
      expect(located.location.line).toBeLessThanOrEqual(lines.length);
      expect(located.location.column).toBeGreaterThanOrEqual(1);
    }
    for (const marker of markers) {
      const line = lines[marker.location.line - 1] ?? '';
      expect(line.slice(marker.location.column - 1).startsWith('<GenImage')).toBe(true);
    }
  }

  it('never throws on random sequences of marker fragments', () => {
    const next = random(1);
    const files = ['a.astro', 'a.md', 'a.mdx', 'a.html', 'a.tsx', 'a.vue', 'a.svelte'];
    for (let run = 0; run < 400; run++) {
      let source = '';
      const length = Math.floor(next() * 40);
      for (let i = 0; i < length; i++) source += pieces[Math.floor(next() * pieces.length)];
      expect(() => check(source, files[run % files.length]!)).not.toThrow();
    }
  });

  it('never throws on every truncation of a valid source', () => {
    const source = [
      '---',
      "const t = 'x'; // c",
      '---',
      '<!-- c --> {/* c */}',
      '<GenImage prompt="a &amp; b" seed={42} alt={`x`} reference={["a.png", \'b.png\']} {...rest} priority',
      '  n={2} pick={1} class={cx({ a: "}" })}></GenImage>',
      '```',
      '<GenImage />',
      '```',
    ].join('\n');
    for (let end = 0; end <= source.length; end++) {
      for (const file of ['a.astro', 'a.mdx', 'a.tsx']) {
        expect(() => check(source.slice(0, end), file)).not.toThrow();
      }
    }
  });

  it('does not overflow the stack on deeply nested expressions', () => {
    const deep = '{'.repeat(50_000) + '`${'.repeat(20_000);
    expect(() => parseMarkers(`<GenImage alt=${deep} />`, 'a.astro')).not.toThrow();
  });
});

describe('markers: HTML reads names whatever their case', () => {
  const LOWER = '<p>\n<genimage prompt="a fox" aspectratio="16:9" IMAGESIZE="2K" Alt="Fox"></genimage></p>';

  it.each(['index.html', 'about/page.htm', 'src/pages/post.md', 'notes.markdown'])(
    'in %s, <genimage> is a marker and its names are the table spelling',
    (file) => {
      expect(attributesOf(LOWER, file)).toEqual({ prompt: 'a fox', aspectRatio: '16:9', imageSize: '2K', alt: 'Fox' });
    },
  );

  it('keeps locations and spans exact: the tag and each name as written', () => {
    const { markers } = parse(LOWER, 'index.html');
    const marker = markers[0]!;
    expect(marker.location).toEqual({ file: 'index.html', line: 2, column: 1 });
    expect(LOWER.slice(marker.span.start, marker.span.end)).toBe(LOWER.slice(4, -4));
    const aspect = marker.attributes[1]!;
    expect(LOWER.slice(aspect.span.start, aspect.span.end)).toBe('aspectratio="16:9"');
    expect(aspect.location).toEqual({ file: 'index.html', line: 2, column: 26 });
  });

  it('a self-closing <GENIMAGE /> and a name unknown to the table (kept as written) in HTML', () => {
    expect(attributesOf('<GENIMAGE prompt="x" data-Role="hero" />', 'index.html')).toEqual({ prompt: 'x', 'data-Role': 'hero' });
  });

  it('the same attribute in two cases is given twice', () => {
    const { diagnostics } = parse('<genimage prompt="x" aspectRatio="1:1" aspectratio="16:9" />', 'index.html');
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', message: expect.stringContaining('aspectRatio is given twice') }),
    ]);
  });

  it('a lowercase marker in an HTML comment or a Markdown code fence is still hidden', () => {
    expect(parse('<!-- <genimage prompt="x" /> -->', 'index.html').markers).toEqual([]);
    expect(parse('```\n<genimage prompt="x" />\n```\n', 'post.md').markers).toEqual([]);
  });

  it.each(['src/App.jsx', 'src/App.tsx', 'src/pages/index.astro', 'src/post.mdx', 'src/A.vue', 'src/A.svelte'])(
    'in %s, <genimage> is no marker (an HTML element there) and names keep their case',
    (file) => {
      expect(parse('<genimage prompt="x" />', file).markers).toEqual([]);
      expect(attributesOf('<GenImage prompt="x" aspectratio="16:9" />', file)).toEqual({ prompt: 'x', aspectratio: '16:9' });
    },
  );
});
