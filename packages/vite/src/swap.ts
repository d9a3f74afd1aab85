import { type ImageRenderer, type SourceLocation, formatLocation } from '@genimage/core';
import type { ViteDevServer } from 'vite';

/** The HMR event a page's pending images are swapped by: `{ place, html }`. */
export const READY_EVENT = 'genimage:ready';
/**
 * What the client sends once it runs, `{ places }`: the places of the page's pending images. An
 * image ready (or failed) before the page connected was announced to no one: the server answers
 * with the markup each place has now.
 */
export const CHECK_EVENT = 'genimage:check';
/** The dev client's module, as a page's `<script type="module" src>` names it. */
export const CLIENT_ID = 'virtual:genimage/client';

/**
 * What a page runs in dev: the final markup of a marker that was pending replaces it in place, so
 * neither scroll nor state is lost to a reload. Found by the marker's place, which the pending
 * `<img>` carries (`data-genimage-place`); its `<picture>` is what is replaced.
 */
export const CLIENT_CODE = `if (import.meta.hot) {
  const pending = () => document.querySelectorAll('[data-genimage-pending][data-genimage-place]');
  import.meta.hot.on(${JSON.stringify(READY_EVENT)}, ({ place, html }) => {
    for (const element of pending()) {
      if (element.getAttribute('data-genimage-place') !== place) continue;
      // The pending <img>'s <picture> is replaced by the final one.
      const parent = element.parentElement;
      (parent?.tagName === 'PICTURE' && parent.children.length === 1 ? parent : element).outerHTML = html;
    }
  });
  const places = [...new Set(Array.from(pending(), (element) => element.getAttribute('data-genimage-place')))];
  if (places.length > 0) import.meta.hot.send(${JSON.stringify(CHECK_EVENT)}, { places });
}
`;

/** A dev page with a pending image loads the client that swaps it in (before `</head>`, or at the end). */
export function withSwapClient(html: string, base: string): string {
  if (!html.includes('data-genimage-pending')) return html;
  const script = `<script type="module" src="${base.replace(/\/?$/, '/')}@id/${CLIENT_ID}"></script>`;
  return html.includes('</head>') ? html.replace('</head>', `${script}</head>`) : html + script;
}

/**
 * The pending images of rendered pages (HTML pages, Astro pages: not modules, which HMR updates),
 * by place: once their images exist, each is rendered again and sent to the open pages.
 */
export class PendingPlaces {
  /** By place: what to render there again, and the markup the page has now. */
  readonly #places = new Map<string, { request: { attributes: Record<string, unknown>; origin: SourceLocation }; html: string }>();

  /** By place: the final markup last sent, for a page that connects after it was sent. */
  readonly #done = new Map<string, string>();

  /** A page was served `html` for the marker at `origin`: kept while it is pending. */
  remember(attributes: Record<string, unknown>, origin: SourceLocation, html: string): void {
    const place = formatLocation(origin);
    if (html.includes('data-genimage-pending')) {
      this.#places.set(place, { request: { attributes, origin }, html });
      this.#done.delete(place);
    } else {
      this.#places.delete(place);
      this.#done.set(place, html);
    }
  }

  /**
   * A page connected with pending images at `places` (CHECK_EVENT): the markup of each that is
   * ready or failed now is sent to it, as READY_EVENT would have been.
   */
  catchUp(places: unknown, send: (data: { place: string; html: string }) => void): void {
    if (!Array.isArray(places)) return;
    for (const place of places) {
      if (typeof place !== 'string') continue;
      const html = this.#places.get(place)?.html ?? this.#done.get(place);
      // Still generating: the page shows that already, and READY_EVENT follows.
      if (html === undefined || (html.includes('data-genimage-pending') && !html.includes('data-genimage-failed'))) continue;
      send({ place, html });
    }
  }

  /** Renders every pending place again; sends each that changed (its image is ready, or failed) to the open pages. */
  async swap(server: ViteDevServer, images: ImageRenderer): Promise<void> {
    for (const [place, shown] of this.#places) {
      const html = await images.render(shown.request).catch(() => undefined);
      // Cannot render now: the page's next request reports why.
      if (html === undefined) this.#places.delete(place);
      if (html === undefined || html === shown.html) continue;
      this.remember(shown.request.attributes, shown.request.origin, html);
      server.ws.send({ type: 'custom', event: READY_EVENT, data: { place, html } });
    }
  }
}
