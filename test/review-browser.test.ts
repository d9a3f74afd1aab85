/**
 * The review loop in Chromium (issue 23's "Done when"): `astro dev` (the dev toolbar's app) and a
 * Vite dev server (the overlay; the React example, whose page is updated by a hot update, and the
 * HTML example, reloaded) each run on a temporary copy of a site whose images are generated, with
 * the test API. The author opens the panel, tries 3 more for one image (a quote first, then 3
 * requests, 3 candidates that decode), keeps one: the source changes in that seed only, the page
 * shows the kept image, and nothing is sent for it. Then `CI=1 genimage check` and a frozen build
 * pass with no request, and the build's output holds nothing of the review (nor does `vite
 * preview` answer for it). The HTML page also fixes the seed of a seedless marker, and a page of
 * another origin holding the token cannot keep. `genimage review` shows the same panel as its page:
 * every image of the site, the same loop on a `genImage()` call, and, frozen, a quote that says
 * why nothing can be sent.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startTestServer, type TestServer } from '@genimage/test-server';
import type { Browser, Locator, Page } from 'playwright-core';
import { preview } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { astroBuild, astroDev, copySite, type DevServer, removeTemps, viteBuild, viteDev } from './fixtures/astro-harness/harness.ts';
import { closeServer, launchChromium, originOf, serve } from './fixtures/browser-harness/harness.ts';
import { copyFixture, run, start, waitFor } from './fixtures/cli-harness/harness.ts';

const examples = path.resolve(import.meta.dirname, '../examples');
const REVIEW = '/__genimage/review';

let api: TestServer;
let browser: Browser;
/** What the sites see: the test API, with its key (so the examples' config picks the `shark` provider). */
let env: Record<string, string>;

beforeAll(async () => {
  api = await startTestServer({ longEdge: { '1K': 64 } });
  env = { SHARK_API_KEY: api.apiKey, SHARK_BASE_URL: api.baseUrl };
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await removeTemps();
});

/** A copy of `site` whose every image is generated (`genimage generate`), as an author's site is before a review. */
async function generatedCopy(site: string): Promise<string> {
  const root = await copySite(site);
  const generated = await run(['generate'], { cwd: root, env });
  expect(generated.code, generated.all).toBe(0);
  return root;
}

interface Review {
  page: Page;
  /** Every answer of the review API the page got, as text: none may hold the API key. */
  answers: string[];
  close(): Promise<void>;
}

async function openPage(url: string): Promise<Review> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const answers: string[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith(REVIEW) && response.headers()['content-type']?.includes('json'))
      void response.text().then(
        (text) => answers.push(text),
        () => {},
      );
  });
  await page.goto(url);
  return { page, answers, close: () => context.close() };
}

/**
 * Catches the review API's next answer at `endpoint` on its way to the page, and resolves with its
 * JSON (200). Read here rather than from the page's network log: a keep reloads the page it
 * answers (the dev server sees the edited file), maybe before the page has read the answer.
 */
async function answerOf<T>(page: Page, endpoint: string): Promise<() => Promise<T>> {
  const url = (href: URL) => href.pathname === `${REVIEW}${endpoint}`;
  let settle!: { resolve: (body: T) => void; reject: (error: unknown) => void };
  const answered = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  await page.route(
    url,
    async (route) => {
      try {
        const response = await route.fetch();
        const text = await response.text();
        await route.fulfill({ response }).catch(() => {}); // the page may be gone already
        expect(response.status(), text).toBe(200);
        settle.resolve(JSON.parse(text) as T);
      } catch (error) {
        settle.reject(error);
        await route.abort().catch(() => {});
      }
    },
    { times: 1 },
  );
  return () => answered;
}

interface Quote {
  k: number;
  seeds: number[];
  credits: number | null;
  canGenerate: boolean;
}
interface Kept {
  id: string;
  file: string;
  line: number;
  column: number;
  seed: number;
  key: string;
}

/** The images of `scope` that are shown and decoded, as a string for `waitForFunction` (the tests have no DOM types). */
const decoded = (scope: string, selector: string) =>
  `(() => { const found = ${scope}.querySelectorAll(${JSON.stringify(selector)});
    return Array.from(found).filter((img) => img.complete && img.naturalWidth > 0).length; })()`;

/**
 * The loop on one image, the panel open: try 3 more, see the 3 candidates, keep the second. Checks
 * what each step sends to the image API (a quote and a keep nothing, a try one request per
 * candidate with its quoted seed) and that the source changes in that seed only.
 */
async function reviewLoop(
  review: Review,
  card: Locator,
  source: { file: string; seed: number; declaration: string },
  /** Runs once the candidates show, before the keep. */
  meanwhile?: () => Promise<void>,
): Promise<Kept & { unkept: number[] }> {
  const { page } = review;
  const before = await readFile(source.file, 'utf8');
  expect(before).toContain(source.declaration);
  const paid = api.requests.length;

  // Try 3 more: the quote says what they will cost, and nothing is sent yet.
  const quoted = await answerOf<Quote>(page, '/quote');
  await card.locator('[data-action=try]').click();
  const quote = await quoted();
  expect(quote).toMatchObject({ k: 3, canGenerate: true });
  expect(new Set(quote.seeds).size).toBe(3);
  for (const seed of quote.seeds) expect(seed === -1 || seed === source.seed).toBe(false);
  await expect.poll(() => card.locator('[data-role=quote]').textContent()).toContain(`seeds ${quote.seeds.join(', ')}`);
  expect(api.requests.length).toBe(paid);

  // Generate: 3 requests, each with a quoted seed, and 3 candidates beside the current image.
  const tried = await answerOf<{ candidates: { seed: number; key: string }[]; creditsSpent: number }>(page, '/try');
  await card.locator('[data-action=confirm]').click();
  const result = await tried();
  expect(result.candidates.map((candidate) => candidate.seed).sort()).toEqual([...quote.seeds].sort());
  expect(
    api.requests
      .slice(paid)
      .map((request) => (request.body as { seed: number }).seed)
      .sort(),
  ).toEqual([...quote.seeds].sort());
  const candidates = card.locator('[data-role=candidate] img');
  await expect
    .poll(() => candidates.evaluateAll((imgs) => imgs.filter((img) => (img as { naturalWidth: number }).naturalWidth > 0).length), {
      timeout: 15_000,
    })
    .toBe(3);
  await expect
    .poll(() => card.locator('[data-role=current] img').evaluate((img) => (img as { naturalWidth: number }).naturalWidth))
    .toBeGreaterThan(0);
  expect(await card.locator('[data-role=message]').textContent()).toContain(`3 candidate(s) made for ${result.creditsSpent} credits`);
  await meanwhile?.();

  // Keep the second: the source says that seed, the rest byte for byte; nothing is sent.
  const seed = quote.seeds[1]!;
  const keeping = await answerOf<Kept>(page, '/keep');
  await card.locator(`[data-role=candidate][data-seed="${seed}"] [data-action=keep]`).click();
  const kept = await keeping();
  expect(kept.seed).toBe(seed);
  expect(kept.key).toBe(result.candidates.find((candidate) => candidate.seed === seed)!.key);
  const declaration = source.declaration.replace(String(source.seed), String(seed));
  expect(await readFile(source.file, 'utf8')).toBe(before.replace(source.declaration, declaration));
  expect(api.requests.length).toBe(paid + 3);
  return { ...kept, unkept: quote.seeds.filter((each) => each !== seed) };
}

/** The page shows the kept image (its key, decoded) and no longer the one it replaced. */
async function expectShown(page: Page, kept: Kept, replaced: string): Promise<void> {
  await page.waitForFunction(
    `${decoded('document', `img[data-genimage-key="${kept.key}"]`)} > 0 && !document.querySelector('img[data-genimage-key="${replaced}"]')`,
    undefined,
    { timeout: 30_000 },
  );
  expect(await page.getAttribute(`img[data-genimage-key="${kept.key}"]`, 'data-genimage-id')).toBe(kept.id);
}

/** After the keep: the CLI's frozen check and a frozen build agree on the kept image, and send nothing. */
async function expectFrozenAgreement(root: string, build: () => Promise<{ code: number | null; output: string }>): Promise<string> {
  const paid = api.requests.length;
  const check = await run(['check'], { cwd: root, env: { ...env, CI: '1' } });
  expect(check.code, check.all).toBe(0);
  const built = await build();
  expect(built.code, built.output).toBe(0);
  expect(built.output).toMatch(/0 generated, \d+ reused, 0 failed/);
  expect(api.requests.length).toBe(paid);
  return built.output;
}

/** Every file of a build's output holds nothing of the review: no panel, no session, no dev attribute. */
async function expectNoReviewIn(dir: string): Promise<void> {
  const files = (await readdir(dir, { recursive: true })).filter((name) => /\.(html|js|css)$/.test(name));
  expect(files.length).toBeGreaterThan(0);
  for (const name of files) {
    const text = await readFile(path.join(dir, name), 'utf8');
    for (const trace of [
      '__GENIMAGE_REVIEW__',
      '__genimageReview',
      'genimage-review',
      'review-panel',
      'data-genimage-id',
      'data-genimage-key',
      REVIEW,
    ])
      expect(text.includes(trace), `${name} holds ${trace}`).toBe(false);
  }
}

function expectNoKeyIn(review: Review, page: string): void {
  expect(review.answers.length).toBeGreaterThan(0);
  for (const answer of review.answers) expect(answer).not.toContain(api.apiKey);
  expect(page).not.toContain(api.apiKey);
}

describe('astro dev: the dev toolbar app', () => {
  test('try 3 more, keep one: the source says its seed, the page shows it; check and a frozen build agree with no request', async () => {
    const root = await generatedCopy('fixtures/astro-basic');
    const fox = 'seed={42} aspectRatio="16:9" alt="A sleeping fox"';
    const file = path.join(root, 'src/pages/index.astro');
    const dev: DevServer = await astroDev(root, env);
    const review = await openPage(`${dev.url}/`);
    try {
      const { page } = review;
      const id = 'src/pages/index.astro:7:5';
      const shown = await page.getAttribute(`img[data-genimage-id="${id}"]`, 'data-genimage-key');
      expect(shown).toMatch(/^[0-9a-f]+$/);
      // One UI per host: no overlay, and no session in the page (the app gets it over the toolbar's channel).
      expect(await page.locator('[data-genimage-review-overlay]').count()).toBe(0);
      expect(await page.content()).not.toContain('__GENIMAGE_REVIEW__');

      const app = page.locator('astro-dev-toolbar button.item[data-app-id="genimage-review"]');
      await app.waitFor({ state: 'attached' });
      await app.dispatchEvent('click');
      const card = page.locator(`astro-dev-toolbar-app-canvas[data-app-id="genimage-review"] li.image[data-image-id="${id}"]`);
      await card.waitFor();
      expect(await card.locator('[data-role=prompt]').textContent()).toBe('a red fox asleep in fresh snow');
      expect(await card.locator('[data-fact=declared]').textContent()).toBe(`${id} (marker)`);

      const kept = await reviewLoop(review, card, { file, seed: 42, declaration: fox });
      expect(kept).toMatchObject({ id, file: 'src/pages/index.astro', line: 7, column: 5 });
      // astro dev reloads the page for the edited file: the kept image, already cached.
      await expectShown(page, kept, shown!);
      expectNoKeyIn(review, await page.content());
    } finally {
      await review.close();
      await dev.stop();
    }
    await expectFrozenAgreement(root, () => astroBuild(root, { ...env, CI: '1' }));
    await expectNoReviewIn(path.join(root, 'dist'));
  });
});

describe('vite dev: the overlay', () => {
  test('React: try 3 more, keep one: the source says its seed, a hot update shows it; check and a frozen build agree with no request', async () => {
    const root = await generatedCopy(path.join(examples, 'vite-react'));
    const file = path.join(root, 'src/App.tsx');
    const dev = await viteDev(root, env);
    const review = await openPage(`${dev.url}/`);
    try {
      const { page } = review;
      await page.evaluate('window.__sameWindow = true');
      const hero = 'img[alt="A night market under paper lanterns"]';
      await page.waitForSelector(hero);
      const id = await page.getAttribute(hero, 'data-genimage-id');
      expect(id).toBe('src/App.tsx:9:7');
      const shown = await page.getAttribute(hero, 'data-genimage-key');
      await page.click('[data-genimage-review-overlay] .launcher');
      const card = page.locator(`[data-genimage-review-overlay] li.image[data-image-id="${id!}"]`);
      await card.waitFor();
      // The page's three images, and only the page's.
      expect(await page.locator('[data-genimage-review-overlay] li.image').count()).toBe(3);

      // GENIMAGE_SCREENSHOT=docs/review-loop.png takes the README's picture of the loop here.
      const screenshot = process.env.GENIMAGE_SCREENSHOT;
      const kept = await reviewLoop(review, card, { file, seed: 31, declaration: 'seed={31}' }, async () => {
        if (!screenshot) return;
        await card.hover();
        await page.screenshot({ path: path.resolve(import.meta.dirname, '..', screenshot) });
      });
      await expectShown(page, kept, shown!);
      // A hot update of the component: the same window, no reload.
      expect(await page.evaluate('window.__sameWindow === true')).toBe(true);
      expectNoKeyIn(review, await page.content());
    } finally {
      await review.close();
      await dev.stop();
    }
    await expectFrozenAgreement(root, () => viteBuild(root, { ...env, CI: '1' }));
    await expectNoReviewIn(path.join(root, 'dist'));
    // `vite preview` serves the build: no review API there (a request for it gets the app's page).
    const served = await preview({ root, logLevel: 'silent', preview: { host: '127.0.0.1', port: 0 } });
    try {
      const answer = await fetch(`${served.resolvedUrls!.local[0]!.replace(/\/$/, '')}${REVIEW}/images`, {
        headers: { 'x-genimage-review-token': 'any' },
      });
      expect(answer.headers.get('content-type')).not.toContain('json');
      expect(await answer.text()).not.toContain('"images"');
    } finally {
      await served.close();
    }
  });
});

describe('vite dev: the overlay on an HTML page', () => {
  test('keep reloads the page, which shows the kept image and opens the panel again; fix the seed of a seedless marker: its recorded seed, no request', async () => {
    const seedless = '<GenImage prompt="a sea star on wet sand, photograph" aspectRatio="1:1" alt="A sea star" />';
    const root = await copySite(path.join(examples, 'vite-html'));
    const file = path.join(root, 'index.html');
    await writeFile(file, (await readFile(file, 'utf8')).replace('    <div class="grid">', `    ${seedless}\n    <div class="grid">`));
    const sent = api.requests.length;
    const generated = await run(['generate'], { cwd: root, env });
    expect(generated.code, generated.all).toBe(0);
    // Never -1: the seedless marker was sent a seed genimage chose.
    const seeds = api.requests.slice(sent).map((request) => (request.body as { seed: number }).seed);
    expect(seeds).not.toContain(-1);
    const dev = await viteDev(root, env);
    const review = await openPage(`${dev.url}/`);
    try {
      const { page } = review;
      const hero = 'img[alt="A tide pool with starfish and anemones"]';
      await page.waitForSelector(hero);
      const id = (await page.getAttribute(hero, 'data-genimage-id'))!;
      expect(id).toBe('index.html:12:5');
      const shown = (await page.getAttribute(hero, 'data-genimage-key'))!;
      await page.click('[data-genimage-review-overlay] .launcher');
      const card = page.locator(`[data-genimage-review-overlay] li.image[data-image-id="${id}"]`);
      await card.waitFor();

      const kept = await reviewLoop(review, card, { file, seed: 11, declaration: 'seed={11}' });
      // The edited page is reloaded: the kept image, and the panel open again.
      await expectShown(page, kept, shown);
      await page.locator(`[data-genimage-review-overlay] li.image[data-image-id="${id}"] [data-fact=seed]`).waitFor();
      expect(await page.locator(`[data-genimage-review-overlay] li.image[data-image-id="${id}"] [data-fact=seed]`).textContent()).toBe(
        String(kept.seed),
      );

      // Fix the seed: the one genimage sent is written into the marker; the same image, under its new key.
      const star = 'img[alt="A sea star"]';
      const starId = (await page.getAttribute(star, 'data-genimage-id'))!;
      const starKey = (await page.getAttribute(star, 'data-genimage-key'))!;
      const starCard = page.locator(`[data-genimage-review-overlay] li.image[data-image-id="${starId}"]`);
      const recorded = Number(/\(sent (\d+)\)/.exec((await starCard.locator('[data-fact=seed]').textContent())!)?.[1]);
      expect(seeds).toContain(recorded);
      const before = await readFile(file, 'utf8');
      const paid = api.requests.length;
      const fixing = await answerOf<Kept>(page, '/fix-seed');
      await starCard.locator('[data-action=fix-seed]').click();
      const fixed = await fixing();
      expect(fixed.seed).toBe(recorded);
      const after = await readFile(file, 'utf8');
      expect(after).not.toBe(before);
      // One attribute added, in the style of the tag's own (a quoted value here, as its neighbours'), nothing else changed.
      const added = new RegExp(` seed=(\\{${recorded}\\}|"${recorded}")`);
      expect(after).toMatch(added);
      expect(after.replace(added, '')).toBe(before);
      await expectShown(page, fixed, starKey);
      expect(api.requests.length).toBe(paid);
      expectNoKeyIn(review, await page.content());

      // A page of another origin that somehow has the token still cannot keep: the browser says
      // where the request comes from, and the API refuses it (or its preflight); the file stays.
      const token = (await page.evaluate('window.__GENIMAGE_REVIEW__.token')) as string;
      const foreign = await serve(root);
      const other = await page.context().newPage();
      try {
        await other.goto(`${originOf(foreign)}/about/`);
        // A candidate's seed: cached, so a keep that got through would change the file.
        const body = JSON.stringify({ id, seed: kept.unkept[0] });
        const request = { method: 'POST', headers: { 'content-type': 'application/json', 'x-genimage-review-token': token }, body };
        const outcome = await other.evaluate(
          `fetch(${JSON.stringify(`${dev.url}${REVIEW}/keep`)}, ${JSON.stringify(request)}).then((r) => r.status, (e) => 'blocked')`,
        );
        expect([403, 'blocked']).toContain(outcome);
        expect(await readFile(file, 'utf8')).toBe(after);
      } finally {
        await other.close();
        await closeServer(foreign);
      }
    } finally {
      await review.close();
      await dev.stop();
    }
    await expectFrozenAgreement(root, () => viteBuild(root, { ...env, CI: '1' }));
    await expectNoReviewIn(path.join(root, 'dist'));
  });
});

describe.each(['vite-vue', 'vite-svelte'])('vite dev: the overlay on the %s example', (example) => {
  test("lists the page's images, each found on the page by its declaration's place", async () => {
    const root = await generatedCopy(path.join(examples, example));
    const dev = await viteDev(root, env);
    const review = await openPage(`${dev.url}/`);
    try {
      const { page } = review;
      await page.waitForSelector('img[data-genimage-id]');
      const shown = await page.$$eval('img[data-genimage-id]', (imgs) => imgs.map((img) => img.getAttribute('data-genimage-id')));
      expect(shown.length).toBeGreaterThan(0);
      await page.click('[data-genimage-review-overlay] .launcher');
      const cards = page.locator('[data-genimage-review-overlay] li.image');
      await expect.poll(() => cards.count()).toBe(new Set(shown).size);
      const listed = await cards.evaluateAll((items) => items.map((item) => item.getAttribute('data-image-id')));
      expect(new Set(listed)).toEqual(new Set(shown));
      // Hovering a card outlines its image on the page.
      await cards.first().hover();
      await expect.poll(() => page.locator('[data-genimage-highlight]').count()).toBeGreaterThan(0);
    } finally {
      await review.close();
      await dev.stop();
    }
  });
});

/** `genimage review` in `root` (with `args`), and the page URL it prints, with its token. */
async function startReviewCommand(root: string, args: string[] = []) {
  const started = start(['review', ...args], { cwd: root, env });
  let stdout = '';
  started.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const printed = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/;
  await waitFor(() => printed.test(stdout), 'the review URL on stdout', 30_000);
  return {
    url: printed.exec(stdout)![0],
    async stop() {
      started.child.kill('SIGINT');
      expect((await started.result).code).toBe(0);
    },
  };
}

describe('genimage review: the same panel, as the page', () => {
  test("lists every image of the site; try 3 more and keep one for a genImage() call: the call's seed changes, nothing else", async () => {
    const root = await copyFixture('cli-review');
    const generated = await run(['generate'], { cwd: root, env });
    expect(generated.code, generated.all).toBe(0);
    const command = await startReviewCommand(root);
    const review = await openPage(command.url);
    try {
      const { page } = review;
      // The whole site: the tag, the seedless tag, the call and the frontmatter entry.
      await expect.poll(() => page.locator('[data-genimage-review-page] li.image').count()).toBe(4);
      expect(await page.locator('[data-genimage-review-page] h2').textContent()).toBe('Generated images of the site (4)');
      const call = page.locator('[data-genimage-review-page] li.image', { hasText: '(call)' });
      const id = (await call.getAttribute('data-image-id'))!;
      expect(id).toBe('src/pages/index.astro:4:18');
      await reviewLoop(review, call, {
        file: path.join(root, 'src/pages/index.astro'),
        seed: 5,
        declaration: "seed: 5, aspectRatio: '16:9'",
      });
      // The seedless declarations (the owl's tag, the post's frontmatter) can have their seed fixed; the others cannot.
      const fixable = await page
        .locator('[data-genimage-review-page] li.image', { has: page.locator('[data-action=fix-seed]') })
        .evaluateAll((cards) =>
          cards.map((card) => (card as unknown as { getAttribute(name: string): string }).getAttribute('data-image-id')),
        );
      expect(fixable).toEqual(['src/content/blog/night.md:4:3', 'src/pages/index.astro:12:5']);
      expectNoKeyIn(review, await page.content());
    } finally {
      await review.close();
      await command.stop();
    }
  });

  test('frozen: the quote says why nothing can be sent, offers nothing to confirm, and sends nothing', async () => {
    const root = await copyFixture('cli-review');
    const command = await startReviewCommand(root, ['--frozen']);
    const sent = api.requests.length;
    const review = await openPage(command.url);
    try {
      const { page } = review;
      const notice = page.locator('[data-genimage-review-page] [data-role=cannot-generate]');
      await notice.waitFor();
      expect(await notice.textContent()).toMatch(/frozen/i);
      const card = page.locator('[data-genimage-review-page] li.image').first();
      const quoted = await answerOf<Quote>(page, '/quote');
      await card.locator('[data-action=try]').click();
      expect(await quoted()).toMatchObject({ canGenerate: false });
      const said = card.locator('[data-role=quote]');
      await expect.poll(() => said.textContent()).toMatch(/frozen.*Nothing was sent\./i);
      expect(await card.locator('[data-action=confirm]').count()).toBe(0);
      expect(api.requests.length).toBe(sent);
    } finally {
      await review.close();
      await command.stop();
    }
  });
});
