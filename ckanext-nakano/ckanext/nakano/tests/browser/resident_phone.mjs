// A resident on a phone (360 × 740, touch): searches as people type — kana readings, half-width
// katakana, another word for the same thing —, gets a way on when nothing is found, opens the AED
// dataset (where it applies: 対象地域 named and drawn), its resource page (title, then the big
// Excel download, then the preview), and downloads the file under its Japanese name. axe-core at
// phone size on every page walked; no page scrolls sideways.
import fs from 'node:fs';
import path from 'node:path';
import {
  scenario, api, expect, poll, waitForDatastore, mainText, searchBox, settle, axeRun, axeLines, ARTIFACTS,
} from './lib.mjs';

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const AED = 't131148d0000000013';    // AED設置箇所一覧 of the demo catalog, with a real CSV attached
// What is typed → a word every listed result's title must hold for at least one of them.
const SEARCHES = [
  ['こうえん', '公園'], ['ｺｳｴﾝ', '公園'], ['ひなんじょ', '避難'], ['避難場所', '避難'], ['えーいーでぃー', 'AED'],
];
const NOTHING = 'ずんだもちの売店';

await scenario('resident_phone', async (s) => {
  const context = await s.newContext(PHONE);
  const page = await context.newPage();
  s.page = page;

  async function noSideways(what) {
    const wide = await page.evaluate(() => document.scrollingElement.scrollWidth);
    expect(wide <= 360 + 1, `${what} scrolls sideways on a 360 px phone: ${wide} px wide`);
  }

  async function axe(name) {
    await settle(page);
    const lines = axeLines(await axeRun(page, { saveAs: `phone-${name}` }));
    expect(!lines.length, `axe at 360 px on ${name}: ${lines.join('; ')}`);
  }

  for (const [typed, meant] of SEARCHES) {
    await s.step(`types 「${typed}」 in the search box → datasets of 「${meant}」`, async () => {
      await s.open('/');
      const box = await searchBox(page);
      await box.fill(typed);
      await Promise.all([page.waitForURL((url) => url.searchParams.get('q') === typed), box.press('Enter')]);
      const titles = await page.locator('.dataset-heading a:visible, .dataset-item h2 a:visible, .dataset-item h3 a:visible').allInnerTexts();
      expect(titles.length, `no result shown for ${typed}; the page says ${JSON.stringify((await mainText(page)).slice(0, 200))}`);
      expect(titles.some((t) => t.includes(meant)), `no result title with ${meant} among ${JSON.stringify(titles.slice(0, 8))}`);
      await noSideways(`the results of ${typed}`);
      if (typed === SEARCHES[0][0]) {
        await s.shot('phone-1-search');
        await axe('search');
      }
      return `${titles.length} shown, first 「${titles[0]}」`;
    });
  }

  await s.step(`「${NOTHING}」 finds nothing: the page offers categories and other datasets`, async () => {
    await s.open(`/dataset/?q=${encodeURIComponent(NOTHING)}`);
    const zero = page.locator('.nakano-zero-results');
    await zero.waitFor({ state: 'visible' });
    const categories = await zero.locator('.nakano-category-links a').count();
    const others = await zero.locator('.nakano-home-list a').count();
    expect(categories >= 5, `${categories} category links`);
    expect(others >= 1, 'neither 「もしかして」 nor most viewed / recent datasets are offered');
    await noSideways('the zero-result page');
    await s.shot('phone-2-nothing-found');
    await axe('zero-results');
    return `${categories} categories, ${others} datasets offered`;
  });

  const dataset = await api('package_show', { id: AED });
  const resource = dataset.resources.find((r) => r.url_type === 'upload' && (r.format || '').toUpperCase() === 'CSV');
  s.check('the AED dataset has an uploaded CSV (demo data)', resource, dataset.resources.map((r) => r.url));
  if (!resource) return;

  await s.step('the dataset page names 対象地域 and draws where it is, in the phone\'s width', async () => {
    await s.open(`/dataset/${AED}`);
    const drawing = page.locator('svg.nakano-area-map');
    await drawing.scrollIntoViewIfNeeded();
    const box = await drawing.boundingBox();
    expect(box && box.width > 100 && box.height > 100, `the area drawing is ${JSON.stringify(box)}`);
    expect(box.x >= 0 && box.x + box.width <= 360, `the drawing goes past the screen: ${JSON.stringify(box)}`);
    const label = await drawing.locator('title').textContent();
    const areas = (dataset.spatial_coverage || []).map((a) => a.text);
    expect(areas.every((a) => label.includes(a)), `the drawing's title ${JSON.stringify(label)} lacks ${areas}`);
    await noSideways('the dataset page');
    await s.shot('phone-3-dataset');
    await axe('dataset');
    return `${Math.round(box.width)}×${Math.round(box.height)} px: ${label}`;
  });

  await s.step('the resource page opens on the title, then the Excel download, then the preview', async () => {
    await waitForDatastore(resource.id);
    await s.open(`/dataset/${AED}/resource/${resource.id}`);
    const top = async (selector) => page.locator(selector).first().evaluate((e) => e.getBoundingClientRect().top + window.scrollY);
    const title = await top('h1');
    const button = await top('a.nakano-download-primary');
    const preview = await poll(() => page.locator('iframe').count(), { what: 'the preview iframe' }).then(() => top('iframe'));
    expect(title < button && button < preview, `title at ${title}, download at ${button}, preview at ${preview}`);
    expect(button < 740 * 1.5, `the download button is ${Math.round(button)} px down the page`);
    await noSideways('the resource page');
    await s.shot('phone-4-resource');
    await axe('resource');
    return `title ${Math.round(title)} px, download ${Math.round(button)} px, preview ${Math.round(preview)} px`;
  });

  await s.step('the big button downloads the Excel CSV under the file\'s Japanese name', async () => {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }),
      page.locator('a.nakano-download-primary').first().click()]);
    const name = download.suggestedFilename();
    const file = path.join(ARTIFACTS, `phone-${name}`);
    await download.saveAs(file);
    const bytes = fs.readFileSync(file);
    expect(/[\u3040-\u30ff\u4e00-\u9fff]/.test(name) && name.endsWith('.csv'), `downloaded as ${name}`);
    expect(!/[0-9a-f]{8}-[0-9a-f]{4}/.test(name), `the name is an id: ${name}`);
    expect(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf, 'no UTF-8 BOM: Excel would not read it as UTF-8');
    const header = bytes.toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0];
    expect(!header.split(',').includes('_id'), `the internal _id column is in ${header}`);
    return `${name}: ${bytes.length} bytes`;
  });

  for (const list of ['/request', '/showcase', '/inventory']) {
    await s.step(`${list}: the list's heading and search come before its filters on a phone`, async () => {
      await s.open(list);
      const heading = await page.locator('.primary h1').first().boundingBox();
      const filters = await page.locator('.secondary').first().boundingBox();
      expect(heading && filters, `${list}: no heading or no filters`);
      expect(heading.y < filters.y, `${list}: the filters (y ${filters.y}) come before the heading (y ${heading.y})`);
      await noSideways(list);
      return `heading at ${Math.round(heading.y)} px, filters at ${Math.round(filters.y)} px`;
    });
  }

  s.check('no uncaught JavaScript error on the way', !s.result.pageErrors.length, s.result.pageErrors);
});
