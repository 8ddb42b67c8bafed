// Editor: log in through the form, create a dataset with the ward schema's web form, upload a
// real CP932 (Shift_JIS) municipal CSV as its resource, then read the validation report that
// the background job writes on the resource page. test_browser.py purges the dataset.
import fs from 'node:fs';
import path from 'node:path';
import {
  scenario, expect, poll, choose, ARTIFACTS, BASE_URL, DATASTORE_TIMEOUT, axeRun, axeLines, settle,
} from './lib.mjs';

const PASSWORD = process.env.ADMIN_PASSWORD;
const NAME = process.env.DATASET_NAME;
const CSV = process.env.CSV_PATH;
const ROWS = Number(process.env.CSV_ROWS);
const SAMPLE = process.env.CSV_SAMPLE;            // a value of the file, in Japanese
const DEPARTMENT = process.env.DEPARTMENT || '健康福祉部';
const TITLE = 'ブラウザテスト：救護所一覧（焼津市の実データ）';

await scenario('editor', async (s) => {
  const { page } = s;
  expect(PASSWORD && NAME && CSV && ROWS && SAMPLE, 'ADMIN_PASSWORD, DATASET_NAME, CSV_PATH, CSV_ROWS and CSV_SAMPLE must be set');

  await s.step('log in as admin through the form at /user/login', async () => {
    await s.open('/user/login');
    await page.locator('input[name="login"]').fill('admin');
    const password = page.locator('input[name="password"]');
    await password.fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/user/login')), password.press('Enter')]);
    const me = await page.request.get(`${BASE_URL}/api/3/action/user_show?id=admin`);
    const body = await me.json();
    expect(body.success && body.result.sysadmin === true && body.result.email !== undefined,
      'after the form, the browser session is not the logged-in admin (user_show shows no private fields)');
    return `landed on ${new URL(page.url()).pathname}`;
  }, { hard: true });

  await s.step('axe-core: the dataset form has no WCAG 2.1 AA violation', async () => {
    await s.open('/dataset/new');
    return axe(page, 'editor-dataset-form');
  });

  await s.step('create the dataset through the web form /dataset/new (ward schema)', async () => {
    await s.open('/dataset/new');
    await page.locator('#field-title').fill(TITLE);
    await page.locator('#field-title_en').fill('Browser test: first-aid stations (real data of Yaizu)');
    const name = page.locator('#field-name');
    if (!(await name.isVisible())) await page.locator('.slug-preview button').click();   // URL slug behind "Edit"
    await name.fill(NAME);
    await page.locator('#field-notes').fill('焼津市が公開している救護所一覧（CP932 の CSV）。ブラウザテストで作成し、終了時に削除します。');
    await choose(page, '#field-organizations', DEPARTMENT);
    await choose(page, '#field-category', '社会保障・衛生');
    await choose(page, '#field-license_id', 'CC BY 4.0');
    await page.locator('#field-contact-0-name').fill('保健予防課');
    await page.locator('#field-contact-0-email').fill('yobou@example.jp');
    await s.shot('editor-1-dataset-form-ja');
    await Promise.all([
      page.waitForURL((url) => url.pathname.endsWith(`/dataset/${NAME}/resource/new`), { timeout: 30000 })
        .catch(async () => { throw new Error(`the form did not go on to the resource form; errors shown: ${JSON.stringify(await formErrors(page))}`); }),
      page.locator('form#dataset-edit button[name="save"]').click(),
    ]);
  }, { hard: true });

  await s.step('axe-core: the resource form has no WCAG 2.1 AA violation', () => axe(page, 'editor-resource-form'));

  await s.step('upload the CP932 CSV as a resource', async () => {
    const upload = page.locator('input[type="file"]').first();
    const button = page.locator('form#resource-edit').getByRole('button', { name: /アップロード|Upload/ }).first();
    if (await button.isVisible().catch(() => false)) {
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), button.click()]);
      await chooser.setFiles(CSV);
    } else {
      await upload.setInputFiles(CSV);
    }
    const name = page.locator('#field-name');
    if (!(await name.inputValue())) await name.fill(path.basename(CSV));
    await page.locator('#field-description').fill('元のファイル（Shift_JIS / CP932）をそのまま登録。');
    await s.shot('editor-2-resource-form-ja');
    await Promise.all([
      page.waitForURL((url) => url.pathname.endsWith(`/dataset/${NAME}`), { timeout: 60000 })
        .catch(async () => { throw new Error(`saving the resource did not lead to the dataset page; errors shown: ${JSON.stringify(await formErrors(page))}`); }),
      page.locator('form#resource-edit button[name="save"][value="go-metadata"], form#resource-edit button[name="save"]').last().click(),
    ]);
    const heading = await page.locator('h1').allInnerTexts();
    expect(heading.some((h) => h.includes(TITLE)), `dataset page <h1>: ${JSON.stringify(heading)}`);
  }, { hard: true });

  let resourceUrl;
  await s.step('open the new resource from the dataset page', async () => {
    const link = page.locator(`a[href*="/dataset/${NAME}/resource/"]:visible`).first();
    await Promise.all([page.waitForURL(/\/resource\/[0-9a-f-]{36}$/), link.click()]);
    resourceUrl = page.url();
    s.result.info.resource = resourceUrl;
  }, { hard: true });

  await s.step('the file keeps its Japanese name and its format is found without choosing one', async () => {
    const fileName = path.basename(CSV);
    const original = page.locator('tr.nakano-download-original a').first();
    const href = await original.getAttribute('href');
    expect(href && decodeURIComponent(href).endsWith(`/download/${fileName}`), `the original file's link is ${href}`);
    const facts = await page.locator('.nakano-file-facts').innerText();
    expect(/CSV/.test(facts), `the file facts say ${facts}`);
    return decodeURIComponent(href);
  });

  await s.step('the validation report appears on the resource page (background job)', async () => {
    const report = page.locator('section', { has: page.locator('h2', { hasText: /検証|Validation/ }) }).first();
    const text = await poll(async () => {
      await page.reload();
      if (!(await report.count())) return null;
      const shown = await report.innerText();
      return /検証待ち|Pending/.test(shown) ? null : shown;
    }, { timeout: DATASTORE_TIMEOUT, interval: 3000, what: 'a validation report that is no longer 検証待ち / Pending' });
    s.result.info.report = text.slice(0, 1500);
    await s.shot('editor-3-validation-report-ja');
    expect(!/検証できません|Could not validate/.test(text), `the report says the file could not be validated: ${text.slice(0, 400)}`);
    expect(/cp932|shift_jis|shift-jis|sjis|windows-31j/i.test(text), `the report does not name the detected encoding (CP932 / Shift_JIS): ${text.slice(0, 400)}`);
    expect(new RegExp(`(^|\\D)${ROWS}\\s*行`).test(text), `the report does not give the ${ROWS} rows of the file: ${text.slice(0, 400)}`);
    return text.split('\n').slice(0, 3).join(' / ');
  });

  await s.step('axe-core: the resource page with its report, as its editor sees it', () => axe(page, 'editor-resource-page'));

  await s.step('the UTF-8 copy offered with the report downloads as UTF-8', async () => {
    const link = page.locator('a', { hasText: /UTF-8/ }).filter({ visible: true }).first();
    expect(await link.count(), 'no visible link to a UTF-8 copy on the resource page');
    const href = await link.getAttribute('href');
    const response = await page.request.get(new URL(href, BASE_URL).href);
    expect(response.status() === 200, `${href}: HTTP ${response.status()}`);
    const bytes = await response.body();
    let text;
    try { text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { throw new Error(`${href} is not UTF-8`); }
    expect(text.includes(SAMPLE), `${href} lacks ${SAMPLE} (mis-decoded?): ${text.slice(0, 200)}`);
    fs.writeFileSync(path.join(ARTIFACTS, 'editor-utf8-copy.csv'), bytes);
    return `${href}: ${bytes.length} bytes`;
  });

  await s.step('the table is made from the CP932 file, and its tab speaks Japanese', async () => {
    const excel = page.locator('a.nakano-download-primary');
    await poll(async () => {
      await page.reload();
      return (await excel.count()) && /Excel/.test(await excel.innerText());
    }, { timeout: DATASTORE_TIMEOUT, interval: 3000, what: 'the Excel CSV button (the DataStore table made)' });
    const tab = resourceUrl.replace(/\/resource\/([0-9a-f-]{36})$/, '/resource_data/$1');
    // The table exists (datastore_active) a moment before xloader marks its
    // job complete; the tab says 「作っています」 until then, so wait it out.
    let text = '';
    await poll(async () => {
      await s.open(tab.replace(BASE_URL, ''));
      text = await page.locator('main, [role=main], #content').first().innerText();
      return !text.includes('表データを作っています');
    }, { timeout: DATASTORE_TIMEOUT, interval: 2000, what: 'the DataStore tab to finish 「表データを作っています」' }).catch(() => {});
    const status = await page.locator('.nakano-load-status').first().innerText().catch(() => text);
    expect(text.includes('表データを作成済みです'), `the DataStore tab says: ${status.slice(0, 300)}`);
    expect(!/Traceback|Upload Log|charmap/.test(text), 'the DataStore tab shows English internals');
    return tab;
  });

  await s.step('axe-core: the DataStore tab has no WCAG 2.1 AA violation', () => axe(page, 'editor-datastore-tab'));

  s.check('no uncaught JavaScript error on the way', !s.result.pageErrors.length, s.result.pageErrors);
});

async function formErrors(page) {
  return page.locator('.error-explanation, .alert-error, .alert-danger, .error-block, .invalid-feedback:visible')
    .allInnerTexts().catch(() => []);
}

async function axe(page, name) {
  await settle(page);
  const results = await axeRun(page, { saveAs: name });
  const violations = axeLines(results);
  expect(!violations.length, `${violations.length} axe violations: ${violations.join('; ')}`);
  return `${results.passes.length} rules pass, 0 violations`;
}
