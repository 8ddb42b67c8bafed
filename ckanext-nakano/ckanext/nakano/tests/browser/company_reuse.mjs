// 活用事例: a company (an account made by test_browser.py) signs in, sends a reuse through
// /showcase/new — title, 種別, URL, description, 提供者, 提供者の種類, a dataset chosen with the
// picker by typing its name, a PNG picture — first without its title (the errors beside the
// fields), then complete; it waits for review, unseen by the public. An admin of the dataset's
// department signs in and publishes it from /showcase/moderate; the company then finds it on the
// dataset's page (「このデータの活用事例」) and on /showcase. axe-core on every page (desktop).
import {
  scenario, api, expect, poll, settle, axeRun, axeLines, localePath,
} from './lib.mjs';

const COMPANY = process.env.COMPANY_USER;
const COMPANY_PASSWORD = process.env.COMPANY_PASSWORD;
const REVIEWER = process.env.REVIEWER_USER;             // admin of the dataset's department
const REVIEWER_PASSWORD = process.env.REVIEWER_PASSWORD;
const DATASET = process.env.DATASET_NAME;
const TYPED = process.env.DATASET_TYPED;                 // what is typed into the picker (part of its title)
const PNG = process.env.PNG_PATH;
const TITLE = process.env.REUSE_TITLE;
const URL_OF_IT = 'https://example.jp/bicycle-parking-map';
const PROVIDER = '（例）中野モビリティ株式会社';

/** Clicks a form's submit button and waits until the page it answers with has loaded (the same
 * address may come back, with the errors: waiting for 'load' alone can see the old page). */
async function send(page, button) {
  await page.evaluate(() => { window.__nakanoBeforeSend = true; });
  await button.click();
  await page.waitForFunction(() => !window.__nakanoBeforeSend && document.readyState === 'complete', null, { timeout: 60000 });
}

await scenario('company_reuse', async (s) => {
  expect(COMPANY && COMPANY_PASSWORD && REVIEWER && REVIEWER_PASSWORD && DATASET && TYPED && PNG && TITLE,
    'COMPANY_USER, COMPANY_PASSWORD, REVIEWER_USER, REVIEWER_PASSWORD, DATASET_NAME, DATASET_TYPED, PNG_PATH and REUSE_TITLE must be set');
  const { page } = s;
  s.result.axe = {};

  async function axe(name, on = page) {
    await settle(on);
    const results = await axeRun(on, { saveAs: `reuse-${name}` });
    s.result.axe[name] = results.violations.length;
    const lines = axeLines(results);
    expect(!lines.length, `axe on ${name}: ${lines.join('; ')}`);
    return `${results.passes.length} rules pass`;
  }

  async function signIn(on, user, password) {
    await s.open('/user/login', on);
    await on.locator('input[name="login"]').fill(user);
    const box = on.locator('input[name="password"]');
    await box.fill(password);
    await Promise.all([on.waitForURL((url) => !url.pathname.startsWith('/user/login')), box.press('Enter')]);
  }

  await s.step('/showcase in Japanese and English: axe 0 violations', async () => {
    for (const lang of ['ja', 'en']) {
      await s.open(localePath(lang, '/showcase'));
      expect(await page.locator('.nakano-reuse-list .nakano-reuse-card').count() > 0, `/showcase (${lang}) lists no reuse (demo data)`);
      await axe(`showcase-before-${lang}`);
    }
  });

  await s.step('the company signs in through the form', () => signIn(page, COMPANY, COMPANY_PASSWORD), { hard: true });

  await s.step('the reuse form, empty: axe 0 violations; the picker is there', async () => {
    await s.open('/showcase/new');
    expect(await page.locator('#datasets-picker').isVisible(), 'the dataset picker is hidden (assets/showcase.js did not run)');
    expect(await page.locator('#field-email').count() === 0, 'a signed-in company is asked for an e-mail address');
    await s.shot('reuse-1-form-empty');
    return axe('form-empty');
  });

  await s.step('the company fills the form in (no title yet) and picks the dataset by typing its name', async () => {
    await page.locator('#field-kind').selectOption('app');
    await page.locator('#field-url').fill(URL_OF_IT);
    await page.locator('#field-description').fill('区の **自転車駐車場一覧** を地図にし、空き台数の目安と料金を表示するアプリ。\n\n- 現在地から近い順\n- 料金で絞り込み');
    await page.locator('#field-provider').fill(PROVIDER);
    await page.locator('#field-provider_kind').selectOption('company');
    const search = page.locator('#datasets-search');
    await search.pressSequentially(TYPED, { delay: 80 });
    const found = page.locator(`#datasets-results input[type="checkbox"][value="${DATASET}"]`);
    await found.waitFor({ state: 'visible', timeout: 15000 });
    await found.check();
    const chosen = page.locator(`#datasets-chosen input[name="datasets"][value="${DATASET}"]`);
    await poll(() => chosen.isChecked(), { what: `${DATASET} among the chosen datasets` });
    const said = (await page.locator('#datasets-search-status').textContent()).trim();
    expect(said, 'the picker\'s status line says nothing after a dataset was added');
    await page.locator('#field-image_upload').setInputFiles(PNG);
    await s.shot('reuse-2-form-filled');
    return `chosen: ${(await page.locator('#datasets-chosen label').allInnerTexts()).join(', ')}; status 「${said}」`;
  }, { hard: true });

  await s.step('sent without a title: the errors beside the fields, what was typed and chosen kept; axe', async () => {
    await send(page, page.locator('form.nakano-reuse-form button[type="submit"]'));
    await page.locator('#form-errors').waitFor({ state: 'visible' });
    expect(await page.locator('#field-title').getAttribute('aria-invalid') === 'true', 'the title is not marked invalid');
    expect(await page.locator('#error-title').count() === 1, 'no message under the title');
    expect(await page.locator('#form-errors a[href="#field-title"]').count() === 1, 'the list of errors has no link to the title');
    expect(await page.locator('#field-provider').inputValue() === PROVIDER, 'the provider typed was lost');
    expect(await page.locator('#field-url').inputValue() === URL_OF_IT, 'the URL typed was lost');
    expect(await page.locator(`#datasets-chosen input[name="datasets"][value="${DATASET}"]`).isChecked(),
      'the chosen dataset was lost');
    await s.shot('reuse-3-form-errors');
    return axe('form-errors');
  }, { hard: true });

  let name;
  await s.step('with its title and the picture chosen again, the reuse is sent and waits for review', async () => {
    await page.locator('#field-title').fill(TITLE);
    await page.locator('#field-image_upload').setInputFiles(PNG);
    await Promise.all([page.waitForURL((url) => /^\/showcase\/[^/]+$/.test(url.pathname) && url.pathname !== '/showcase/new'),
      page.locator('form.nakano-reuse-form button[type="submit"]').click()]);
    name = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
    expect((await page.locator('h1').innerText()).includes(TITLE), `the heading: ${await page.locator('h1').innerText()}`);
    expect(await page.locator('h1 .badge.nakano-reuse-state-pending').count() === 1, 'no 「審査待ち」 (pending) badge');
    const picture = page.locator('img.nakano-reuse-image-large');
    expect(await picture.count() === 1, 'the picture is not shown to the company');
    await poll(() => picture.evaluate((img) => img.complete && img.naturalWidth > 0), { what: 'the picture to load' });
    expect(await page.locator(`.nakano-reuse-dataset-list a[href="/dataset/${DATASET}"]`).count() === 1,
      'the dataset used is not listed');
    const shown = await api('nakano_showcase_show', { id: name }).then(() => 'shown', (e) => e.message);
    expect(shown !== 'shown', 'a visitor (the API without a token) sees the reuse before it is reviewed');
    await s.shot('reuse-4-pending');
    await axe('reuse-pending');
    return name;
  }, { hard: true });

  await s.step('not on /showcase nor on the dataset page while it waits', async () => {
    await s.open('/showcase');
    expect(await page.locator(`.nakano-reuse-list a[href="/showcase/${name}"]`).count() === 0, 'listed before review');
    await s.open(`/dataset/${DATASET}`);
    expect(await page.locator(`.nakano-dataset-reuses a[href="/showcase/${name}"]`).count() === 0,
      'on the dataset page before review');
  });

  await s.step('the company\'s dashboard tab 「自分の活用事例とデータ要望」 lists it as waiting (ja and en); axe', async () => {
    for (const lang of ['ja', 'en']) {
      await s.open(localePath(lang, '/dashboard/submissions'));
      const item = page.locator('.nakano-mine-list li', { has: page.locator(`a[href$="/showcase/${name}"]`) });
      expect(await item.count() === 1, `/dashboard/submissions (${lang}) does not list the reuse`);
      expect(await item.locator('.badge.nakano-reuse-state-pending').count() === 1,
        `no 「確認待ち」 badge: ${await item.innerText()}`);
      await axe(`mine-${lang}`);
    }
    await s.shot('reuse-4b-mine-en');
  });

  const reviewerContext = await s.newContext();
  const reviewer = await reviewerContext.newPage();

  await s.step('an admin of the dataset\'s department signs in through the form', () => signIn(reviewer, REVIEWER, REVIEWER_PASSWORD),
    { hard: true, page: reviewer });

  await s.step('the moderation queue lists the reuse; axe 0 violations', async () => {
    await s.open('/showcase/moderate', reviewer);
    const item = reviewer.locator('.nakano-reuse-queue-item', { has: reviewer.locator(`a[href="/showcase/${name}"]`) });
    expect(await item.count() === 1, `the queue does not list ${name}`);
    await s.shot('reuse-5-queue', reviewer);
    return axe('queue', reviewer);
  }, { hard: true, page: reviewer });

  await s.step('the admin publishes it from the queue', async () => {
    const item = reviewer.locator('.nakano-reuse-queue-item', { has: reviewer.locator(`a[href="/showcase/${name}"]`) });
    await Promise.all([reviewer.waitForURL((url) => url.pathname === '/showcase/moderate'),
      item.locator('button[name="decision"][value="approve"]').click()]);
    expect(await reviewer.locator(`.nakano-reuse-queue-item a[href="/showcase/${name}"]`).count() === 0,
      'still in the queue after it was published');
    const shown = await api('nakano_showcase_show', { id: name });
    expect(shown.title === TITLE, `the public sees ${JSON.stringify(shown).slice(0, 200)}`);
    return `published ${shown.published || ''}`;
  }, { hard: true, page: reviewer });
  await reviewerContext.close();

  await s.step('the company sees it on the dataset page, in 「このデータの活用事例」; axe', async () => {
    await s.open(`/dataset/${DATASET}`);
    const block = page.locator('section.nakano-dataset-reuses');
    expect(await block.count() === 1, 'no 「このデータの活用事例」 block on the dataset page');
    const link = block.locator(`a[href="/showcase/${name}"]`);
    expect(await link.count() === 1, `the block does not link to the reuse: ${await block.innerText()}`);
    expect((await link.innerText()).includes(TITLE), `the link reads ${await link.innerText()}`);
    const heading = (await block.locator('h2').innerText()).trim();
    expect(/このデータの活用事例|Reuses of this data/.test(heading), `the block's heading: ${heading}`);
    await block.scrollIntoViewIfNeeded();
    await s.shot('reuse-6-dataset');
    await axe('dataset');
    return heading;
  });

  await s.step('and on /showcase (ja and en), with its kind and its maker; axe', async () => {
    for (const lang of ['ja', 'en']) {
      await s.open(localePath(lang, '/showcase'));
      const card = page.locator('.nakano-reuse-list .nakano-reuse-card', { has: page.locator(`a[href$="/showcase/${name}"]`) });
      expect(await card.count() === 1, `/showcase (${lang}) does not list the reuse`);
      const text = await card.innerText();
      expect(text.includes(PROVIDER), `its card (${lang}) lacks the provider: ${text}`);
      if (lang === 'ja') expect(text.includes('アプリ・サービス') && text.includes('企業'), `its card lacks 種別 / 提供者の種類: ${text}`);
      await axe(`showcase-${lang}`);
    }
    await s.shot('reuse-7-showcase-en');
  });

  await s.step('the reuse page, published: picture, Markdown rendered, the dataset linked; axe', async () => {
    await s.open(`/showcase/${name}`);
    expect(await page.locator('h1 .badge').count() === 0, 'a state badge on a published reuse');
    expect(await page.locator('.nakano-reuse-description strong').count() >= 1, 'the Markdown **bold** is not rendered');
    expect(await page.locator('.nakano-reuse-description li').count() === 2, 'the Markdown list is not rendered');
    const picture = page.locator('img.nakano-reuse-image-large');
    await poll(() => picture.evaluate((img) => img.complete && img.naturalWidth > 0), { what: 'the published picture' });
    expect(await page.locator(`a.nakano-reuse-link[href="${URL_OF_IT}"]`).count() === 1, 'its address is not linked');
    await s.shot('reuse-8-published');
    await axe('reuse');
    await s.open(`/en/showcase/${name}`);
    await axe('reuse-en');
  });

  s.check('no uncaught JavaScript error on the way', !s.result.pageErrors.length, s.result.pageErrors);
});
