import { randomBytes } from 'node:crypto';
import { reviewPanelModule, reviewSessionScript } from '@genimage/core/review-panel';
import type { ViteDevServer } from 'vite';

/** The panel's module, as a page (the overlay) or Astro's toolbar app imports it. */
export const REVIEW_PANEL_ID = 'virtual:genimage/review-panel';

/** Where the review API answers on a dev server (and on `genimage review`'s). */
export const REVIEW_BASE = '/__genimage/review';

/** What a page's panel needs to talk to the review API. */
export interface ReviewSession {
  base: string;
  token: string;
}

/**
 * The review loop on a dev server (issue 23): the review API on its middleware, for this server's
 * life, with its own token. Only `configureServer` calls it, so neither a build nor `vite preview`
 * ever answers a review request.
 */
export function serveReview(_server: ViteDevServer): ReviewSession {
  return { base: REVIEW_BASE, token: randomBytes(32).toString('hex') };
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
export function withReviewOverlay(html: string, session: ReviewSession, viteBase: string): string {
  const tags =
    reviewSessionScript({ ...session, mode: 'overlay' }) +
    `<script type="module" src="${viteBase.replace(/\/?$/, '/')}@id/${REVIEW_PANEL_ID}"></script>`;
  const end = html.lastIndexOf('</body>');
  return end < 0 ? html + tags : html.slice(0, end) + tags + html.slice(end);
}
