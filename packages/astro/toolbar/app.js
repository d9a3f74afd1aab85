/**
 * The review app of Astro's dev toolbar, run in the author's browser: the panel that every host
 * shows (@genimage/core's, served by the dev server as `virtual:genimage/review-panel`), in the
 * toolbar's window. Its session comes over the toolbar's channel from the integration.
 * (A plain object rather than `defineToolbarApp()`, which only returns it: no import of astro's
 * client code from this package's own copy of astro.)
 */
import { mountReviewPanel } from 'virtual:genimage/review-panel';
import { SESSION_EVENT, SESSION_REQUEST } from '../dist/toolbar-events.js';

export default {
  init(canvas, app, server) {
    const frame = document.createElement('astro-dev-toolbar-window');
    // The panel has its own light style and scrolls in the window.
    frame.style.padding = '0';
    frame.style.overflow = 'hidden';
    frame.style.maxHeight = 'min(720px, calc(100vh - 96px))';
    const host = document.createElement('div');
    host.style.overflow = 'auto';
    host.style.borderRadius = '12px';
    frame.append(host);
    canvas.append(frame);
    let panel;
    let token;
    server.on(SESSION_EVENT, (session) => {
      // Every page of the server hears the answer: a new token only is a new session (a restart).
      if (!session || session.token === token) return;
      token = session.token;
      panel?.destroy();
      panel = mountReviewPanel(host, { base: session.base, token: session.token, scope: 'page' });
    });
    app.onToggled(({ state }) => {
      if (state) panel?.refresh();
    });
    server.send(SESSION_REQUEST, {});
  },
};
