/**
 * How a page starts the panel (browser code, as text; see `../panel.ts`), from the session its
 * host wrote into it (`window.__GENIMAGE_REVIEW__`): `mode: "overlay"` (a plain Vite dev page) adds
 * a small fixed button that opens the panel over the page, reviewing the page's images;
 * `mode: "page"` (the default: `genimage review`'s own page) shows the panel as the page,
 * reviewing every image of the site. A host with its own frame (Astro's dev toolbar) writes no
 * session into the page and calls `mount` itself.
 */
export const START_SCRIPT = `
const OVERLAY_OPEN = 'genimage-review-open';

function startOverlay(session) {
  const host = h('div', { 'data-genimage-review-overlay': '' });
  const shadow = host.attachShadow({ mode: 'open' });
  const frame = h('div', { class: 'frame', hidden: true });
  const launcher = h('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', title: 'Review the generated images of this page' }, 'genimage');
  let panel;
  function toggle(open) {
    frame.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    // Kept for this tab: a keep reloads an HTML page, which opens the panel again.
    try {
      if (open) sessionStorage.setItem(OVERLAY_OPEN, '1');
      else sessionStorage.removeItem(OVERLAY_OPEN);
    } catch {}
    if (!open) return;
    if (panel) panel.refresh();
    else panel = mountReviewPanel(frame.appendChild(h('div')), { base: session.base, token: session.token, scope: 'page' });
  }
  launcher.addEventListener('click', () => toggle(frame.hidden));
  shadow.append(h('style', {}, OVERLAY_STYLES), launcher, frame);
  document.body.append(host);
  let reopen = false;
  try {
    reopen = sessionStorage.getItem(OVERLAY_OPEN) === '1';
  } catch {}
  if (reopen) toggle(true);
}

function startPage(session) {
  const host = h('div', { 'data-genimage-review-page': '' });
  document.body.append(host);
  mountReviewPanel(host, { base: session.base, token: session.token, scope: 'all' });
}

function startFromSession() {
  const session = window[CONFIG_GLOBAL];
  if (!session || typeof session.token !== 'string' || typeof session.base !== 'string') return;
  const start = () => (session.mode === 'overlay' ? startOverlay(session) : startPage(session));
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
}
`;
