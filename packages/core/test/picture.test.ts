import { describe, expect, test } from 'vitest';
import { escapeAttribute, type PictureFile, renderPending, renderPicture } from '../src/picture.ts';

const files: PictureFile[] = [480, 960].flatMap((width) =>
  (['avif', 'webp', 'jpeg'] as const).map((format) => ({ url: `/_astro/fox-${width}.${format === 'jpeg' ? 'jpg' : format}`, format, width, height: width / 2 })),
);

describe('renderPicture', () => {
  test('renders a source per modern format and a sized, lazy jpeg <img>', () => {
    const html = renderPicture({ files, formats: ['avif', 'webp'], fallbackFormat: 'jpeg', alt: 'A sleeping fox' });
    expect(html).toBe(
      '<picture>' +
        '<source type="image/avif" srcset="/_astro/fox-480.avif 480w, /_astro/fox-960.avif 960w" sizes="(min-width: 960px) 960px, 100vw">' +
        '<source type="image/webp" srcset="/_astro/fox-480.webp 480w, /_astro/fox-960.webp 960w" sizes="(min-width: 960px) 960px, 100vw">' +
        '<img src="/_astro/fox-960.jpg" srcset="/_astro/fox-480.jpg 480w, /_astro/fox-960.jpg 960w" sizes="(min-width: 960px) 960px, 100vw" alt="A sleeping fox" width="960" height="480" loading="lazy" decoding="async">' +
        '</picture>',
    );
  });

  test('keeps alt="" for decorative images and passes the other attributes through, escaped', () => {
    const html = renderPicture({
      files, formats: ['webp'], fallbackFormat: 'jpeg', alt: '', sizes: '50vw', loading: 'eager', fetchpriority: 'high',
      class: 'hero "big"', style: 'border-radius:8px', placeholder: { kind: 'color', color: 'rgb(1 2 3)' },
    });
    expect(html).toContain(' alt=""');
    expect(html).toContain(' sizes="50vw"');
    expect(html).toContain(' loading="eager"');
    expect(html).toContain(' fetchpriority="high"');
    expect(html).toContain(' class="hero &quot;big&quot;"');
    expect(html).toContain(' style="background-color:rgb(1 2 3);border-radius:8px"');
    expect(html).not.toContain('image/avif');
  });

  test('escapeAttribute escapes &, ", < and >', () => {
    expect(escapeAttribute('a & "b" <c>')).toBe('a &amp; &quot;b&quot; &lt;c&gt;');
  });
});

describe('renderPending', () => {
  test('an <img> of the right size with an inline SVG', () => {
    const html = renderPending({ width: 1024, height: 576, alt: 'A fox', message: 'Generating' });
    expect(html).toMatch(/^<img src="data:image\/svg\+xml,[^"]+" alt="A fox" width="1024" height="576" title="Generating" decoding="async" data-genimage-pending>$/);
  });
});
