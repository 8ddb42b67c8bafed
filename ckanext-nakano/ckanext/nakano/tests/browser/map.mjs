// Map preview: a CSV of points (名称,緯度,経度) uploaded by test_browser.py through the API;
// its resource page must show a Leaflet map (nakano_map_view) with one circle marker per
// point, and the table of points, although no map tile can load (no internet here).
import {
  scenario, api, expect, poll, waitForDatastore, waitForView, ORIGIN, axeRun, axeLines, settle,
} from './lib.mjs';

const DATASET = process.env.DATASET_NAME;
const RESOURCE = process.env.RESOURCE_ID;
const POINTS = Number(process.env.EXPECTED_POINTS);
const NAMES = JSON.parse(process.env.SAMPLE_NAMES || '[]');

await scenario('map', async (s) => {
  const { page } = s;
  expect(DATASET && RESOURCE && POINTS, 'DATASET_NAME, RESOURCE_ID and EXPECTED_POINTS must be set');

  await s.step(`the CSV is loaded into the DataStore (${POINTS} rows)`, async () => {
    await waitForDatastore(RESOURCE);
    const { total } = await api('datastore_search', { resource_id: RESOURCE, limit: 0 });
    expect(total === POINTS, `DataStore has ${total} rows, the CSV ${POINTS}`);
  }, { hard: true });

  const { views } = await waitForView(RESOURCE, 'nakano_map_view');
  s.result.info.views = views.map((v) => `${v.view_type}: ${v.title}`);
  s.check('the resource has a nakano_map_view (created for a CSV with 緯度/経度)', views.some((v) => v.view_type === 'nakano_map_view'),
    `views: ${JSON.stringify(s.result.info.views)}`);

  await s.open(`/dataset/${DATASET}/resource/${RESOURCE}`);
  const mapFrame = await s.step('the resource page shows a Leaflet map (.leaflet-container)', () => poll(async () => {
    for (const frame of page.frames()) {
      if (await frame.locator('.leaflet-container:visible').count().catch(() => 0)) return frame;
    }
    return null;
  }, { timeout: 20000, what: `a visible .leaflet-container in the page or its iframes (views: ${s.result.info.views.join('; ')})` }));
  if (mapFrame) {
    await s.step(`one circle marker per point (${POINTS} path.leaflet-interactive)`, async () => {
      let count;
      await poll(async () => (count = await mapFrame.locator('path.leaflet-interactive').count()) === POINTS,
        { timeout: 15000, what: `${POINTS} markers` }).catch(() => { throw new Error(`${count} markers (path.leaflet-interactive), expected ${POINTS}`); });
      return `${count} markers`;
    });
    await s.step('the table of points is shown while the map tiles cannot load', async () => {
      const tiles = Object.values(s.result.blocked).reduce((n, b) => n + b.requests, 0);
      s.result.info.blockedTileRequests = tiles;
      const table = mapFrame.locator('table', { hasText: NAMES[0] }).first();
      await table.waitFor({ state: 'visible', timeout: 15000 }).catch(() => { throw new Error(`no visible table listing ${NAMES[0]} next to the map`); });
      const text = await table.innerText();
      const missing = NAMES.filter((n) => !text.includes(n));
      expect(!missing.length, `the table lacks ${missing.join(', ')}`);
      const rows = await table.locator('tbody tr').count();
      expect(rows === POINTS, `the table has ${rows} rows, expected ${POINTS}`);
      expect(await mapFrame.locator('.leaflet-container:visible').count(), 'the map disappeared after the tiles failed');
      return `${rows} rows; ${tiles} outside requests (tiles) refused`;
    });
    await s.step('「現在地から近い順」 sorts the points by distance from the browser\'s position', async () => {
      // 中野区役所 (中野四丁目): the nearest town point is within a kilometre.
      await page.context().grantPermissions(['geolocation'], { origin: ORIGIN });
      await page.context().setGeolocation({ latitude: 35.7074, longitude: 139.6638 });
      const button = mapFrame.locator('#nakano-map-nearest');
      await button.waitFor({ state: 'visible', timeout: 10000 });
      await button.click();
      await poll(async () => (await mapFrame.locator('#nakano-map-nearest-status').innerText()).includes('近い順'),
        { timeout: 15000, what: 'the sorted status' });
      const metres = (await mapFrame.locator('td.nakano-map-distance').evaluateAll(
        (cells) => cells.map((c) => Number(c.dataset.metres))));
      expect(metres.length === POINTS, `${metres.length} distances, expected ${POINTS}`);
      expect(metres.every((m, i) => i === 0 || metres[i - 1] <= m), 'distances are not in ascending order');
      expect(metres[0] < 1000, `the nearest point is ${metres[0]} m away`);
      return `nearest ${metres[0]} m, farthest ${metres[metres.length - 1]} m`;
    });
    await s.step('on a 360 px phone the popup is readable: name first, values on a full line', async () => {
      await page.setViewportSize({ width: 360, height: 740 });
      await mapFrame.locator('path.leaflet-interactive').first().click({ force: true });
      const popup = mapFrame.locator('.leaflet-popup-content');
      await popup.waitFor({ state: 'visible', timeout: 10000 });
      const shape = await popup.evaluate((content) => ({
        width: content.getBoundingClientRect().width,
        first: (content.querySelector('.nakano-map-popup') || content).firstElementChild?.tagName,
        narrowest: Math.min(...Array.from(content.querySelectorAll('dd')).map((dd) => dd.getBoundingClientRect().width)),
      }));
      expect(shape.first === 'STRONG', `the popup starts with ${shape.first}, not the name`);
      expect(shape.width >= 200, `the popup is ${shape.width} px wide`);
      expect(shape.narrowest >= 150, `a value is only ${shape.narrowest} px wide (one digit per line)`);
      return `popup ${Math.round(shape.width)} px, values ≥ ${Math.round(shape.narrowest)} px`;
    });
    await s.step('on a phone the page opens on the file: its title and downloads above the sidebar and details', async () => {
      const top = await page.evaluate(() => ['.module-resource', 'aside.secondary', 'div.primary'].map(
        (selector) => { const e = document.querySelector(selector); return e ? e.getBoundingClientRect().top + window.scrollY : -1; }));
      expect(top[0] >= 0 && top[0] < top[1] && top[0] < top[2],
        `file block at ${top[0]}, sidebar at ${top[1]}, details at ${top[2]}`);
      return `file block ${Math.round(top[0])} px, sidebar ${Math.round(top[1])} px, details ${Math.round(top[2])} px`;
    });
    await s.step('axe-core: the map page at 360 px, popup open, has no WCAG 2.1 AA violation', async () => {
      await settle(page);
      const results = await axeRun(page, { saveAs: 'map-phone' });
      const violations = axeLines(results);
      expect(!violations.length, `${violations.length} axe violations: ${violations.join('; ')}`);
      return `${results.passes.length} rules pass, 0 violations`;
    });
  }
  await s.shot('map-ja').catch(() => {});
  s.check('no uncaught JavaScript error', !s.result.pageErrors.length, s.result.pageErrors);
});
