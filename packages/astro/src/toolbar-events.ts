/**
 * What the review app of Astro's dev toolbar and the integration say to each other over the
 * toolbar's client-server channel (the dev server's HMR socket). Imported by both: the app
 * (`toolbar/app.js`, in the browser) and the integration (`toolbar.ts`).
 */

/** The app's id in the toolbar. */
export const REVIEW_APP_ID = 'genimage-review';

/** The app asks for its session once it runs. */
export const SESSION_REQUEST = 'genimage:review:hello';

/** The integration answers with `{ base, token }`: where the review API is and this server's token. */
export const SESSION_EVENT = 'genimage:review:session';
