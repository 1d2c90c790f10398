// Public pages: every page in both languages, accessible, keyboard and no-JS friendly.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from '../lib/suite.mjs';
import { assertPageBasics, newPage, screenshots } from '../lib/browser.mjs';

const PAGES = [
  { path: '/', name: 'home', h1: { fr: 'Évaluez, développez et certifiez', en: 'Assess, develop and certify' } },
  { path: '/accessibility', name: 'accessibility', h1: { fr: "Déclaration d’accessibilité|Déclaration d'accessibilité", en: 'Accessibility statement' } },
  { path: '/legal', name: 'legal', h1: { fr: 'Mentions légales', en: 'Legal notice' } },
  { path: '/privacy', name: 'privacy', h1: { fr: 'Politique de confidentialité', en: 'Privacy policy' } },
  { path: '/no-such-page', name: 'not-found', status: 404, h1: { fr: 'Page introuvable', en: 'Page not found' } },
];

describe('public pages', () => {
  const suite = serverAndBrowser({ demo: false });

  for (const lang of ['fr', 'en']) {
    for (const p of PAGES) {
      it(`${p.name} (${lang}) is accessible and complete`, async () => {
        const page = await newPage(suite.browser, { locale: lang === 'fr' ? 'fr-FR' : 'en-GB' });
        const response = await page.goto(suite.server.baseUrl + p.path);
        assert.equal(response.status(), p.status ?? 200);
        const h1 = await page.locator('h1').innerText();
        assert.match(h1, new RegExp(p.h1[lang]));
        await assertPageBasics(page, { lang, label: `${p.path} (${lang})` });
        await screenshots(page, `${p.name}-${lang}`);
        await page.context().close();
      });
    }
  }

  it('switches language with the header link and remembers it', async () => {
    const page = await newPage(suite.browser, { locale: 'fr-FR' });
    await page.goto(`${suite.server.baseUrl}/legal`);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    await page.getByRole('link', { name: /English/ }).click();
    await page.waitForURL(`${suite.server.baseUrl}/legal`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.getByRole('link', { name: 'Privacy policy' }).or(page.getByRole('link', { name: 'Personal data' })).first().click();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.getByRole('link', { name: /Français/ }).click();
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    await page.context().close();
  });

  it('every page renders without JavaScript', async () => {
    const page = await newPage(suite.browser, { javaScriptEnabled: false, locale: 'fr-FR' });
    for (const p of PAGES) {
      const response = await page.goto(suite.server.baseUrl + p.path);
      assert.equal(response.status(), p.status ?? 200);
      assert.match(await page.locator('h1').innerText(), new RegExp(p.h1.fr));
      assert.ok(await page.locator('footer a[href="/accessibility"]').isVisible());
    }
    await page.context().close();
  });
});
