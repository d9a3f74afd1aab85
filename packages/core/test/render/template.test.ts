import { describe, expect, it } from 'vitest';
import { htmlToTemplate } from '../../src/render/template.ts';

describe('htmlToTemplate', () => {
  const html = `<img src="/a.jpg" alt="a {b} &amp; &quot;c&quot;" width="32" height="18" onload="this.style.removeProperty('background-image')">`;

  it("writes the renderer's onload as each framework's handler", () => {
    expect(htmlToTemplate(html, 'vue')).toBe(
      `<img :src="&quot;/a.jpg&quot;" alt="a {b} &amp; &quot;c&quot;" width="32" height="18" @load="$event.currentTarget.style.removeProperty('background-image')" />`,
    );
    expect(htmlToTemplate(html, 'svelte')).toBe(
      `<img src="/a.jpg" alt="a &#123;b&#125; &amp; &quot;c&quot;" width="32" height="18" onload={(event) => event.currentTarget.style.removeProperty('background-image')} />`,
    );
  });

  it("binds Vue's URLs as string literals, so that its compiler does not import them as modules", () => {
    expect(htmlToTemplate('<source srcset="/a-32.avif 32w, /a-64.avif 64w">', 'vue')).toBe(
      '<source :srcset="&quot;/a-32.avif 32w, /a-64.avif 64w&quot;" />',
    );
  });

  it('an expression replaces the rendered attribute of the same name', () => {
    expect(htmlToTemplate(html, 'svelte', { alt: { written: '{alt}', value: '{alt}' } })).toContain('height="18" onload=');
    expect(htmlToTemplate(html, 'svelte', { alt: { written: '{alt}', value: '{alt}' } })).not.toContain('alt="');
  });

  it('refuses text it was not made for', () => {
    expect(() => htmlToTemplate('<picture>hello</picture>', 'vue')).toThrow("The renderer's HTML holds tags only");
  });
});
