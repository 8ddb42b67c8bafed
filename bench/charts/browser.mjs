// bench/charts: the builder page's first visit (bytes, first contentful paint = the chart, drawn
// on the server) and DuckDB-Wasm computing the same numbers in the page. Prints one JSON line.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = await import(path.join(ROOT, 'node_modules', 'playwright-core', 'index.mjs'));
const builders = JSON.parse(process.env.BUILDER_URLS);
const names = JSON.parse(process.env.CSV_NAMES);
const rounds = Number(process.env.ROUNDS || 3);

async function measured(browser, url, body) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let bytes = 0;
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
  const started = Date.now();
  await page.goto(url, { waitUntil: 'load', timeout: 600000 });
  const found = await body(page);
  const result = { ...found, bytes, wallMs: Date.now() - started };
  await context.close();
  return result;
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
const out = { builder: {}, duckdb: {} };
for (const [name, url] of Object.entries(builders)) {
  out.builder[name] = [];
  for (let i = 0; i < rounds; i += 1) {
    out.builder[name].push(await measured(browser, url, async (page) => {
      await page.locator('.nakano-chart-drawing svg').waitFor();
      return page.evaluate(() => ({
        fcpMs: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,
        responseEndMs: performance.getEntriesByType('navigation')[0].responseEnd,
        bars: document.querySelectorAll('.nakano-chart-drawing svg rect title').length,
      }));
    }));
  }
}
for (const name of names) {
  out.duckdb[name] = [];
  for (let i = 0; i < rounds; i += 1) {
    out.duckdb[name].push(await measured(browser, process.env.DUCKDB_URL, async (page) => {
      await page.waitForFunction(() => window.ready === true);
      return page.evaluate((n) => window.run(n), name);
    }));
  }
}
await browser.close();
console.log(JSON.stringify(out));
