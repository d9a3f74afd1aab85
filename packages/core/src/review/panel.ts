/**
 * MINIMAL STAND-IN, written by the server side so that `genimage review` serves a working page
 * before the real panel lands: the client side replaces this file (and owns it from then on).
 * Same exports and the same contract as the real one: the page sets `window.__GENIMAGE_REVIEW__
 * = { base, token }` (`reviewSessionScript`), then runs `reviewPanelScript()`, which lists the
 * images and offers try and keep through the review API.
 */

/** Where a page's review session is: `window.__GENIMAGE_REVIEW__ = { base, token, mode }`. */
export const REVIEW_SESSION_GLOBAL = '__GENIMAGE_REVIEW__';

/** What a page is told of its review session. */
export interface ReviewPanelSession {
  /** The review API's URL path, e.g. `/__genimage/review`. */
  base: string;
  /** The session's token. */
  token: string;
  /** `overlay`: a button over the page; `page`: the panel is the page. @default "page" */
  mode?: 'overlay' | 'page';
}

/** The inline `<script>` that hands a page its session; `<` escaped, so no value can close the element. */
export function reviewSessionScript(session: ReviewPanelSession): string {
  const json = JSON.stringify({ base: session.base, token: session.token, mode: session.mode ?? 'page' }).replace(/</g, '\\u003c');
  return `<script>window.${REVIEW_SESSION_GLOBAL} = ${json};</script>`;
}

/** The browser script: a plain list with try (3 candidates) and keep buttons. */
export function reviewPanelScript(): string {
  return `(() => {
const session = window.${REVIEW_SESSION_GLOBAL};
if (!session) return;
const api = (route, body) => fetch(session.base + '/' + route, {
  method: body ? 'POST' : 'GET',
  headers: { 'x-genimage-review-token': session.token, ...(body && { 'content-type': 'application/json' }) },
  ...(body && { body: JSON.stringify(body) }),
}).then(async (res) => { const json = await res.json(); if (!res.ok) throw new Error(json.error); return json; });
const el = (tag, props = {}, ...children) => { const node = Object.assign(document.createElement(tag), props); node.append(...children); return node; };
const src = (url) => url + '?token=' + encodeURIComponent(session.token);
const root = el('main');
const status = el('p', { role: 'status' });
async function render() {
  const list = await api('images');
  root.replaceChildren(el('h1', {}, 'genimage review'), status, ...(list.reason ? [el('p', {}, list.reason)] : []));
  for (const image of list.images) {
    const card = el('section', { dataset: { id: image.id } });
    card.append(el('h2', {}, image.prompt), el('p', {}, image.id + ' · seed ' + (image.seed ?? 'none') + ' · ' + image.status));
    if (image.preview) card.append(el('img', { src: src(image.preview), alt: 'current', width: 160 }));
    for (const candidate of image.candidates) {
      const keep = el('button', { type: 'button' }, 'Keep seed ' + candidate.seed);
      keep.onclick = () => act(() => api('keep', { id: image.id, seed: candidate.seed }));
      card.append(el('figure', {}, el('img', { src: src(candidate.preview), alt: 'seed ' + candidate.seed, width: 160 }), keep));
    }
    const more = el('button', { type: 'button', disabled: !list.canGenerate }, 'Try 3 more');
    more.onclick = () => act(async () => { const quote = await api('quote', { id: image.id, k: 3 }); await api('try', { id: image.id, k: 3, seeds: quote.seeds }); });
    card.append(more);
    root.append(card);
  }
}
async function act(work) {
  status.textContent = 'Working…';
  try { await work(); status.textContent = ''; } catch (error) { status.textContent = error.message; }
  await render();
}
document.body.append(root);
render().catch((error) => { status.textContent = error.message; root.append(status); });
})();
`;
}
