/**
 * The panel's stylesheet. It lives in the panel's shadow root, so the site's CSS cannot reach the
 * panel and the panel's cannot reach the site; the highlight on the page is styled inline.
 */
export const PANEL_STYLES = `
:host { all: initial; }
.panel { box-sizing: border-box; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2937;
  background: #fff; padding: 12px; display: flex; flex-direction: column; gap: 10px; }
.panel *, .panel *::before, .panel *::after { box-sizing: border-box; }
header { display: flex; align-items: center; gap: 8px; }
header h2 { font-size: 14px; margin: 0; flex: 1; }
.notice { margin: 0; padding: 6px 8px; border-radius: 6px; background: #fef3c7; color: #78350f; }
.error { margin: 0; padding: 6px 8px; border-radius: 6px; background: #fee2e2; color: #7f1d1d; white-space: pre-wrap; }
.done { margin: 0; padding: 6px 8px; border-radius: 6px; background: #dcfce7; color: #14532d; }
.muted { color: #6b7280; }
button { font: inherit; cursor: pointer; border: 1px solid #d1d5db; background: #f9fafb; color: #111827;
  border-radius: 6px; padding: 3px 10px; }
button:hover:not(:disabled) { background: #eef2ff; border-color: #818cf8; }
button.primary { background: #4f46e5; border-color: #4f46e5; color: #fff; }
button.primary:hover:not(:disabled) { background: #4338ca; }
button:disabled { cursor: default; opacity: .55; }
input[type=number] { font: inherit; width: 3.5em; padding: 2px 4px; border: 1px solid #d1d5db; border-radius: 6px; }
label { display: inline-flex; align-items: center; gap: 4px; }
ol.images { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 10px; }
li.image { border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px; display: flex; flex-direction: column; gap: 8px; }
li.image.selected { border-color: #f59e0b; box-shadow: 0 0 0 2px #fde68a; }
.summary { display: flex; gap: 10px; cursor: pointer; }
.summary img, .summary .thumb { width: 96px; height: 72px; object-fit: cover; border-radius: 4px; background: #e5e7eb; flex: none; }
.facts { min-width: 0; flex: 1; }
.prompt { margin: 0 0 4px; font-weight: 600; overflow-wrap: anywhere; }
dl { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 0 8px; }
dt { color: #6b7280; }
dd { margin: 0; overflow-wrap: anywhere; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.quote { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.compare { display: flex; flex-wrap: wrap; gap: 8px; padding: 3px; }
figure { margin: 0; flex: none; width: 124px; display: flex; flex-direction: column; gap: 4px; }
figure img, figure .thumb { width: 124px; height: 84px; object-fit: contain; background: #f3f4f6; border-radius: 4px; }
figure.current { outline: 2px solid #a5b4fc; outline-offset: 2px; border-radius: 4px; }
figcaption { font-size: 12px; }
.toggle { font-size: 12px; }
`;

/** The overlay's own button and frame, around the panel (plain Vite sites). */
export const OVERLAY_STYLES = `
:host { all: initial; }
.launcher { position: fixed; right: 16px; bottom: 16px; z-index: 2147483646; font: 600 13px system-ui, sans-serif;
  background: #4f46e5; color: #fff; border: none; border-radius: 999px; padding: 8px 14px; cursor: pointer;
  box-shadow: 0 4px 12px rgba(0,0,0,.25); }
.launcher:hover { background: #4338ca; }
.frame { position: fixed; right: 16px; bottom: 60px; z-index: 2147483646; width: min(600px, calc(100vw - 32px));
  max-height: calc(100vh - 80px); overflow: auto; border-radius: 10px; box-shadow: 0 10px 30px rgba(0,0,0,.3); background: #fff; }
.frame[hidden] { display: none; }
`;
