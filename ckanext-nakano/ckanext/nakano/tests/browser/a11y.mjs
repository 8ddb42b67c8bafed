// Accessibility: axe-core (WCAG 2.0/2.1 A and AA rules) on the key pages in Japanese and in
// English, and a keyboard check of the home page. PAGES (set by test_browser.py) names the pages.
import {
  scenario, api, expect, waitForDatastore, localePath, axeRun, settle,
} from './lib.mjs';

const LANGS = (process.env.LANGS || 'ja,en').split(',');
const QUERY = '公園';

const PATHS = {
  home: () => '/',
  search: () => `/dataset/?q=${encodeURIComponent(QUERY)}`,
  dataset: (c) => `/dataset/${c.dataset}`,
  resource: (c) => `/dataset/${c.dataset}/resource/${c.resource}`,
  metrics: () => '/metrics',
  organization: (c) => `/organization/${c.org}`,
  department: (c) => `/metrics/department/${c.org}`,
  login: () => '/user/login',
  about: () => '/about',
  developers: () => '/developers',
  showcase: () => '/showcase',
  reuse: (c) => `/showcase/${c.reuse}`,
  requests: () => '/request',
  request: (c) => `/request/${c.request}`,
  request_form: () => '/request/new',
  analysis: () => '/analysis',
  analysis_standard: () => '/analysis/aed?per_1000=1',
};
const PAGES = (process.env.PAGES || Object.keys(PATHS).join(',')).split(',');

/** What has the keyboard focus, and whether a sighted user can see it. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return { tag: el ? el.tagName : null, body: true };
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    const href = el.getAttribute('href') || '';
    const navLinks = [...document.querySelectorAll('header nav a[href], nav a[href], [role="navigation"] a[href]')]
      .filter((a) => a.offsetParent !== null);
    return {
      tag: el.tagName,
      text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 80),
      href, id: el.id, name: el.getAttribute('name'),
      visible: r.width > 1 && r.height > 1 && cs.visibility !== 'hidden' && cs.opacity !== '0'
        && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth
        && cs.clip !== 'rect(0px, 0px, 0px, 0px)' && cs.clipPath !== 'inset(50%)',
      skip: href.startsWith('#') && href.length > 1 && !!document.getElementById(href.slice(1)),
      firstNavLink: navLinks.length > 0 && navLinks[0] === el,
      search: el.matches('input[name="q"], input[type="search"]'),
      indicator: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none',
    };
  });
}

function summarise(violation) {
  const target = (node) => node.target.map((t) => (Array.isArray(t) ? t.join(' ') : t)).join(' >>> ');
  return {
    id: violation.id, impact: violation.impact, help: violation.help, helpUrl: violation.helpUrl,
    nodes: violation.nodes.length,
    targets: violation.nodes.slice(0, 3).map(target),
    html: (violation.nodes[0] && violation.nodes[0].html || '').replace(/\s+/g, ' ').slice(0, 240),
    summary: (violation.nodes[0] && violation.nodes[0].failureSummary || '').split('\n').slice(0, 4).join(' '),
  };
}

await scenario('a11y', async (s) => {
  const { page } = s;
  s.result.axe = {};

  await s.step('keyboard: the first Tab on home focuses a visible skip link or the first navigation link', async () => {
    await s.open('/');
    await page.keyboard.press('Tab');
    const first = await focused(page);
    s.result.info.firstFocus = first;
    expect(!first.body, 'focus stays on <body> after Tab');
    expect(first.skip || first.firstNavLink, `the first focus is neither a skip link to an element of the page nor the first navigation link: ${JSON.stringify(first)}`);
    expect(first.visible, `the focused ${first.tag} "${first.text}" is not visible: ${JSON.stringify(first)}`);
    if (first.skip) {   // the skip link must lead on: Enter, then Tab lands inside its target
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      const inside = await page.evaluate((id) => document.getElementById(id).contains(document.activeElement), first.href.slice(1));
      expect(inside, `after Enter on the skip link ${first.href} the next Tab is not inside ${first.href}: ${JSON.stringify(await focused(page))}`);
    }
    return `${first.tag} "${first.text}" ${first.href}`;
  });

  await s.step('keyboard: the search box is reachable with Tab, shows its focus and searches', async () => {
    await s.open('/');
    const seen = [];
    let now;
    for (let i = 1; i <= 60; i += 1) {
      await page.keyboard.press('Tab');
      now = await focused(page);
      seen.push(`${now.tag}${now.id ? `#${now.id}` : ''} ${now.text || now.href || ''}`.trim());
      if (now.search) break;
    }
    expect(now.search, `no search box among the first 60 Tab stops: ${seen.join(' → ')}`);
    expect(now.visible, `the focused search box is not visible: ${JSON.stringify(now)}`);
    expect(now.indicator, `the focused search box has no visible focus indicator (outline / box-shadow): ${JSON.stringify(now)}`);
    await page.keyboard.type(QUERY);
    await Promise.all([page.waitForURL((url) => url.searchParams.get('q') === QUERY), page.keyboard.press('Enter')]);
    return `reached after ${seen.length} Tab presses (#${now.id || now.name})`;
  });

  // A dataset of the search with a CSV loaded in the DataStore: its resource page has the preview.
  const found = await api('package_search', { q: QUERY, rows: 20 });
  const dataset = found.results.find((d) => d.resources.some((r) => r.url_type === 'upload' && (r.format || '').toUpperCase() === 'CSV'));
  expect(dataset, `no result of ${QUERY} with an uploaded CSV (demo data not loaded?)`);
  const resource = dataset.resources.find((r) => r.url_type === 'upload' && (r.format || '').toUpperCase() === 'CSV');
  const context = { dataset: dataset.name, resource: resource.id, org: dataset.organization.name };
  // A published demo reuse and a listed demo request with an answer in its history (「（例）」 in
  // their titles: demo/submissions.yaml), as a visitor finds them.
  const example = (title) => title.startsWith('（例）');
  if (PAGES.includes('reuse')) {
    context.reuse = await s.step('a published demo reuse (nakano_showcase_list)', async () => {
      const found = (await api('nakano_showcase_list', { limit: 100 })).results.find((r) => example(r.title));
      expect(found, 'no published demo reuse (demo/submissions.yaml not loaded?)');
      return found.name;
    });
  }
  if (PAGES.includes('request')) {
    context.request = await s.step('a listed demo request with history (nakano_request_list)', async () => {
      const found = (await api('nakano_request_list', { status: 'planned', limit: 100 })).results.find((r) => example(r.title));
      expect(found, 'no listed demo request answered 公開予定 (demo/submissions.yaml not loaded?)');
      const shown = await api('nakano_request_show', { id: String(found.id) });
      expect((shown.history || []).length >= 2, `demo request #${found.id} has no answer in its history`);
      return String(found.id);
    });
  }
  s.result.info.pages = context;
  await s.step('the preview of the resource page is loaded (DataStore)', () => waitForDatastore(resource.id).then(() => resource.id));

  for (const key of PAGES) {
    expect(PATHS[key], `unknown page ${key}`);
    for (const lang of LANGS) {
      const url = localePath(lang, PATHS[key](context));
      const name = `${key}-${lang}`;
      s.result.axe[name] = { url };
      await s.step(`axe ${name} ${url}: no WCAG 2.1 A/AA violation`, async () => {
        await s.open(url);
        await settle(page);
        await s.shot(name);
        const results = await axeRun(page, { saveAs: name });
        const violations = results.violations.map(summarise);
        Object.assign(s.result.axe[name], { violations, passes: results.passes.length, incomplete: results.incomplete.map((r) => r.id) });
        expect(!violations.length, `${violations.length} violations: ${violations.map((v) => `${v.id} (${v.impact}, ${v.nodes})`).join(', ')}`);
        return `${results.passes.length} rules pass`;
      }, { shot: false });   // the page's screenshot is ${name}.png
      if (!s.result.axe[name].violations) s.result.axe[name].error = s.result.checks.at(-1).detail;
    }
  }
});
