import { fileURLToPath } from 'node:url';
import type { HookParameters } from 'astro';
import { REVIEW_APP_ID, SESSION_EVENT, SESSION_REQUEST } from './toolbar-events.ts';

/** A picture with a sparkle: the app's button in the toolbar. */
const ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round">' +
  '<rect x="3" y="5" width="15" height="14" rx="2"/><path d="m3 16 4-4 3 3 3-3 5 5"/><path d="M19 2v4M17 4h4"/></svg>';

/**
 * The review app of Astro's dev toolbar (`addDevToolbarApp`): the same panel as a plain Vite
 * site's overlay, in the toolbar's canvas. Its entrypoint is named by path, not by package name,
 * so Vite serves it as it is rather than pre-bundling it (it imports the panel's virtual module,
 * which only the dev server knows).
 */
export function reviewToolbarApp() {
  return {
    id: REVIEW_APP_ID,
    name: 'genimage: review images',
    icon: ICON,
    entrypoint: fileURLToPath(new URL('../toolbar/app.js', import.meta.url)),
  };
}

type Toolbar = HookParameters<'astro:server:setup'>['toolbar'];

/**
 * Hands the app its session through the toolbar's channel when it asks: the page never carries
 * the token in its HTML. (The toolbar's `send` goes to every page of this dev server: each is
 * the author's, and they share the one session.)
 */
export function answerReviewApp(toolbar: Toolbar, session: () => { base: string; token: string } | undefined): void {
  toolbar.on(SESSION_REQUEST, () => {
    const current = session();
    if (current) toolbar.send(SESSION_EVENT, { base: current.base, token: current.token });
  });
}
