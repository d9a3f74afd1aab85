import { createReviewHandler, type ImageRenderer, REVIEW_BASE, ReviewSession } from '@genimage/core';
import { reviewPanelModule, reviewSessionScript } from '@genimage/core/review-panel';
import type { ViteDevServer } from 'vite';

/** The panel's module, as a page (the overlay) or Astro's toolbar app imports it. */
export const REVIEW_PANEL_ID = 'virtual:genimage/review-panel';

/** What a page's panel needs to talk to the review API: where it is, and this server's token. */
export interface ReviewPanelAccess {
  base: string;
  token: string;
}

/**
 * The review loop on a dev server (issue 23): core's review API on its middleware, for this
 * server's life, over the renderer's own engine (so candidates, keeps and the pages share one
 * cache, one scheduler and one budget), with a token of its own. Only `configureServer` calls
 * it, so neither a build nor `vite preview` ever answers a review request. Only localhost may use
 * it, whatever `server.allowedHosts` lets reach the pages (a tunnel's name would let others in).
 */
export function serveReview(server: ViteDevServer, renderer: () => Promise<ImageRenderer>): ReviewPanelAccess {
  const session = new ReviewSession({ engine: () => renderer().then((images) => images.engine) });
  server.middlewares.use(createReviewHandler(session));
  return { base: REVIEW_BASE, token: session.token };
}

/** The panel's module source (`load` of `REVIEW_PANEL_ID`). */
export function reviewPanelCode(): string {
  return reviewPanelModule();
}

/**
 * A dev page with the review overlay: its session inline (the token is this server's, handed only
 * to the pages it serves), then the panel's module, which adds a button that opens the panel.
 * Before `</body>`, or at the end.
 */
export function withReviewOverlay(html: string, session: ReviewPanelAccess, viteBase: string): string {
  const tags =
    reviewSessionScript({ ...session, mode: 'overlay' }) +
    `<script type="module" src="${viteBase.replace(/\/?$/, '/')}@id/${REVIEW_PANEL_ID}"></script>`;
  const end = html.lastIndexOf('</body>');
  return end < 0 ? html + tags : html.slice(0, end) + tags + html.slice(end);
}
