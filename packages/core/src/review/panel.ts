import { API_SCRIPT } from './panel/api.ts';
import { PAGE_SCRIPT } from './panel/page.ts';
import { OVERLAY_STYLES, PANEL_STYLES } from './panel/styles.ts';
import { START_SCRIPT } from './panel/start.ts';
import { VIEW_SCRIPT } from './panel/view.ts';
import { DEFAULT_CANDIDATES, MAX_CANDIDATES, REVIEW_TOKEN_HEADER } from './protocol.ts';

/**
 * The review panel, the one browser UI of the review loop, used by every host: the overlay of a
 * plain Vite dev server, the app of Astro's dev toolbar and the page of `genimage review`. It is
 * text, not a bundle: a dependency-free script the hosts serve as they are, run in the author's
 * browser, talking only to the review HTTP API with the session's token.
 *
 * - A page that carries a session (`reviewSessionScript()`, before the panel) starts the panel by
 *   itself: an overlay button (`mode: "overlay"`) or the whole page (`mode: "page"`).
 * - Otherwise the host mounts it where it likes: `globalThis.__genimageReview.mount(root, { base,
 *   token, scope })`, where `root` is an element (the panel attaches a shadow root to it) or a
 *   shadow root, `scope` is `"page"` (the images this page shows: by default) or `"all"`, and
 *   `fetch` may replace `window.fetch`. It returns `{ refresh(), destroy() }`. As a module
 *   (`reviewPanelModule()`) it exports the same function as `mountReviewPanel`.
 *
 * The panel renders into a shadow root, so the site's CSS cannot break it and its own cannot leak.
 */
export function reviewPanelScript(): string {
  return `(() => {
'use strict';
if (globalThis.__genimageReview) return;
const CONFIG_GLOBAL = ${JSON.stringify(REVIEW_SESSION_GLOBAL)};
const TOKEN_HEADER = ${JSON.stringify(REVIEW_TOKEN_HEADER)};
const DEFAULT_K = ${DEFAULT_CANDIDATES};
const MAX_K = ${MAX_CANDIDATES};
const PANEL_STYLES = ${JSON.stringify(PANEL_STYLES)};
const OVERLAY_STYLES = ${JSON.stringify(OVERLAY_STYLES)};
${API_SCRIPT}
${PAGE_SCRIPT}
${VIEW_SCRIPT}
${START_SCRIPT}
globalThis.__genimageReview = { mount: mountReviewPanel };
startFromSession();
})();
`;
}

/** The panel as an ES module (what a dev server serves for `import`): the script, then `export { mountReviewPanel }`. */
export function reviewPanelModule(): string {
  return `${reviewPanelScript()}export const mountReviewPanel = globalThis.__genimageReview.mount;\n`;
}

/** Where a page's review session is: `window.__GENIMAGE_REVIEW__ = { base, token, mode }`. */
export const REVIEW_SESSION_GLOBAL = '__GENIMAGE_REVIEW__';

/** What a page is told of its review session. */
export interface ReviewPanelSession {
  /** The review API's URL path, e.g. `/__genimage/review`. */
  base: string;
  /** The session's token: 32 random bytes, hex. */
  token: string;
  /** `overlay`: a button opening the panel over the page; `page`: the panel is the page. @default "page" */
  mode?: 'overlay' | 'page';
}

/**
 * The inline `<script>` that hands a page its session, to put before the panel's script. The JSON
 * is escaped for an HTML script element (`<` as `\u003c`), so no value can close it.
 */
export function reviewSessionScript(session: ReviewPanelSession): string {
  const json = JSON.stringify({ base: session.base, token: session.token, mode: session.mode ?? 'page' }).replace(/</g, '\\u003c');
  return `<script>window.${REVIEW_SESSION_GLOBAL} = ${json};</script>`;
}
