/**
 * The page `genimage review` serves at `/`: nothing but the session and the review panel, which
 * draws the whole page from the API. It carries the session's token, so it is served only to a
 * request that already has it (`?token=…`, in the URL the command prints).
 */
import { escapeHtml } from '../html.ts';
import { reviewPanelScript, reviewSessionScript } from './panel.ts';
import { REVIEW_BASE } from './protocol.ts';

export function reviewPage(token: string, title = 'genimage review'): string {
  // A script's text ends at the first `</script`: written `<\/script`, it means the same in JavaScript.
  const panel = reviewPanelScript().replace(/<\/(script)/gi, '<\\/$1');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
</head>
<body>
${reviewSessionScript({ base: REVIEW_BASE, token, mode: 'page' })}
<script>${panel}</script>
</body>
</html>
`;
}
