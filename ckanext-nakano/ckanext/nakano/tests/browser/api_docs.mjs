// API reference (/api/docs) in Japanese and English: Swagger UI draws every action under the
// portal's CSP (no inline script, no other origin), "Try it out" runs package_show's example
// as printed and gets 200 with the example dataset, and axe finds no WCAG 2.1 A/AA violation.
import { scenario, expect, poll, localePath, axeRun, axeLines } from './lib.mjs';

const WORDS = { ja: { tryIt: '試してみる', execute: '実行' }, en: { tryIt: 'Try it out', execute: 'Execute' } };

await scenario('api_docs', async (s) => {
  const { page } = s;
  s.result.axe = {};
  for (const lang of ['ja', 'en']) {
    const url = localePath(lang, '/api/docs');
    await s.step(`${lang}: Swagger UI draws every action (${url})`, async () => {
      await s.open(url);
      await poll(() => page.locator('#nakano-api-ui[data-ready="true"]').count(), { timeout: 30000, what: 'Swagger UI drawn' });
      await poll(async () => (await page.locator('#nakano-api-ui .opblock').count()) >= 15, { what: '15 operations' });
      expect(await page.locator('#nakano-api-static').isHidden(), 'the plain listing is still shown under Swagger UI');
      const summary = await page.locator('#operations-datasets-package_show .opblock-summary-description').innerText();
      expect(lang === 'ja' ? /データセット/.test(summary) : /dataset/i.test(summary), `package_show summary in ${lang}: ${summary}`);
      return `${await page.locator('#nakano-api-ui .opblock').count()} operations`;
    }, { hard: true });

    await s.step(`${lang}: "${WORDS[lang].tryIt}" runs package_show's example as printed (200)`, async () => {
      const block = page.locator('#operations-datasets-package_show');
      await block.locator('.opblock-summary-control, .opblock-summary').first().click();
      const example = await block.locator('tr[data-param-name="id"] .parameter__example, tr[data-param-name="id"] .markdown').allInnerTexts();
      await block.getByRole('button', { name: WORDS[lang].tryIt }).click();
      await block.getByRole('button', { name: WORDS[lang].execute }).click();
      const status = block.locator('.live-responses-table tr.response .response-col_status').first();
      await poll(async () => (await status.count()) && (await status.innerText()).trim() === '200', { timeout: 30000, what: 'HTTP 200 in the live response' });
      const body = await block.locator('.live-responses-table tr.response .response-col_description pre').first().innerText();
      expect(body.includes('"success": true') && body.includes('"resources"'), `response body: ${body.slice(0, 200)}`);
      await s.shot(`api-docs-${lang}`);
      return `example ${example.join(' ').slice(0, 80)}`;
    });

    await s.step(`${lang}: axe finds no WCAG 2.1 A/AA violation on ${url}`, async () => {
      const results = await axeRun(page, { saveAs: `api-docs-${lang}`, iframes: false });
      const violations = axeLines(results);
      s.result.axe[lang] = violations;
      expect(!violations.length, violations.join('; '));
      return `${results.passes.length} rules pass`;
    });
  }
  s.check('no uncaught JavaScript error', !s.result.pageErrors.length, s.result.pageErrors);
  s.check('no request to another origin', !Object.keys(s.result.blocked).length, s.result.blocked);
});
