import { describe, expect, test } from 'vitest';
import { type PictureFile, renderPending, renderPicture } from '../../src/render/picture.ts';

const files: PictureFile[] = [480, 960].flatMap((width) =>
  (['avif', 'webp', 'jpeg'] as const).map((format) => ({
    url: `/_astro/fox-${width}.${format === 'jpeg' ? 'jpg' : format}`,
    format,
    width,
    height: width / 2,
  })),
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
      files,
      formats: ['webp'],
      fallbackFormat: 'jpeg',
      alt: '',
      sizes: '50vw',
      loading: 'eager',
      fetchpriority: 'high',
      class: 'hero "big"',
      style: 'border-radius:8px',
      placeholder: { kind: 'color', color: 'rgb(1 2 3)' },
    });
    expect(html).toContain(' alt=""');
    expect(html).toContain(' sizes="50vw"');
    expect(html).toContain(' loading="eager"');
    expect(html).toContain(' fetchpriority="high"');
    expect(html).toContain(' class="hero &quot;big&quot;"');
    expect(html).toContain(' style="background-color:rgb(1 2 3);border-radius:8px"');
    expect(html).not.toContain('image/avif');
  });

  test('a blur placeholder is the blurred SVG behind the image, removed on load only where it would show through', () => {
    const dataUrl = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E";
    const opaque = renderPicture({
      files,
      formats: ['webp'],
      fallbackFormat: 'jpeg',
      alt: 'A fox',
      placeholder: { kind: 'blur', dataUrl, opaque: true },
    });
    expect(opaque).toContain(
      ` style="background-image:url(&quot;${dataUrl.replaceAll("'", '&#39;')}&quot;);background-size:cover;background-repeat:no-repeat;background-position:center">`,
    );
    expect(opaque).not.toContain('onload');
    const transparent = renderPicture({
      files,
      formats: ['webp'],
      fallbackFormat: 'jpeg',
      alt: 'A fox',
      placeholder: { kind: 'blur', dataUrl, opaque: false },
    });
    expect(transparent).toMatch(
      / style="background-image:[^"]+" onload="this\.style\.removeProperty\(&#39;background-image&#39;\)"><\/picture>$/,
    );
    const color = renderPicture({
      files,
      formats: ['webp'],
      fallbackFormat: 'jpeg',
      alt: 'A fox',
      placeholder: { kind: 'color', color: 'rgb(1 2 3)', opaque: false },
    });
    expect(color).toContain(` style="background-color:rgb(1 2 3)" onload="this.style.removeProperty(&#39;background-color&#39;)">`);
  });
});

describe('renderPending', () => {
  test('an <img> of the right size with an inline SVG, in a <picture> as the final image is', () => {
    const html = renderPending({ width: 1024, height: 576, alt: 'A fox', message: 'Generating' });
    expect(html).toMatch(
      /^<picture><img src="data:image\/svg\+xml,[^"]+" alt="A fox" width="1024" height="576" title="Generating" decoding="async" data-genimage-pending><\/picture>$/,
    );
  });

  test('a failed one says so, with the reason on it and the whole message in its title', () => {
    const html = renderPending({
      width: 1024,
      height: 576,
      alt: 'A fox',
      message: 'Generation failed. <details> & more',
      reason: 'Blocked <by> safety',
      failed: true,
    });
    expect(html).toMatch(
      /^<picture><img src="data:image\/svg\+xml,[^"]+" alt="A fox" width="1024" height="576" title="Generation failed\. &lt;details&gt; &amp; more" decoding="async" data-genimage-pending data-genimage-failed><\/picture>$/,
    );
    const svg = decodeURIComponent(/src="data:image\/svg\+xml,([^"]+)"/.exec(html)![1]!);
    expect(svg).toContain('>generation failed</text>');
    expect(svg).toContain('>Blocked &lt;by&gt; safety</text>');
    // A long reason is cut to fit the width.
    const narrow = renderPending({ width: 200, height: 100, alt: '', message: 'm', reason: 'x'.repeat(200), failed: true });
    expect(decodeURIComponent(narrow)).toMatch(/>x+…<\/text>/);
  });
});
