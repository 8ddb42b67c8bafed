// Resident: home → search in Japanese → results → dataset → CSV resource → table preview
// (datatables_view, rows from the DataStore) → download of the CSV.
import fs from 'node:fs';
import path from 'node:path';
import {
  scenario, api, expect, poll, waitForDatastore, waitForView, mainText, searchBox, ARTIFACTS, BASE_URL,
} from './lib.mjs';

const FIRST_QUERY = '予防接種';
const QUERY = '公園';

/** Types `query` into the search box and submits it with Enter, as a resident does. */
async function search(s, query) {
  const { page } = s;
  const box = await searchBox(page);
  await box.fill(query);
  await Promise.all([page.waitForURL((url) => url.pathname.endsWith('/dataset/') && url.searchParams.get('q') === query), box.press('Enter')]);
  const found = await api('package_search', { q: query, rows: 20 });
  expect(found.count > 0, `the API finds nothing for ${query}: demo catalog not loaded?`);
  const text = await mainText(page);
  const shown = new RegExp(`(^|[^0-9０-９])${found.count}\\s*(件|datasets?\\b|データセット)`).test(text);
  expect(shown, `the results page does not say how many datasets were found (${found.count} expected, e.g. "${found.count}件" or "${found.count} datasets"); main text starts: ${JSON.stringify(text.slice(0, 300))}`);
  const missing = [];
  for (const dataset of found.results) {
    if (!(await page.locator(`a[href$="/dataset/${dataset.name}"]:visible`).count())) missing.push(`${dataset.name} ${dataset.title}`);
  }
  expect(!missing.length, `results the API finds but the page does not link: ${missing.join(', ')}`);
  return `${found.count} datasets shown for ${query}`;
}

await scenario('resident', async (s) => {
  const { page } = s;
  await s.step('home page opens, in Japanese', async () => {
    await s.open('/');
    const lang = await page.getAttribute('html', 'lang');
    expect(lang === 'ja', `<html lang="${lang}">, expected "ja"`);
    await s.shot('resident-1-home-ja');
  }, { hard: true });

  await s.step(`search box on home: ${FIRST_QUERY} → result count and every result shown`, () => search(s, FIRST_QUERY));
  await s.step(`search again from the results page: ${QUERY}`, async () => {
    if (!page.url().includes('/dataset/')) await s.open(`/dataset/?q=${encodeURIComponent(FIRST_QUERY)}`);
    const said = await search(s, QUERY);
    await s.shot('resident-2-search-ja');
    return said;
  });

  // The first result of the search with an uploaded CSV (the demo attaches real municipal files).
  const found = await api('package_search', { q: QUERY, rows: 20 });
  let target;
  for (const dataset of found.results) {
    const csv = dataset.resources.find((r) => r.url_type === 'upload' && (r.format || '').toUpperCase() === 'CSV');
    if (csv) { target = { dataset, resource: csv }; break; }
  }
  s.check(`a result of ${QUERY} has an uploaded CSV (demo data)`, target, target ? `${target.dataset.name} / ${target.resource.name}` : found.results.map((d) => d.name));
  if (!target) return;
  const { dataset, resource } = target;
  s.result.info.dataset = dataset.name;
  s.result.info.resource = resource.id;

  await s.step('open the dataset from the results', async () => {
    if (!page.url().includes(`q=${encodeURIComponent(QUERY)}`)) await s.open(`/dataset/?q=${encodeURIComponent(QUERY)}`);
    const link = page.locator(`a[href$="/dataset/${dataset.name}"]:visible`).first();
    await Promise.all([page.waitForURL((url) => url.pathname.endsWith(`/dataset/${dataset.name}`)), link.click()]);
    const heading = await page.locator('h1').allInnerTexts();
    expect(heading.some((h) => h.includes(dataset.title)), `no <h1> with the title ${dataset.title}: ${JSON.stringify(heading)}`);
    await s.shot('resident-3-dataset-ja');
  }, { hard: true });

  await s.step('open the CSV resource page from the dataset page', async () => {
    const link = page.locator(`a[href*="/resource/${resource.id}"]:visible`).first();
    await Promise.all([page.waitForURL((url) => url.pathname.endsWith(`/resource/${resource.id}`)), link.click()]);
  }, { hard: true });

  await s.step('table preview (datatables_view) shows the rows of the DataStore', async () => {
    await waitForDatastore(resource.id);
    const { view: table, views } = await waitForView(resource.id, 'datatables_view');
    expect(table, `no datatables_view on the resource; views: ${JSON.stringify(views.map((v) => v.view_type))}`);
    await page.reload();
    const shown = () => page.frames().find((f) => f.url().includes(`/view/${table.id}`));
    if (!shown()) {   // another view (e.g. the map) is first: choose the table view, as a resident does
      const tab = page.locator(`a[href*="view_id=${table.id}"]:visible`).first();
      expect(await tab.count(), `the table view is neither shown nor offered as a view link on the resource page (views: ${views.map((v) => v.title).join(', ')})`);
      await Promise.all([page.waitForURL((url) => url.searchParams.get('view_id') === table.id), tab.click()]);
    }
    const frame = await poll(shown, { what: `the iframe of the table view /view/${table.id}` });
    const records = (await api('datastore_search', { resource_id: resource.id, limit: 1 }));
    const sample = Object.entries(records.records[0]).find(([k, v]) => k !== '_id' && typeof v === 'string' && v.trim().length > 1);
    const rows = await poll(async () => {
      const cells = await frame.locator('table tbody tr td').allInnerTexts();
      const text = cells.join('\n');
      return cells.length > 1 && (!sample || text.includes(sample[1].trim())) ? frame.locator('table tbody tr').count() : null;
    }, { timeout: 30000, what: `rows in the table preview (first DataStore record, ${sample ? `${sample[0]}=${sample[1]}` : 'any'})` });
    await s.shot('resident-4-preview-ja');
    return `${rows} rows shown of ${records.total}`;
  });

  await s.step('download the CSV from the resource page (UTF-8, not empty)', async () => {
    if (!page.url().includes(`/resource/${resource.id}`)) await s.open(`/dataset/${dataset.name}/resource/${resource.id}`);
    const current = await api('resource_show', { id: resource.id });
    const link = page.locator(`a[href="${current.url}"]:visible`).first();
    expect(await link.count(), `no visible link to the file ${current.url} on the resource page`);
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 20000 }).catch(() => { throw new Error(`clicking the link to ${current.url} started no download (page is at ${page.url()})`); }),
      link.click(),
    ]);
    const file = path.join(ARTIFACTS, `resident-download-${download.suggestedFilename()}`);
    await download.saveAs(file);
    const bytes = fs.readFileSync(file);
    expect(bytes.length > 0, 'the downloaded file is empty');
    if (current.size) expect(bytes.length === Number(current.size), `downloaded ${bytes.length} bytes, the resource says ${current.size}`);
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new Error(`the downloaded ${download.suggestedFilename()} is not valid UTF-8`);
    }
    const fields = (await api('datastore_search', { resource_id: resource.id, limit: 0 })).fields.map((f) => f.id).filter((f) => f !== '_id');
    const header = text.replace(/^\uFEFF/, '').split(/\r?\n/)[0];
    expect(fields.slice(0, 3).every((f) => header.includes(f)), `first line ${JSON.stringify(header.slice(0, 200))} lacks the columns ${fields.slice(0, 3)}`);
    return `${download.suggestedFilename()}: ${bytes.length} bytes, UTF-8, header ${header.slice(0, 60)}…`;
  });

  s.check('no uncaught JavaScript error on the way', !s.result.pageErrors.length, s.result.pageErrors);
  s.result.info.base = BASE_URL;
});
