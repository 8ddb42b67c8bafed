// Data inventory: a section clerk (an editor of 子ども教育部) logs in, opens the department's
// register dashboard, imports the section's spreadsheet (dry run first), sees the overdue item
// of the demo register and fixes it through the item form; a resident reads /inventory in
// Japanese and English (no 内部メモ, no item not listed). axe-core on every page in ja and en.
import {
  scenario, expect, localePath, axeRun, axeLines, settle, BASE_URL,
} from './lib.mjs';

const USER = process.env.CLERK_USER;
const PASSWORD = process.env.CLERK_PASSWORD;
const DEPARTMENT = process.env.DEPARTMENT;          // organization name
const XLSX = process.env.XLSX_PATH;
const NEW_ITEMS = Number(process.env.NEW_ITEMS);
const HIDDEN = (process.env.HIDDEN || '').split('|').filter(Boolean);   // texts the public must never see
const LANGS = ['ja', 'en'];

await scenario('inventory', async (s) => {
  const { page } = s;
  expect(USER && PASSWORD && DEPARTMENT && XLSX && NEW_ITEMS, 'CLERK_USER, CLERK_PASSWORD, DEPARTMENT, XLSX_PATH and NEW_ITEMS must be set');
  s.result.axe = {};

  async function axeClean(name) {
    await settle(page);
    const results = await axeRun(page, { saveAs: `inventory-${name}` });
    s.result.axe[name] = results.violations.length;
    expect(results.violations.length === 0, `axe on ${name}: ${axeLines(results).join(' || ')}`);
  }

  await s.step('a resident reads the register in Japanese and English: no internal note, no item not listed', async () => {
    for (const lang of LANGS) {
      await s.open(localePath(lang, '/inventory'));
      const text = await page.locator('main, #content, body').first().innerText();
      for (const hidden of HIDDEN) expect(!text.includes(hidden), `/inventory (${lang}) shows ${hidden}`);
      expect(await page.locator('.nakano-inventory-item').count() > 0, `/inventory (${lang}) lists no item`);
      await axeClean(`index-${lang}`);
    }
    const first = page.locator('.nakano-inventory-item h2 a').first();
    await Promise.all([page.waitForURL(/\/inventory\/item\//), first.click()]);
    await axeClean('item-en');
    return `${await page.locator('h1').innerText()}`;
  });

  await s.step('the resident filters by status and searches in hiragana', async () => {
    await s.open('/inventory');
    const planned = page.locator('nav a', { hasText: '公開予定' }).first();
    await Promise.all([page.waitForURL((url) => url.searchParams.get('status') === 'planned'), planned.click()]);
    const badges = await page.locator('.nakano-inventory-item .badge').allInnerTexts();
    expect(badges.length > 0 && badges.every((b) => b.includes('公開予定')), `filtered badges: ${JSON.stringify(badges)}`);
    await page.locator('#inventory-q').fill('ほいく');
    await Promise.all([page.waitForURL((url) => url.searchParams.get('q') === 'ほいく'), page.locator('#inventory-q').press('Enter')]);
    return `${badges.length} planned; after 「ほいく」: ${await page.locator('.nakano-inventory-count').innerText()}`;
  });

  await s.step('the clerk logs in through the form', async () => {
    await s.open('/user/login');
    await page.locator('input[name="login"]').fill(USER);
    const password = page.locator('input[name="password"]');
    await password.fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/user/login')), password.press('Enter')]);
  }, { hard: true });

  let overdueBefore;
  await s.step('the department dashboard shows its figures and the overdue item', async () => {
    await s.open(`/inventory/department/${DEPARTMENT}`);
    overdueBefore = Number(await page.locator('[data-figure="overdue"]').innerText());
    expect(overdueBefore >= 1, `overdue figure ${overdueBefore}: the demo register has an overdue item here`);
    expect(await page.locator('#overdue-heading').isVisible(), 'no 「予定超過」 section');
    await axeClean('department-ja');
    await s.open(`/en/inventory/department/${DEPARTMENT}`);
    await axeClean('department-en');
    return `overdue ${overdueBefore}`;
  }, { hard: true });

  await s.step('the clerk checks the spreadsheet (dry run), then imports it', async () => {
    await s.open(`/inventory/department/${DEPARTMENT}`);
    await page.locator('#inventory-upload').setInputFiles(XLSX);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '取り込む' }).click()]);
    const dry = await page.locator('.nakano-import-result').innerText();
    expect(dry.includes(`新規 ${NEW_ITEMS}件`) && dry.includes('書き込んでいません'), `dry run said: ${dry}`);
    await axeClean('import-result-ja');
    await page.locator('#inventory-upload').setInputFiles(XLSX);
    await page.locator('#inventory-dry-run').uncheck();
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '取り込む' }).click()]);
    const done = await page.locator('.nakano-import-result').innerText();
    expect(done.includes('取り込みました') && done.includes(`新規 ${NEW_ITEMS}件`), `import said: ${done}`);
    return done.replace(/\s+/g, ' ').slice(0, 120);
  });

  await s.step('the clerk fixes the overdue item: a new planned month through the form', async () => {
    await s.open(`/inventory/department/${DEPARTMENT}`);
    const link = page.locator('section[aria-labelledby="overdue-heading"] a').first();
    await Promise.all([page.waitForURL(/\/inventory\/item\/[^/]+\/edit$/), link.click()]);
    await axeClean('form-ja');
    const month = page.locator('#field-planned_month');
    await month.fill('2020-01');           // a month that has passed: refused with the reason
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '保存する' }).click()]);
    const alert = await page.locator('#form-errors').innerText();
    expect(alert.includes('公開予定時期'), `a passed month was not refused by name: ${alert}`);
    await axeClean('form-errors-ja');
    const next = new Date();
    const future = `${next.getFullYear() + 1}-${String(next.getMonth() + 1).padStart(2, '0')}`;
    await page.locator('#field-planned_month').fill(future);
    await Promise.all([page.waitForURL(/\/inventory\/item\/[^/]+$/), page.getByRole('button', { name: '保存する' }).click()]);
    await axeClean('item-ja');
    await s.open(`/inventory/department/${DEPARTMENT}`);
    const after = Number(await page.locator('[data-figure="overdue"]').innerText());
    expect(after === overdueBefore - 1, `overdue ${overdueBefore} → ${after}`);
    return `overdue ${overdueBefore} → ${after}, planned for ${future}`;
  });
});
