// Language switch: home in Japanese → the language switcher → English (CKAN's /en/ URLs,
// <html lang="en">, English navigation) → a link keeps English → back to Japanese.
import { scenario, expect, poll, axeRun, axeLines } from './lib.mjs';

const JAPANESE = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
// The languages of the ward's largest foreign-resident groups: path prefix, BCP 47 tag, own name.
const OTHERS = [['zh_Hans_CN', 'zh-Hans-CN', '简体中文'], ['ko_KR', 'ko-KR', '한국어'], ['vi', 'vi', 'Tiếng Việt']];

/** Visible texts of the header's links that stay on the portal (the main navigation). */
async function navTexts(page) {
  return page.evaluate(() => [...document.querySelectorAll('header a[href^="/"], nav a[href^="/"]')]
    .filter((a) => a.offsetParent !== null && a.innerText.trim())
    .map((a) => ({ href: a.getAttribute('href'), text: a.innerText.trim(), header: !!a.closest('header') })));
}

/** Clicks the switcher to `lang`: a link (hreflang / lang / its name), or CKAN's <select> of locales. */
async function switchTo(s, lang, name) {
  const { page } = s;
  const candidates = [
    page.locator(`a[hreflang="${lang}"]:visible`),
    page.locator(`a[lang="${lang}"]:visible`),
    page.getByRole('link', { name: new RegExp(`^\\s*${name}\\s*$`) }).filter({ visible: true }),
  ];
  for (const link of candidates) {
    if (await link.count()) {
      const before = page.url();
      const href = await link.first().getAttribute('href');
      await Promise.all([page.waitForURL((url) => url.href !== before), link.first().click()]);
      return `link ${href}`;
    }
  }
  const select = page.locator('select:has(option[value*="/' + lang + '/"])');
  expect(await select.count(), `no language switcher to ${name}: no link with hreflang="${lang}", lang="${lang}" or named ${name}, no <select> of locales`);
  await Promise.all([page.waitForLoadState('load'), select.first().selectOption({ label: name }, { force: true })]);
  return 'select';
}

const isEnglish = (url) => new URL(url).pathname.startsWith('/en/') || new URL(url).pathname === '/en';

await scenario('language', async (s) => {
  const { page } = s;
  await s.step('home is in Japanese', async () => {
    await s.open('/');
    expect(await page.getAttribute('html', 'lang') === 'ja', `<html lang="${await page.getAttribute('html', 'lang')}">`);
    const nav = await navTexts(page);
    expect(nav.filter((l) => JAPANESE.test(l.text)).length >= 3, `fewer than 3 Japanese navigation links: ${JSON.stringify(nav)}`);
  }, { hard: true });

  await s.step('the language switcher leads to English (/en/, <html lang="en">, English navigation)', async () => {
    const how = await switchTo(s, 'en', 'English');
    expect(isEnglish(page.url()), `after the switcher (${how}) the URL is ${page.url()}, not under /en/`);
    const lang = await page.getAttribute('html', 'lang');
    expect(lang === 'en', `<html lang="${lang}"> on ${page.url()}`);
    const nav = (await navTexts(page)).filter((l) => l.href.startsWith('/en/'));
    expect(nav.length >= 3, `fewer than 3 navigation links under /en/: ${JSON.stringify(nav)}`);
    const japanese = nav.filter((l) => JAPANESE.test(l.text));
    expect(!japanese.length, `navigation links still in Japanese on the English page: ${JSON.stringify(japanese)}`);
    await s.shot('language-1-home-en');
    return `${how}; navigation: ${nav.map((l) => l.text).join(', ')}`;
  }, { hard: true });

  await s.step('following a link keeps English (dataset search)', async () => {
    const link = page.locator('header a[href="/en/dataset/"]:visible, nav a[href="/en/dataset/"]:visible').first();
    expect(await link.count(), 'no visible link to /en/dataset/ in the header');
    await Promise.all([page.waitForURL((url) => url.pathname === '/en/dataset/'), link.click()]);
    const lang = await page.getAttribute('html', 'lang');
    expect(lang === 'en', `<html lang="${lang}"> on ${page.url()}`);
  });

  await s.step('the switcher leads back to Japanese (<html lang="ja">)', async () => {
    const how = await switchTo(s, 'ja', '日本語');
    await poll(async () => !isEnglish(page.url()), { what: 'a URL outside /en/' });
    const lang = await page.getAttribute('html', 'lang');
    expect(lang === 'ja', `<html lang="${lang}"> on ${page.url()}`);
    const nav = await navTexts(page);
    expect(nav.filter((l) => JAPANESE.test(l.text)).length >= 3, `fewer than 3 Japanese navigation links: ${JSON.stringify(nav)}`);
    await s.shot('language-2-back-ja');
    return `${how} → ${new URL(page.url()).pathname}`;
  });

  for (const [locale, tag, name] of OTHERS) {
    await s.step(`the switcher leads to ${name} (/${locale}/, <html lang="${tag}">, navigation in ${name}, axe)`, async () => {
      // CKAN's scripts load their words from /api/i18n/<locale> (zh-Hans-CN once asked for zh_Hans-CN: 400).
      const words = [];
      const listen = (response) => { if (response.url().includes('/api/i18n/')) words.push(`${response.status()} ${response.url()}`); };
      page.on('response', listen);
      const how = await switchTo(s, tag, name);
      await poll(async () => words.length > 0, { timeout: 15000, what: `the request for CKAN's script words in ${name}` });
      page.off('response', listen);
      expect(words.every((w) => /^(200|304) /.test(w) && w.endsWith(`/api/i18n/${locale}`)), `script words: ${words.join(', ')}`);
      expect(new URL(page.url()).pathname.startsWith(`/${locale}/`), `after the switcher (${how}) the URL is ${page.url()}`);
      const lang = await page.getAttribute('html', 'lang');
      expect(lang === tag, `<html lang="${lang}"> on ${page.url()}`);
      // The masthead's own links (the facets below name departments, tags and licences: data).
      const nav = (await navTexts(page)).filter((l) => l.href.startsWith(`/${locale}/`) && l.header);
      expect(nav.length >= 3, `fewer than 3 navigation links under /${locale}/: ${JSON.stringify(nav)}`);
      const japanese = nav.filter((l) => KANA.test(l.text));
      expect(!japanese.length, `navigation links still in Japanese: ${JSON.stringify(japanese)}`);
      const results = await axeRun(page, { saveAs: `language-${locale}` });
      const violations = axeLines(results);
      expect(!violations.length, `${violations.length} axe violations: ${violations.join('; ')}`);
      await s.shot(`language-3-${locale}`);
      return `${how}; navigation: ${nav.map((l) => l.text).join(', ')}`;
    });
  }

  s.check('no uncaught JavaScript error on the way', !s.result.pageErrors.length, s.result.pageErrors);
});
