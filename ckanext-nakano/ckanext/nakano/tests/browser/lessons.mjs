// 分析を学ぶ: the screenshots of the lessons' steps, taken on the running portal (each step's page
// must answer 200 and show the element the lesson points at, or the lesson's text is out of date),
// and axe-core on /learn and a lesson page in Japanese and English.
import fs from 'node:fs';
import path from 'node:path';
import { scenario, expect, settle, axeRun, axeLines, localePath, ARTIFACTS } from './lib.mjs';

const SHOTS = JSON.parse(process.env.LESSON_SHOTS || '[]');   // [{slug, number, path, show}]
const LESSON = process.env.LESSON_PAGE;                         // a lesson's slug for axe
const OUT = path.join(ARTIFACTS, 'lessons');

await scenario('lessons', async (s) => {
  expect(SHOTS.length && LESSON, 'LESSON_SHOTS and LESSON_PAGE must be set');
  fs.mkdirSync(OUT, { recursive: true });
  const { page } = s;
  s.result.axe = {};
  s.result.shots = [];
  await page.setViewportSize({ width: 1280, height: 800 });

  for (const shot of SHOTS) {
    await s.step(`lesson ${shot.slug}, step ${shot.number}: ${shot.path} shows ${shot.show}`, async () => {
      await s.open(shot.path);
      await settle(page);
      const target = page.locator(shot.show).first();
      await target.waitFor({ state: 'visible', timeout: 15000 });
      await target.scrollIntoViewIfNeeded();
      // What the step speaks of, outlined (the page's own focus colour), the page around it kept.
      await target.evaluate((el) => { el.style.outline = '4px solid #d55e00'; el.style.outlineOffset = '4px'; });
      const file = path.join(OUT, `${shot.slug}-${shot.number}.png`);
      await page.screenshot({ path: file, timeout: 20000 });
      s.result.shots.push(file);
      return file;
    });
  }

  for (const lang of ['ja', 'en']) {
    for (const [name, pathname] of [['learn', '/learn'], ['lesson', `/learn/${LESSON}`]]) {
      await s.step(`axe-core on ${name} (${lang})`, async () => {
        await s.open(localePath(lang, pathname));
        await settle(page);
        const results = await axeRun(page, { saveAs: `lessons-${name}-${lang}` });
        s.result.axe[`${name}-${lang}`] = results.violations.length;
        const lines = axeLines(results);
        expect(!lines.length, `axe on ${name} (${lang}): ${lines.join('; ')}`);
        return `${results.passes.length} rules pass`;
      });
    }
  }
});
