// The learner's journey: profile, a whole competence test with the keyboard only, results matching
// the scoring, resuming, saving a tutorial — accessible on every page, and without JavaScript.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from '../lib/suite.mjs';
import { assertAccessible, assertPageBasics, newPage, screenshots } from '../lib/browser.mjs';
import { PASSWORD, answerWithKeyboard, demoPassword, signUpAndLogIn } from '../lib/journeys.mjs';

describe('learner journey', () => {
  const suite = serverAndBrowser();

  it('takes a whole competence test with the keyboard and sees results matching the score', async () => {
    const page = await newPage(suite.browser, { locale: 'fr-FR' });
    await signUpAndLogIn(page, suite.server.baseUrl, 'noe.e2e@example.org');
    await assertPageBasics(page, { lang: 'fr', label: 'profile' });
    assert.equal(await page.locator('.competence-card').count(), 16);
    await screenshots(page, 'profile-fr');
    const start = page.getByRole('button', { name: /Commencer : Mener une recherche/ });
    await start.focus();
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    let questions = 0;
    const seenTypes = new Set();
    while (/\/assessments\/[0-9a-f-]+$/.test(page.url())) {
      questions += 1;
      assert.ok(questions < 60, 'the test ends');
      assert.match(await page.locator('#progress').innerText(), new RegExp(`Question ${questions}`));
      if (questions <= 3) {
        await assertPageBasics(page, { lang: 'fr', label: `challenge ${questions}` });
      }
      seenTypes.add(await page.locator('input[type=radio]').count() ? 'qcu' : await page.locator('input[type=checkbox]').count() ? 'qcm' : 'qroc');
      if (questions === 1) await screenshots(page, 'challenge-fr');
      await answerWithKeyboard(page);
    }
    assert.match(page.url(), /\/results$/);
    await assertPageBasics(page, { lang: 'fr', label: 'results' });
    await screenshots(page, 'results-fr');
    // The level and pix shown are those of the scoring (same numbers as the profile API).
    const lead = await page.locator('.lead').innerText();
    const [, level, pix] = lead.match(/Niveau (\d+) · (\d+) Pix/);
    const profile = await page.evaluate(async () => (await fetch('/api/profile')).json());
    const c11 = profile.competences.find((c) => c.code === '1.1');
    assert.equal(Number(level), c11.level);
    assert.equal(Number(pix), c11.pix);
    assert.equal(c11.status, 'COMPLETED');
    assert.equal(await page.locator('.results > li').count(), questions);
    // Save a recommended tutorial from the results, then find it in My tutorials.
    const save = page.getByRole('button', { name: /^Enregistrer : / }).first();
    if (await save.count()) {
      const label = await save.innerText();
      await save.click();
      await page.goto(`${suite.server.baseUrl}/tutorials`);
      await assertPageBasics(page, { lang: 'fr', label: 'tutorials' });
      const title = label.replace(/^Enregistrer\s*:\s*/, '').trim();
      assert.ok((await page.locator('section[aria-labelledby=saved-heading]').innerText()).includes(title));
    }
    await page.context().close();
  });

  it('resumes a test exactly where it stopped', async () => {
    const page = await newPage(suite.browser, { locale: 'fr-FR' });
    await signUpAndLogIn(page, suite.server.baseUrl, 'resume.e2e@example.org');
    await page.getByRole('button', { name: /Commencer : Interagir/ }).click();
    const url = page.url();
    await answerWithKeyboard(page);
    const second = await page.locator('input[name=challenge_id]').inputValue();
    await page.getByRole('link', { name: 'Quitter et reprendre plus tard' }).click();
    await page.waitForURL(/\/profile$/);
    await page.getByRole('link', { name: /Reprendre : Interagir/ }).click();
    assert.equal(page.url(), url);
    assert.equal(await page.locator('input[name=challenge_id]').inputValue(), second);
    assert.match(await page.locator('#progress').innerText(), /Question 2/);
    await page.context().close();
  });

  it('works without JavaScript and shows the demo learner levels', async () => {
    const page = await newPage(suite.browser, { locale: 'fr-FR', javaScriptEnabled: false });
    const password = demoPassword(suite.server, 'learner@demo.example');
    await page.goto(`${suite.server.baseUrl}/login`);
    await page.getByLabel('Adresse e-mail ou identifiant').fill('learner@demo.example');
    await page.getByLabel('Mot de passe', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/profile$/);
    const levels = await page.locator('.competence-level').allInnerTexts();
    assert.ok(levels.filter((t) => !/Niveau 0\b/.test(t)).length >= 4, `demo levels: ${levels}`);
    await page.getByRole('button', { name: /^Commencer/ }).first().click();
    assert.match(page.url(), /\/assessments\//);
    await page.getByRole('button', { name: 'Je passe' }).click();
    assert.match(await page.locator('#progress').innerText(), /Question 2/);
    await page.context().close();
  });

  it('takes a test in English with an English account, in English only', async () => {
    const page = await newPage(suite.browser, { locale: 'en-GB' });
    await page.goto(`${suite.server.baseUrl}/signup`);
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Last name').fill('Byron');
    await page.getByLabel('Email address').fill('ada.e2e@example.org');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel(/I accept/).check();
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.getByLabel('Email address or username').fill('ada.e2e@example.org');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/profile$/);
    // The account was created in English: logging in keeps the interface in English.
    await assertPageBasics(page, { lang: 'en', label: 'profile (en)' });
    await screenshots(page, 'profile-en');
    await page.getByRole('button', { name: /^Start ?: Searching/ }).click();
    assert.match(page.url(), /\/assessments\/[0-9a-f-]+$/);
    await assertPageBasics(page, { lang: 'en', label: 'challenge (en)' });
    assert.match(await page.locator('#progress').innerText(), /Question 1/);
    assert.equal(await page.getByRole('button', { name: 'Submit my answer' }).count(), 1);
    // The questions are the English ones: no French words of the interface or the content.
    const text = await page.locator('main').innerText();
    for (const french of ['Valider ma réponse', 'Je passe', 'Quitter et reprendre', 'Choisissez']) {
      assert.ok(!text.includes(french), `French text "${french}" on the English challenge page`);
    }
    await screenshots(page, 'challenge-en');
    await page.getByRole('button', { name: 'Skip' }).click();
    assert.match(await page.locator('#progress').innerText(), /Question 2/);
    await page.context().close();
  });
});
