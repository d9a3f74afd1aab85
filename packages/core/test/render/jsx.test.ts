import { describe, expect, it } from 'vitest';
import { htmlToJsx } from '../../src/render/jsx.ts';
import { renderPending, renderPicture } from '../../src/render/picture.ts';

const files = [
  { url: '/assets/fox-1a2b3c4d-480.avif', format: 'avif' as const, width: 480, height: 270 },
  { url: '/assets/fox-1a2b3c4d-480.jpg', format: 'jpeg' as const, width: 480, height: 270 },
  { url: '/assets/fox-1a2b3c4d-960.jpg', format: 'jpeg' as const, width: 960, height: 540 },
];

describe('htmlToJsx', () => {
  it('turns the <picture> into the same tree in JSX: React names, numbers, a style object', () => {
    const html = renderPicture({
      files,
      formats: ['avif'],
      fallbackFormat: 'jpeg',
      alt: 'A "sleeping" fox & a hen',
      class: 'hero wide',
      style: 'border-radius:8px',
      fetchpriority: 'high',
      placeholder: { kind: 'color', color: '#aabbcc', opaque: true },
    });
    expect(htmlToJsx(html)).toBe(
      '<picture><source type={"image/avif"} srcSet={"/assets/fox-1a2b3c4d-480.avif 480w"} sizes={"(min-width: 960px) 960px, 100vw"} />' +
        '<img src={"/assets/fox-1a2b3c4d-960.jpg"} srcSet={"/assets/fox-1a2b3c4d-480.jpg 480w, /assets/fox-1a2b3c4d-960.jpg 960w"} sizes={"(min-width: 960px) 960px, 100vw"} ' +
        'alt={"A \\"sleeping\\" fox & a hen"} width={960} height={540} loading={"lazy"} decoding={"async"} fetchPriority={"high"} className={"hero wide"} ' +
        'style={{"backgroundColor":"#aabbcc","borderRadius":"8px"}} /></picture>',
    );
  });

  it('keeps a data URL whole in the style, and turns the transparent-image onload into a handler', () => {
    const html = renderPicture({
      files,
      formats: [],
      fallbackFormat: 'jpeg',
      alt: '',
      placeholder: { kind: 'blur', dataUrl: 'data:image/webp;base64,AAA=;x', opaque: false },
    });
    const jsx = htmlToJsx(html);
    expect(jsx).toContain(
      'style={{"backgroundImage":"url(\\"data:image/webp;base64,AAA=;x\\")","backgroundSize":"cover","backgroundRepeat":"no-repeat","backgroundPosition":"center"}}',
    );
    expect(jsx).toContain('onLoad={(event) => event.currentTarget.style.removeProperty("background-image")}');
    expect(jsx).not.toContain('onload');
  });

  it('adds expressions to the <img> as written, and reads the pending image too', () => {
    const pending = renderPending({ width: 64, height: 36, alt: 'x', message: 'Generating "a fox"; reload when it is done.' });
    const jsx = htmlToJsx(pending, { className: 'styles.hero' });
    expect(jsx).toMatch(
      /^<picture><img src=\{"data:image\/svg\+xml,[^"]+"\} alt=\{"x"\} width=\{64\} height=\{36\} title=\{"Generating \\"a fox\\"; reload when it is done\."\} decoding=\{"async"\} data-genimage-pending className=\{styles\.hero\} \/><\/picture>$/,
    );
  });

  it('an expression replaces the rendered prop of the same name; a style expression is spread over the placeholder', () => {
    const html = renderPicture({
      files,
      formats: [],
      fallbackFormat: 'jpeg',
      alt: '',
      class: 'lit',
      placeholder: { kind: 'color', color: '#abc', opaque: true },
    });
    const jsx = htmlToJsx(html, { alt: 't("fox")', className: 'styles.hero', style: 'custom' });
    expect(jsx).not.toContain('alt={""}');
    expect(jsx).not.toContain('className={"lit"}');
    expect(jsx).toContain(' alt={t("fox")} className={styles.hero} style={{ ...{"backgroundColor":"#abc"}, ...(custom) }} />');
  });

  it('refuses text it was not made for', () => {
    expect(() => htmlToJsx('<picture>hello</picture>')).toThrow("The renderer's HTML holds tags only");
  });
});
