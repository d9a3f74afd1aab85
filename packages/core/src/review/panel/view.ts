/**
 * The panel itself (browser code, as text; see `../panel.ts`): the list of images and, for one,
 * the loop: try k more (a quote first: what it will cost, or why nothing can be sent), the
 * candidates beside the current image, keep one, or fix the seed of a seedless declaration.
 * State lives in one object; every change renders the panel again from it. Text goes in as text
 * nodes, never as markup: a prompt is the author's, but it is shown, not parsed.
 */
export const VIEW_SCRIPT = String.raw`
function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'value') element.value = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) if (child !== undefined && child !== null && child !== false) element.append(child);
  return element;
}

function creditsText(credits) {
  if (credits === undefined || credits === null) return 'unknown';
  const rounded = Math.round(credits * 100) / 100;
  return rounded + (rounded === 1 ? ' credit' : ' credits');
}

function seedText(image) {
  if (image.seed !== null && image.seed !== undefined) return String(image.seed);
  if (image.recordedSeed !== undefined && image.recordedSeed !== null) return 'none written (sent ' + image.recordedSeed + ')';
  return 'none written';
}

function placeText(image) {
  return image.file + ':' + image.line + ':' + image.column;
}

function mountReviewPanel(root, options) {
  const shadow = typeof ShadowRoot !== 'undefined' && root instanceof ShadowRoot ? root : root.shadowRoot || root.attachShadow({ mode: 'open' });
  const container = h('div', { class: 'panel', 'data-genimage-review': '' });
  shadow.replaceChildren(h('style', {}, PANEL_STYLES), container);
  const api = reviewApi(options);
  const highlight = highlighter();
  const state = { listing: undefined, loading: true, error: '', all: options.scope === 'all', selected: undefined, work: new Map() };

  /**
   * What is under way or was said for one image, by its id and key: a keep that moves the lines
   * below it gives another declaration an old id, and it must not inherit that one's quote.
   */
  function workOf(image) {
    const id = image.id + ' ' + image.key;
    let work = state.work.get(id);
    if (!work) state.work.set(id, (work = { k: DEFAULT_K, quote: undefined, busy: '', tried: [], spent: undefined, failed: [], message: '', error: '' }));
    return work;
  }

  async function refresh() {
    state.loading = true;
    render();
    try {
      state.listing = await api.images();
      state.error = '';
    } catch (error) {
      state.error = messageOf(error);
    } finally {
      state.loading = false;
      render();
    }
  }

  function declaredIds() {
    return new Set(((state.listing && state.listing.images) || []).map((image) => image.id));
  }

  function visibleImages(declared) {
    const images = (state.listing && state.listing.images) || [];
    return state.all ? images : images.filter((image) => elementsOf(image, declared).length > 0);
  }

  function select(image, declared) {
    state.selected = image.id;
    highlight.show(elementsOf(image, declared), true);
    render();
  }

  function picture(url, alt) {
    if (!url) return h('div', { class: 'thumb muted' }, 'not generated');
    const img = h('img', { alt, decoding: 'async' });
    api.preview(url).then(
      (src) => {
        img.src = src;
      },
      (error) => img.replaceWith(h('div', { class: 'thumb muted', title: messageOf(error) }, 'no preview')),
    );
    return img;
  }

  async function act(image, busy, work, action) {
    work.busy = busy;
    work.error = '';
    work.message = '';
    render();
    try {
      await action();
    } catch (error) {
      work.error = messageOf(error);
    } finally {
      work.busy = '';
      render();
    }
  }

  function quote(image) {
    const work = workOf(image);
    return act(image, 'quote', work, async () => {
      work.quote = await api.quote(image, work.k);
    });
  }

  function generate(image) {
    const work = workOf(image);
    const quoted = work.quote;
    return act(image, 'try', work, async () => {
      const result = await api.tryMore(image, quoted.k, quoted.seeds);
      work.quote = undefined;
      const seen = new Set(work.tried.map((candidate) => candidate.seed));
      work.tried = work.tried.concat((result.candidates || []).filter((candidate) => !seen.has(candidate.seed)));
      work.spent = result.creditsSpent;
      work.failed = result.failed || [];
      work.message = (result.candidates || []).length + ' candidate(s) made for ' + creditsText(result.creditsSpent) + '.';
      const listed = state.listing;
      state.listing = await api.images().catch(() => listed);
    });
  }

  /** After a keep or a fix: the declaration's new id, with what was said for it. */
  function edited(image, work, answer, message) {
    state.work.delete(image.id + ' ' + image.key);
    state.work.set(answer.id + ' ' + answer.key, Object.assign(work, { tried: [], quote: undefined, message }));
    if (state.selected === image.id) state.selected = answer.id;
  }

  function keep(image, seed) {
    const work = workOf(image);
    return act(image, 'keep', work, async () => {
      const kept = await api.keep(image, seed);
      edited(image, work, kept, 'Kept seed ' + kept.seed + ': ' + kept.file + ':' + kept.line + ':' + kept.column + ' now says so. The page shows it once the dev server has seen the change.');
      state.listing = await api.images();
    });
  }

  function fixSeed(image) {
    const work = workOf(image);
    return act(image, 'fix', work, async () => {
      const fixed = await api.fixSeed(image);
      edited(image, work, fixed, 'Seed ' + fixed.seed + ' written to ' + fixed.file + ':' + fixed.line + ':' + fixed.column + ': the same image, now reproducible.');
      state.listing = await api.images();
    });
  }

  function facts(image, shownOnPage) {
    const size = image.aspectRatio + ' \u00b7 ' + image.imageSize + (image.width && image.height ? ' \u00b7 ' + image.width + '\u00d7' + image.height : '');
    const rows = [
      ['Seed', seedText(image)],
      ['Size', size],
      ['Declared', placeText(image) + ' (' + image.declaredIn + ')'],
      ['Cost', creditsText(image.credits)],
    ];
    if (image.status !== 'cached') rows.push(['Status', image.status === 'missing' ? 'not generated yet' : 'corrupt in the cache']);
    if (state.all && shownOnPage === 0) rows.push(['On this page', 'no']);
    return h(
      'div',
      { class: 'facts' },
      h('p', { class: 'prompt', 'data-role': 'prompt' }, image.prompt),
      h('dl', {}, rows.map(([name, value]) => [h('dt', {}, name), h('dd', { 'data-fact': name.toLowerCase() }, value)])),
    );
  }

  function actions(image, work) {
    const listing = state.listing;
    const busy = work.busy !== '';
    const kInput = h('input', {
      type: 'number',
      min: 1,
      max: MAX_K,
      value: String(work.k),
      'aria-label': 'How many candidates',
      oninput: (event) => {
        const k = Math.round(Number(event.target.value));
        if (k >= 1 && k <= MAX_K) {
          work.k = k;
          tryButton.textContent = 'Try ' + k + ' more';
        }
      },
    });
    const tryButton = h(
      'button',
      { type: 'button', 'data-action': 'try', disabled: busy, onclick: () => quote(image) },
      work.busy === 'quote' ? 'Asking\u2026' : 'Try ' + work.k + ' more',
    );
    const canFix = (image.seed === null || image.seed === undefined) && image.recordedSeed !== undefined && image.recordedSeed !== null;
    return h(
      'div',
      { class: 'actions' },
      h('label', {}, 'k', kInput),
      tryButton,
      canFix &&
        h(
          'button',
          { type: 'button', 'data-action': 'fix-seed', disabled: busy, onclick: () => fixSeed(image), title: 'Write the seed that made this image into the source' },
          work.busy === 'fix' ? 'Fixing\u2026' : 'Fix seed ' + image.recordedSeed,
        ),
      listing && !listing.canGenerate && h('span', { class: 'muted' }, 'generation is off'),
    );
  }

  function quoteRow(image, work) {
    const quoted = work.quote;
    if (!quoted) return undefined;
    if (!quoted.canGenerate) {
      return h(
        'p',
        { class: 'notice', 'data-role': 'quote' },
        (quoted.reason || 'Generation is off here.') + ' Nothing was sent.',
        ' ',
        h('button', { type: 'button', 'data-action': 'cancel', onclick: () => ((work.quote = undefined), render()) }, 'Close'),
      );
    }
    const cost = quoted.credits === null || quoted.credits === undefined ? 'an unknown number of credits (no image here has a recorded cost yet)' : 'about ' + creditsText(quoted.credits);
    return h(
      'div',
      { class: 'quote', 'data-role': 'quote' },
      h('span', {}, quoted.k + ' candidate(s), seeds ' + quoted.seeds.join(', ') + ', will cost ' + cost + '.'),
      h(
        'button',
        { type: 'button', class: 'primary', 'data-action': 'confirm', disabled: work.busy !== '', onclick: () => generate(image) },
        work.busy === 'try' ? 'Generating\u2026' : 'Generate ' + quoted.k,
      ),
      h('button', { type: 'button', 'data-action': 'cancel', disabled: work.busy !== '', onclick: () => ((work.quote = undefined), render()) }, 'Cancel'),
    );
  }

  function compareRow(image, work) {
    const bySeed = new Map();
    for (const candidate of (image.candidates || []).concat(work.tried)) if (candidate.seed !== image.seed) bySeed.set(candidate.seed, candidate);
    if (bySeed.size === 0) return undefined;
    const current = h(
      'figure',
      { class: 'current', 'data-role': 'current' },
      picture(image.preview, 'The current image'),
      h('figcaption', {}, 'current \u00b7 seed ' + seedText(image)),
    );
    const candidates = Array.from(bySeed.values(), (candidate) =>
      h(
        'figure',
        { 'data-role': 'candidate', 'data-seed': candidate.seed },
        picture(candidate.preview, 'Candidate with seed ' + candidate.seed),
        h('figcaption', {}, 'seed ' + candidate.seed + ' \u00b7 ' + creditsText(candidate.credits)),
        h(
          'button',
          { type: 'button', 'data-action': 'keep', disabled: work.busy !== '', onclick: () => keep(image, candidate.seed) },
          work.busy === 'keep' ? 'Keeping\u2026' : 'Keep',
        ),
      ),
    );
    return h('div', { class: 'compare' }, current, candidates);
  }

  function card(image, declared) {
    const work = workOf(image);
    const shownOnPage = elementsOf(image, declared).length;
    return h(
      'li',
      {
        class: 'image' + (state.selected === image.id ? ' selected' : ''),
        'data-image-id': image.id,
        onmouseenter: () => highlight.show(elementsOf(image, declared), false),
        onmouseleave: () => {
          const selected = state.selected && ((state.listing && state.listing.images) || []).find((each) => each.id === state.selected);
          if (selected) highlight.show(elementsOf(selected, declared), false);
          else highlight.hide();
        },
      },
      h('div', { class: 'summary', 'data-action': 'select', title: 'Show it on the page', onclick: () => select(image, declared) }, picture(image.preview, image.prompt), facts(image, shownOnPage)),
      actions(image, work),
      quoteRow(image, work),
      compareRow(image, work),
      work.failed.length > 0 && h('p', { class: 'error' }, work.failed.map((failure) => 'seed ' + failure.seed + ': ' + failure.error).join('\n')),
      work.message && h('p', { class: 'done', role: 'status', 'data-role': 'message' }, work.message),
      work.error && h('p', { class: 'error', role: 'alert', 'data-role': 'error' }, work.error),
    );
  }

  function render() {
    const listing = state.listing;
    const declared = declaredIds();
    const images = listing ? visibleImages(declared) : [];
    const total = listing ? listing.images.length : 0;
    const title = state.all ? 'Generated images of the site' : 'Generated images on this page';
    container.replaceChildren(
      ...[
      h(
        'header',
        {},
        h('h2', {}, title + (listing ? ' (' + images.length + ')' : '')),
        options.scope !== 'all' &&
          h(
            'label',
            { class: 'toggle' },
            h('input', { type: 'checkbox', checked: state.all, 'data-action': 'all', onchange: (event) => ((state.all = event.target.checked), render()) }),
            'whole site',
          ),
        h('button', { type: 'button', 'data-action': 'refresh', disabled: state.loading, onclick: () => refresh() }, state.loading ? 'Loading\u2026' : 'Refresh'),
      ),
      listing && !listing.canGenerate && h('p', { class: 'notice', 'data-role': 'cannot-generate' }, listing.reason || 'Generation is off: nothing will be sent.'),
      state.error && h('p', { class: 'error', role: 'alert', 'data-role': 'error' }, state.error),
      !listing && state.loading && h('p', { class: 'muted' }, 'Loading the images\u2026'),
      listing &&
        images.length === 0 &&
        h('p', { class: 'muted', 'data-role': 'empty' }, state.all ? 'The site declares no image.' : 'No generated image on this page (' + total + ' in the site: tick "whole site").'),
      images.length > 0 && h('ol', { class: 'images' }, images.map((image) => card(image, declared))),
      ].filter(Boolean),
    );
  }

  // A hot update or a swap changes what the page shows: the list follows.
  let signature = pageSignature();
  let scheduled = false;
  const observer = new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      const now = pageSignature();
      if (now === signature) return;
      signature = now;
      render();
    });
  });
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-genimage-id', 'data-genimage-key', 'data-genimage-place'] });
  refresh();
  return {
    refresh,
    destroy() {
      observer.disconnect();
      highlight.hide();
      shadow.replaceChildren();
    },
  };
}
`;
