// Shared harness of the real-browser scenarios (run by test_browser.py with `node`).
//
// A scenario gets one headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core from the repository's node_modules), records named checks
// instead of stopping at the first one that fails, saves screenshots under
// ARTIFACTS, and prints one line `NAKANO-BROWSER-RESULT {json}` that pytest
// parses. Requests to any other origin than the portal are aborted (there is no
// internet here, and the portal must not need any) and listed in the result.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
// ckanext-nakano/ckanext/nakano/tests/browser -> repository root
export const ROOT = process.env.NAKANO_ROOT || path.resolve(HERE, '..', '..', '..', '..', '..');
const MARK = 'NAKANO-BROWSER-RESULT ';

function bail(message) {
  process.stdout.write(MARK + JSON.stringify({ fatal: message, checks: [] }) + '\n');
  process.exit(2);
}

const rootRequire = createRequire(path.join(ROOT, 'package.json'));
let playwright;
let axePath;
try {
  playwright = rootRequire('playwright-core');
  axePath = rootRequire.resolve('axe-core/axe.min.js');
} catch (error) {
  bail(`cannot load playwright-core / axe-core from ${ROOT}/node_modules (run scripts/install.sh): ${error.message}`);
}
export const AXE_PATH = axePath;
const AXE_SOURCE = fs.readFileSync(axePath, 'utf8');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export const BASE_URL = (process.env.BASE_URL || '').replace(/\/+$/, '');
if (!BASE_URL) bail('BASE_URL is not set');
export const ORIGIN = new URL(BASE_URL).origin;
export const ARTIFACTS = process.env.ARTIFACTS || path.join(ROOT, '.local', 'test-artifacts', 'browser');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const DATASTORE_TIMEOUT = Number(process.env.DATASTORE_TIMEOUT || 480) * 1000;
fs.mkdirSync(ARTIFACTS, { recursive: true });

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Throws (fails the current step) with `message` unless `ok`. */
export function expect(ok, message) {
  if (!ok) throw new Error(message);
}

/** Calls `probe` until it returns something truthy; throws with `what` and the last value after `timeout` ms. */
export async function poll(probe, { timeout = 15000, interval = 500, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (error) {
      last = `error: ${error.message.split('\n')[0]}`;
    }
    if (Date.now() > end) throw new Error(`timed out after ${Math.round(timeout / 1000)} s waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(interval);
  }
}

/** CKAN action API call (anonymous unless a token is given); returns `result` or throws. */
export async function api(action, params = {}, { token, method } = {}) {
  const verb = method || (Object.keys(params).length && /(create|update|patch|delete|purge)$/.test(action) ? 'POST' : 'GET');
  let url = `${BASE_URL}/api/3/action/${action}`;
  const init = { method: verb, headers: token ? { Authorization: token } : {} };
  if (verb === 'GET') {
    const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    if ([...query].length) url += `?${query}`;
  } else {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(params);
  }
  const response = await fetch(url, init);
  const body = await response.json().catch(() => ({}));
  if (!body.success) throw new Error(`${action} ${JSON.stringify(params)}: HTTP ${response.status} ${JSON.stringify(body.error || body).slice(0, 300)}`);
  return body.result;
}

/** Waits until xloader has loaded the resource into the DataStore (datastore_active), then returns the resource. */
export async function waitForDatastore(resourceId, timeout = DATASTORE_TIMEOUT) {
  return poll(async () => {
    const resource = await api('resource_show', { id: resourceId });
    return resource.datastore_active ? resource : null;
  }, { timeout, interval: 2000, what: `the DataStore load of resource ${resourceId} (xloader job on the portal's worker)` });
}

/** A view of a resource: xloader marks the resource datastore_active before it
 * has copied every row and its callback has made the default views. */
export async function waitForView(resourceId, viewType, timeout = DATASTORE_TIMEOUT) {
  let views = [];
  const view = await poll(async () => {
    views = await api('resource_view_list', { id: resourceId });
    return views.find((v) => v.view_type === viewType) || null;
  }, { timeout, interval: 2000, what: `the ${viewType} of resource ${resourceId} (made by the xloader job's callback)` })
    .catch(() => null);
  return { view, views };
}

/** `/en` prefix for English pages (CKAN's locale URLs), nothing for Japanese (the default locale). */
export const localePath = (lang, pathname) => (lang === 'ja' ? pathname : `/${lang}${pathname}`);

function short(error) {
  return String(error && error.message ? error.message : error).split('\n').filter((l) => l.trim()).slice(0, 6).join(' | ');
}

class Stop extends Error {}

export class Scenario {
  constructor(name, result, browser) {
    this.name = name;
    this.result = result;
    this.browser = browser;
    this.failures = 0;
  }

  /** A browser context as a resident in Tokyo would have it, other origins blocked. `{ cache: true }`
   * keeps the browser's HTTP cache, which Playwright turns off when it routes requests: other
   * origins are then only listed (there is no internet here to reach them). */
  async newContext(options = {}, { cache = false } = {}) {
    const context = await this.browser.newContext({
      locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 },
      acceptDownloads: true, ...options,
    });
    const other = (url) => url.origin !== ORIGIN && !['data:', 'blob:'].includes(url.protocol);
    const record = (url) => {
      const seen = this.result.blocked[url.origin] || (this.result.blocked[url.origin] = { requests: 0, first: [] });
      seen.requests += 1;
      if (seen.first.length < 3) seen.first.push(url.href);
    };
    if (cache) {
      context.on('request', (request) => {
        const url = new URL(request.url());
        if (other(url)) record(url);
      });
    } else {
      await context.route(other, (route) => {
        record(new URL(route.request().url()));
        return route.abort('internetdisconnected');
      });
    }
    // Every page of every scenario is also a CSP check: a blocked inline script,
    // handler, eval or other-origin load is a violation the test reports.
    await context.exposeBinding('__nakanoCspViolation', ({ frame }, violation) => {
      const list = this.result.cspViolations;
      const key = `${violation.directive} ${violation.blocked} ${violation.source}:${violation.line}`;
      if (!list.some((v) => v.key === key) && list.length < 30) list.push({ key, url: frame.url(), ...violation });
    });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__nakanoCspViolation({ directive: e.violatedDirective, blocked: e.blockedURI,
          source: e.sourceFile, line: e.lineNumber, sample: e.sample });
      });
    });
    context.on('page', (page) => this.watch(page));
    context.setDefaultTimeout(15000);
    context.setDefaultNavigationTimeout(60000);
    return context;
  }

  watch(page) {
    page.on('pageerror', (error) => {
      if (this.result.pageErrors.length < 30) this.result.pageErrors.push({ url: page.url(), message: short(error) });
    });
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text().slice(0, 300);
      const known = this.result.consoleErrors.find((e) => e.message === text);
      if (known) known.times += 1;
      else if (this.result.consoleErrors.length < 30) this.result.consoleErrors.push({ url: page.url(), message: text, times: 1 });
    });
  }

  /** Records a check without stopping. */
  check(name, ok, detail) {
    this.result.checks.push({ name, ok: !!ok, ...(detail === undefined ? {} : { detail }) });
    if (!ok) this.failures += 1;
    return !!ok;
  }

  /** Runs `body`; a throw is recorded as a failed check (with a screenshot of the page). A failed
   * `hard` step stops the scenario: what follows depends on it. Returns the value of `body`. */
  async step(name, body, { hard = false, page = this.page, shot = true } = {}) {
    const started = Date.now();
    try {
      const value = await body();
      this.result.checks.push({ name, ok: true, seconds: (Date.now() - started) / 1000,
        ...(typeof value === 'string' ? { detail: value } : {}) });
      return value;
    } catch (error) {
      if (error instanceof Stop) throw error;
      this.failures += 1;
      const check = { name, ok: false, detail: short(error), seconds: (Date.now() - started) / 1000 };
      if (page && !page.isClosed()) check.url = page.url();
      if (shot && page && !page.isClosed()) {
        check.screenshot = await this.shot(`FAILED-${this.name}-${this.failures}`, page).catch(() => undefined);
      }
      this.result.checks.push(check);
      if (hard) throw new Stop(name);
      return undefined;
    }
  }

  /** Full-page PNG under ARTIFACTS; returns its path. */
  async shot(name, page = this.page) {
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: 20000 });
    this.result.screenshots.push(file);
    return file;
  }

  /** Opens a path of the portal; fails unless HTTP 200. */
  async open(pathname, page = this.page) {
    const response = await page.goto(BASE_URL + pathname, { waitUntil: 'load' });
    expect(response, `no response for ${pathname}`);
    expect(response.status() === 200, `${pathname} answered HTTP ${response.status()}`);
    return response;
  }

  saveJSON(name, data) {
    const file = path.join(ARTIFACTS, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(data, null, 2));
    return file;
  }
}

/** Runs a scenario in one Chromium and prints its result line. `body(s)` gets a Scenario with `s.page`. */
export async function scenario(name, body) {
  const result = { scenario: name, checks: [], info: {}, screenshots: [], blocked: {}, pageErrors: [], consoleErrors: [],
    cspViolations: [] };
  const started = Date.now();
  let browser;
  try {
    browser = await playwright.chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    result.info.chromium = browser.version();
    const s = new Scenario(name, result, browser);
    s.context = await s.newContext();
    s.page = await s.context.newPage();
    await body(s);
  } catch (error) {
    if (!(error instanceof Stop)) result.fatal = String(error && error.stack ? error.stack : error).slice(0, 2000);
    else result.stopped = error.message;
  } finally {
    result.seconds = (Date.now() - started) / 1000;
    if (browser) await browser.close().catch(() => {});
    process.stdout.write(MARK + JSON.stringify(result) + '\n');
  }
}

/** Visible text of the page's main region (role=main / <main> / #content), or of <body>. */
export async function mainText(page) {
  return page.evaluate(() => {
    const main = document.querySelector('main, [role="main"], #content') || document.body;
    return main.innerText;
  });
}

/** The search box a resident would use: the one in the main content if there is one, else the header's. */
export async function searchBox(page) {
  for (const selector of ['main input[name="q"]', '[role="main"] input[name="q"]', '#content input[name="q"]', 'input[name="q"]']) {
    const box = page.locator(`${selector}:visible`).first();
    if (await box.count()) return box;
  }
  throw new Error('no visible search box (input[name="q"]) on the page');
}

/** Chooses `label` in a <select>, through its select2 widget when CKAN replaced it by one. */
export async function choose(page, selectSelector, label) {
  const select = page.locator(selectSelector);
  await select.waitFor({ state: 'attached' });
  // A select with a data-module is turned into a select2 widget by CKAN's module loader after the
  // page's scripts run; deciding before that races the loader (it hid the select mid-action on a
  // slow CI run). Wait until the widget exists, or give up waiting and use the plain select.
  if (await select.getAttribute('data-module')) {
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.classList.contains('select2-hidden-accessible'),
      selectSelector, { timeout: 10000 }).catch(() => {});
  }
  const enhanced = await select.evaluate((el) => el.classList.contains('select2-hidden-accessible'));
  if (enhanced) {
    const widget = page.locator(`${selectSelector} + .select2-container .select2-selection`);
    await widget.click();
    const option = page.locator('.select2-results__option', { hasText: label }).first();
    await option.click();
  } else {
    await select.selectOption({ label });
  }
  const chosen = await select.evaluate((el) => [...el.selectedOptions].map((o) => o.textContent.trim()));
  expect(chosen.some((text) => text.includes(label)), `${selectSelector}: chose ${JSON.stringify(label)}, the form has ${JSON.stringify(chosen)}`);
}

/** axe-core's WCAG 2.1 A/AA rules on the page and its frames (evaluated, not added as a <script>:
 * the portal's CSP refuses inline scripts). Returns axe's results; `saveAs` keeps them under ARTIFACTS. */
export async function axeRun(page, { saveAs, iframes = true } = {}) {
  for (const frame of iframes ? page.frames() : [page.mainFrame()]) await frame.evaluate(AXE_SOURCE).catch(() => {});
  const results = await page.evaluate((options) => window.axe.run(document, options),
    { runOnly: { type: 'tag', values: AXE_TAGS }, iframes });
  if (saveAs) fs.writeFileSync(path.join(ARTIFACTS, `axe-${saveAs}.json`), JSON.stringify(results, null, 2));
  return results;
}

/** One line per violation: rule, impact, the first elements. */
export function axeLines(results) {
  return results.violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length}): ${v.nodes.slice(0, 2)
    .map((n) => `${n.target.join(' ')} ${(n.html || '').replace(/\s+/g, ' ').slice(0, 120)}`).join(' | ')}`);
}

/** Waits for the page and its iframes (table and map previews) to settle. */
export async function settle(page) {
  await page.waitForLoadState('networkidle', { timeout: 10000 }).catch(() => {});
  for (const frame of page.frames()) await frame.waitForLoadState('load', { timeout: 10000 }).catch(() => {});
  // DataTables fills its table by XHR; give it the time to draw its rows.
  for (const frame of page.frames()) {
    if (await frame.locator('table.dataTable, table[data-module="datatables_view"]').count().catch(() => 0)) {
      await poll(() => frame.locator('table tbody tr td').count(), { timeout: 15000, what: 'rows of the table preview' }).catch(() => {});
    }
  }
}
