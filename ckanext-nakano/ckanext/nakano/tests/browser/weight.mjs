// Page weight as a resident's browser gets it, through nginx (BASE_URL is the
// portal's nginx): bytes transferred for the home page on a first visit (empty
// cache) and a second one (same browser), whether each text file came
// compressed, and first contentful paint of the pages visited. Also run by
// bench/web/weight.py, which reads the same result line.
import { scenario, expect } from './lib.mjs';

const FIRST_LIMIT = Number(process.env.FIRST_VISIT_LIMIT || 400 * 1024);
const SECOND_LIMIT = Number(process.env.SECOND_VISIT_LIMIT || 50 * 1024);
const PAGES = (process.env.WEIGHT_PAGES || '/,/dataset/,/about').split(',');
const TEXT = /(text\/|javascript|json|xml|svg)/;

/** Opens `pathname` in a new page of `context`; returns bytes on the wire (headers and bodies,
 * as Chromium counts them: 0 for what came from its cache), requests, files sent uncompressed, FCP. */
async function visit(s, context, pathname) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  const requests = new Map();
  cdp.on('Network.responseReceived', (e) => {
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    requests.set(e.requestId, { url: e.response.url, status: e.response.status, type: e.response.mimeType,
      encoding: headers['content-encoding'] || '', cached: e.response.fromDiskCache || e.response.fromPrefetchCache || false,
      headerBytes: e.response.encodedDataLength || 0 });
  });
  cdp.on('Network.requestServedFromCache', (e) => {
    const known = requests.get(e.requestId);
    if (known) known.cached = true;
  });
  cdp.on('Network.loadingFinished', (e) => {
    const known = requests.get(e.requestId) || { url: '?' };
    known.bytes = e.encodedDataLength;
    requests.set(e.requestId, known);
  });
  const response = await page.goto(new URL(pathname, s.base).href, { waitUntil: 'load' });
  expect(response && response.status() === 200, `${pathname} answered HTTP ${response && response.status()}`);
  await page.waitForLoadState('networkidle').catch(() => {});
  const fcp = await page.evaluate(() => {
    const entry = performance.getEntriesByName('first-contentful-paint')[0];
    return entry ? Math.round(entry.startTime) : null;
  });
  await page.close();
  // data: URLs (the inline icon font) travel inside their stylesheet: not counted twice.
  const list = [...requests.values()].filter((r) => r.bytes !== undefined && !r.url.startsWith('data:'));
  return {
    path: pathname,
    bytes: list.reduce((sum, r) => sum + (r.bytes || 0), 0),
    requests: list.length,
    fromNetwork: list.filter((r) => r.bytes > 0).length,
    fcpMs: fcp,
    // Bodies (bytes after the headers) under 1 KB are not worth compressing.
    uncompressed: list.filter((r) => TEXT.test(r.type || '') && !r.encoding && !r.cached && r.bytes - (r.headerBytes || 0) > 1024)
      .map((r) => `${r.url} (${r.type}, ${r.bytes} B)`),
    files: list.map((r) => ({ url: r.url.replace(s.base, ''), bytes: r.bytes, encoding: r.encoding, type: r.type })),
  };
}

await scenario('weight', async (s) => {
  s.base = new URL(process.env.BASE_URL).origin;
  const context = await s.newContext({}, { cache: true });
  const visits = {};
  await s.step('home page, first visit (empty cache)', async () => {
    visits.first = await visit(s, context, '/');
    return `${visits.first.bytes} B in ${visits.first.requests} requests, FCP ${visits.first.fcpMs} ms`;
  }, { hard: true, page: null });
  await s.step('home page, second visit (same browser)', async () => {
    visits.second = await visit(s, context, '/');
    return `${visits.second.bytes} B, ${visits.second.fromNetwork} of ${visits.second.requests} requests from the network, FCP ${visits.second.fcpMs} ms`;
  }, { hard: true, page: null });
  const others = [];
  for (const pathname of PAGES.filter((p) => p !== '/')) {
    await s.step(`${pathname} after the home page`, async () => {
      const seen = await visit(s, context, pathname);
      others.push(seen);
      return `${seen.bytes} B, FCP ${seen.fcpMs} ms`;
    }, { page: null });
  }
  s.result.info.weight = { first: visits.first, second: visits.second, others,
    limits: { first: FIRST_LIMIT, second: SECOND_LIMIT } };
  s.saveJSON('weight', s.result.info.weight);
  s.check(`first visit of the home page transfers at most ${FIRST_LIMIT} bytes`, visits.first.bytes <= FIRST_LIMIT,
    `${visits.first.bytes} B; largest: ${visits.first.files.sort((a, b) => b.bytes - a.bytes).slice(0, 5)
      .map((f) => `${f.url} ${f.bytes} B ${f.encoding || 'identity'}`).join(', ')}`);
  s.check(`second visit transfers at most ${SECOND_LIMIT} bytes`, visits.second.bytes <= SECOND_LIMIT,
    `${visits.second.bytes} B; from the network: ${visits.second.files.filter((f) => f.bytes > 0)
      .map((f) => `${f.url} ${f.bytes} B`).join(', ')}`);
  const uncompressed = [visits.first, ...others].flatMap((v) => v.uncompressed);
  s.check('every text file over 1 KB came compressed', !uncompressed.length, uncompressed);
  s.check('nothing is asked of another origin', !Object.keys(s.result.blocked).length, s.result.blocked);
  s.check('first contentful paint is recorded on every page',
    [visits.first, visits.second, ...others].every((v) => v.fcpMs > 0),
    [visits.first, visits.second, ...others].map((v) => `${v.path}: ${v.fcpMs} ms`).join(', '));
});
