/**
 * The panel's side of the review HTTP API (browser code, as text; see `../panel.ts`): one call per
 * endpoint, each carrying the session's token, and a refusal turned into words for the author.
 * Previews are fetched with the token too and shown as blob URLs, so the token never sits in an
 * `<img src>` (nor in the page's history, a referrer or a log).
 */
export const API_SCRIPT = String.raw`
class ReviewRefusal extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function messageOf(error) {
  return error && typeof error.message === 'string' ? error.message : String(error);
}

/** What the author reads when the server says no: its own message, and what to do. */
function refusalText(status, data) {
  const said = data && typeof data.error === 'string' ? data.error : '';
  if (status === 403) return 'The dev server refused the request' + (said ? ': ' + said : '.') + ' Reload the page to start a new review session.';
  if (status === 409) return said || 'Refused: the declaration changed since it was scanned. Refresh the list and try again.';
  return said || 'The server answered HTTP ' + status + '.';
}

function reviewApi(options) {
  const base = String(options.base).replace(/\/+$/, '');
  const send = options.fetch || ((url, init) => window.fetch(url, init));
  const headers = (json) => {
    const result = {};
    result[TOKEN_HEADER] = options.token;
    if (json) result['content-type'] = 'application/json';
    return result;
  };
  async function call(method, path, body) {
    let response;
    try {
      response = await send(base + path, {
        method,
        headers: headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (error) {
      throw new ReviewRefusal(0, 'The server did not answer: is it still running? (' + messageOf(error) + ')');
    }
    const data = await response.json().catch(() => undefined);
    // Not JSON (a 404 page, a server's fallback page for any path): no review API there.
    if (data === undefined) throw new ReviewRefusal(response.status, 'No review API answers at ' + base + ' on this server (HTTP ' + response.status + ').');
    if (!response.ok) throw new ReviewRefusal(response.status, refusalText(response.status, data));
    return data;
  }
  /** A preview's blob URL, by its URL (a cache entry's bytes do not change under its key). */
  const previews = new Map();
  function preview(url) {
    const absolute = /^(https?:)?\//.test(url) ? url : base + '/' + url;
    let loaded = previews.get(absolute);
    if (!loaded) {
      loaded = send(absolute, { headers: headers(false), credentials: 'same-origin' })
        .then((response) => {
          if (!response.ok) throw new ReviewRefusal(response.status, 'The preview answered HTTP ' + response.status + '.');
          return response.blob();
        })
        .then((blob) => URL.createObjectURL(blob));
      loaded.catch(() => previews.delete(absolute));
      previews.set(absolute, loaded);
    }
    return loaded;
  }
  return {
    images: () => call('GET', '/images'),
    // The key the list showed goes with the id: the server refuses one whose declaration changed.
    quote: (image, k) => call('POST', '/quote', { id: image.id, key: image.key, k }),
    tryMore: (image, k, seeds) => call('POST', '/try', { id: image.id, key: image.key, k, seeds }),
    keep: (image, seed) => call('POST', '/keep', { id: image.id, key: image.key, seed }),
    fixSeed: (image) => call('POST', '/fix-seed', { id: image.id, key: image.key }),
    preview,
  };
}
`;
