/**
 * Escaping text for the markup genimage writes: the `<picture>` of every page, the pending and
 * failed placeholders, the offline SVG placeholders and the gallery. One rule everywhere, from
 * `escape-html` (the escaper Express uses): `&`, `<`, `>`, `"` and `'` become references, which
 * is safe in element content and in any quoted attribute value alike.
 */
import escapeHtmlText from 'escape-html';

/** `text` fit for HTML element content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return escapeHtmlText(text);
}

/** Characters XML 1.0 forbids: an SVG holding one does not parse at all. */
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** `text` fit for XML (SVG) content or attribute values: escaped, and what XML forbids dropped. */
export function escapeXml(text: string): string {
  return escapeHtml(text.replace(XML_FORBIDDEN, ''));
}
