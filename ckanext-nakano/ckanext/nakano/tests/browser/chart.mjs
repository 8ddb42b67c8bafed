// グラフを作る: a resident opens a table of AEDs (uploaded by test_browser.py, the ward's towns),
// follows 「この表のグラフを作る」, chooses the town column and the top 10 with the keyboard,
// reads the chart's table (the numbers the test counted in Python), downloads its CSV (BOM,
// same numbers) and PNG, copies the embed code and opens the embed page; the 町丁目 map; then an
// editor of the dataset's department saves a chart as a view and finds it as a tab of the file.
// axe-core: 0 violations on the builder (ja, en), the map, the embed page and the saved view.
import fs from 'node:fs';
import path from 'node:path';
import {
  scenario, api, expect, settle, axeRun, axeLines, localePath, waitForDatastore, ARTIFACTS,
} from './lib.mjs';

const DATASET = process.env.DATASET_NAME;
const RESOURCE = process.env.RESOURCE_ID;
const TOP = JSON.parse(process.env.EXPECTED_TOP || '{}');      // town → rows, the 10 largest
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD;

await scenario('chart', async (s) => {
  expect(DATASET && RESOURCE && Object.keys(TOP).length && ADMIN_PASSWORD,
    'DATASET_NAME, RESOURCE_ID, EXPECTED_TOP and ADMIN_PASSWORD must be set');
  const { page } = s;
  s.result.axe = {};
  await s.context.grantPermissions(['clipboard-read', 'clipboard-write']);

  async function axe(name, on = page) {
    await settle(on);
    const results = await axeRun(on, { saveAs: `chart-${name}` });
    s.result.axe[name] = results.violations.length;
    const lines = axeLines(results);
    expect(!lines.length, `axe on ${name}: ${lines.join('; ')}`);
    return `${results.passes.length} rules pass`;
  }

  async function chartTable(on = page) {
    return on.$$eval('table.nakano-chart-table tbody tr', (rows) => Object.fromEntries(rows.map((r) => [
      r.querySelector('th').textContent.trim(), Number(r.querySelector('td').textContent.replace(/,/g, ''))])));
  }

  await s.step('the table is in the DataStore', async () => {
    await waitForDatastore(RESOURCE);
    return 'datastore_active';
  });

  await s.step('「この表のグラフを作る」 on the file page opens the builder with a chart already drawn', async () => {
    await s.open(`/dataset/${DATASET}/resource/${RESOURCE}`);
    const offer = page.locator('.nakano-chart-offer a');
    expect(await offer.count() === 1, 'the file page offers no chart builder');
    await Promise.all([page.waitForURL(/\/chart(\?|$)/), offer.click()]);
    expect(await page.locator('.nakano-chart-drawing svg[role="img"]').count() === 1, 'the builder opened without a chart');
    return await axe('builder-ja');
  });

  await s.step('the town column and the top 10, chosen with the keyboard, give the counts counted in Python', async () => {
    await page.locator('#field-kind').focus();
    await page.keyboard.press('Home');            // 棒グラフ, the first kind
    await page.locator('#field-x').selectOption('町丁目');
    const top = page.locator('#field-top');
    await top.focus();
    await top.fill('10');
    await Promise.all([page.waitForURL(/x=%E7%94%BA%E4%B8%81%E7%9B%AE/), top.press('Enter')]);
    const shown = await chartTable();
    expect(JSON.stringify(shown) === JSON.stringify(TOP), `the chart's table ${JSON.stringify(shown)} is not the file's ${JSON.stringify(TOP)}`);
    const summary = await page.locator('.nakano-chart-summary').textContent();
    const [first, count] = Object.entries(TOP)[0];
    expect(summary.includes(first) && summary.includes(String(count)), `the summary 「${summary}」 does not name ${first} (${count})`);
    const bars = await page.locator('.nakano-chart-drawing svg rect title').count();
    expect(bars === 10, `${bars} bars drawn for 10 towns`);
    return summary.trim();
  });

  await s.step('the CSV downloads with a BOM and the same numbers; the PNG is a picture', async () => {
    const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('.nakano-chart-downloads a[href*="chart.csv"]').click()]);
    const file = path.join(ARTIFACTS, `chart-${csv.suggestedFilename()}`);
    await csv.saveAs(file);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.startsWith('\uFEFF'), 'the CSV has no BOM (Excel would show 文字化け)');
    const rows = Object.fromEntries(text.replace(/^\uFEFF/, '').trim().split(/\r?\n/).slice(1).map((l) => {
      const [town, n] = l.split(','); return [town, Number(n)];
    }));
    expect(JSON.stringify(rows) === JSON.stringify(TOP), `the CSV ${JSON.stringify(rows)} is not the chart's numbers`);
    const [png] = await Promise.all([page.waitForEvent('download'), page.locator('#chart-png').click()]);
    const picture = path.join(ARTIFACTS, 'chart-download.png');
    await png.saveAs(picture);
    const bytes = fs.readFileSync(picture);
    expect(bytes.subarray(1, 4).toString() === 'PNG' && bytes.length > 5000, `the PNG download is ${bytes.length} bytes, not a picture`);
    return `${csv.suggestedFilename()}, ${png.suggestedFilename()} (${bytes.length} bytes)`;
  });

  await s.step('the embed code is copied and its page shows the chart alone', async () => {
    await page.locator('button[data-copy="#chart-embed"]').click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const src = (copied.match(/src="([^"]+)"/) || [])[1];
    expect(copied.startsWith('<iframe') && src && src.includes('/chart/embed?'), `copied: ${copied.slice(0, 200)}`);
    expect((await page.locator('#chart-copied').textContent()).trim(), 'the copy was not said');
    const embed = await s.context.newPage();
    await embed.goto(src.replace(/&amp;/g, '&'));
    expect(await embed.locator('svg[role="img"]').count() === 1 && await embed.locator('form').count() === 0,
      'the embed page is not the chart alone');
    expect(JSON.stringify(await chartTable(embed)) === JSON.stringify(TOP), 'the embed page shows other numbers');
    const result = await axe('embed', embed);
    await embed.close();
    return result;
  });

  await s.step('the 町丁目 map, the English builder and embed page: axe 0 violations', async () => {
    await s.open(`/dataset/${DATASET}/resource/${RESOURCE}/chart?kind=towns&x=${encodeURIComponent('住所')}`);
    const areas = await page.locator('.nakano-chart-drawing svg path').count();
    expect(areas === 85, `${areas} town areas drawn, not 85`);
    await axe('map-ja');
    await s.open(localePath('en', `/dataset/${DATASET}/resource/${RESOURCE}/chart?x=${encodeURIComponent('町丁目')}&top=10`));
    const heading = await page.locator('h1').textContent();
    expect(heading.startsWith('Make a chart'), `the English builder says 「${heading}」`);
    await axe('builder-en');
    await s.open(localePath('en', `/dataset/${DATASET}/resource/${RESOURCE}/chart/embed?x=${encodeURIComponent('町丁目')}&top=10`));
    expect((await page.locator('.nakano-chart-summary').textContent()).includes('The largest is'), 'the English embed page is not in English');
    return await axe('embed-en');
  });

  await s.step('an editor of the department saves the chart as a view and finds it as a tab of the file', async () => {
    await s.open('/user/login');
    await page.locator('input[name="login"]').fill('admin');
    const box = page.locator('input[name="password"]');
    await box.fill(ADMIN_PASSWORD);
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/user/login')), box.press('Enter')]);
    await s.open(`/dataset/${DATASET}/resource/${RESOURCE}/chart?x=${encodeURIComponent('町丁目')}&top=10`);
    await page.locator('#field-title').fill('町丁目別のAED（上位10）');
    await Promise.all([page.waitForURL(/view_id=/), page.locator('.nakano-chart-save button[type="submit"]').click()]);
    const views = await api('resource_view_list', { id: RESOURCE });
    const saved = views.find((v) => v.view_type === 'nakano_chart_view');
    expect(saved && saved.title === '町丁目別のAED（上位10）', `no saved chart view: ${JSON.stringify(views.map((v) => v.view_type))}`);
    expect(JSON.stringify(await chartTable()) === JSON.stringify(TOP), 'the saved view shows other numbers');
    return await axe('saved-view');
  });
});
