/**
 * The page the panel reviews (browser code, as text; see `../panel.ts`): which of its elements
 * show an image, by the attributes a dev server renders (`data-genimage-id`, the declaration's
 * place; `data-genimage-place` on a pending image; `data-genimage-key`), and the highlight drawn
 * over them. The highlight is a box laid over the page rather than a style on the site's element,
 * so nothing of the site changes.
 */
export const PAGE_SCRIPT = `
const PAGE_IMAGES = '[data-genimage-id],[data-genimage-place],[data-genimage-key]';

function placeOf(element) {
  return element.getAttribute('data-genimage-id') || element.getAttribute('data-genimage-place');
}

/**
 * The page's elements showing 'image': those rendered at its declaration's place, and those whose
 * place declares nothing (a layout's spread of a frontmatter entry) but show its key.
 */
function elementsOf(image, declared) {
  const found = [];
  for (const element of document.querySelectorAll(PAGE_IMAGES)) {
    const place = placeOf(element);
    if (place === image.id || (!declared.has(place) && element.getAttribute('data-genimage-key') === image.key)) found.push(element);
  }
  return found;
}

/** What the page shows now, to notice a swap or a hot update that changed it. */
function pageSignature() {
  return Array.from(document.querySelectorAll(PAGE_IMAGES), (element) => placeOf(element) + '@' + element.getAttribute('data-genimage-key')).join('|');
}

function highlighter() {
  let boxes = [];
  function hide() {
    for (const box of boxes) box.remove();
    boxes = [];
  }
  function show(elements, scroll) {
    hide();
    if (elements.length === 0) return;
    if (scroll) elements[0].scrollIntoView({ block: 'center', inline: 'nearest' });
    for (const element of elements) {
      const rect = element.getBoundingClientRect();
      const box = document.createElement('div');
      box.setAttribute('data-genimage-highlight', '');
      box.style.cssText =
        'position:absolute;pointer-events:none;z-index:2147483645;border:3px solid #f59e0b;border-radius:4px;' +
        'background:rgba(245,158,11,.12);box-shadow:0 0 0 3px rgba(255,255,255,.8);' +
        'left:' + (rect.left + window.scrollX - 3) + 'px;top:' + (rect.top + window.scrollY - 3) + 'px;' +
        'width:' + (rect.width + 6) + 'px;height:' + (rect.height + 6) + 'px';
      document.body.append(box);
      boxes.push(box);
    }
  }
  return { show, hide };
}
`;
