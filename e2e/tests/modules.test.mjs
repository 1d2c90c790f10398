// Learning modules: a learner plays a whole module with the keyboard only (accessible at every
// grain, at 320 px), leaves and resumes it from "Mes modules", and finishes it; an anonymous
// visitor plays one without JavaScript.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from '../lib/suite.mjs';
import { assertPageBasics, newPage, screenshots } from '../lib/browser.mjs';
import { signUpAndLogIn } from '../lib/journeys.mjs';

/** Presses Enter on a focused control and waits for the page it leads to. */
async function enter(page, locator) {
  await locator.focus();
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

/** Answers every open form of the last grain with the keyboard; returns how many. */
async function answerLastGrain(page) {
  let answered = 0;
  for (;;) {
    const form = page.locator('section.grain').last().locator('form.element-form:has(button[type=submit])').first();
    if (!(await form.count())) return answered;
    const names = await form.locator('input[type=radio]').evaluateAll((rs) => [...new Set(rs.map((r) => r.name))]);
    for (const name of names) {
      await form.locator(`input[type=radio][name="${name}"]`).first().focus();
      await page.keyboard.press('Space');
    }
    const boxes = form.locator('input[type=checkbox]');
    for (let i = 0; i < Math.min(2, await boxes.count()); i++) {
      await boxes.nth(i).focus();
      await page.keyboard.press('Space');
    }
    const texts = form.locator('input[type=text]');
    for (let i = 0; i < (await texts.count()); i++) {
      await texts.nth(i).focus();
      await page.keyboard.type('reponse');
    }
    const selects = form.locator('select');
    for (let i = 0; i < (await selects.count()); i++) {
      await selects.nth(i).focus();
      await page.keyboard.press('ArrowDown');
    }
    await enter(page, form.locator('button[type=submit]'));
    answered += 1;
    assert.ok(answered < 20, 'every form gets answered');
    assert.ok(await page.locator('.result[role=status]').count() >= answered, 'each answer shows its correction');
  }
}

describe('learning modules', () => {
  const suite = serverAndBrowser();

  it('a learner plays a whole module with the keyboard, resumes it and finishes it', async () => {
    const page = await newPage(suite.browser, { locale: 'fr-FR' });
    await signUpAndLogIn(page, suite.server.baseUrl, 'ines.modules@example.org', { first: 'Inès', last: 'Moreau' });
    await page.goto(`${suite.server.baseUrl}/modules`);
    await assertPageBasics(page, { lang: 'fr', label: 'modules' });
    await screenshots(page, 'modules-fr');
    await enter(page, page.getByRole('link', { name: 'Des mots de passe solides' }));
    await assertPageBasics(page, { lang: 'fr', label: 'module details' });
    await enter(page, page.getByRole('button', { name: 'Commencer le module' }));
    const player = page.url().replace(/#.*$/, '');
    assert.match(player, /\/modules\/mdpsolid\/mots-de-passe-solides\/passages\/[0-9a-f-]+$/);
    const total = Number((await page.locator('#progress-label').innerText()).match(/sur (\d+)/)[1]);
    assert.ok(total >= 8, `${total} grains`);
    let answers = 0;
    for (let step = 1; step <= total; step++) {
      assert.equal(await page.locator('#progress-label').innerText(), `Étape ${step} sur ${total}`);
      // After "Continuer" the address targets the new grain (keyboard users go on from there);
      // the page's checks start from its top.
      if (page.url().includes('#')) await page.goto(page.url().replace(/#.*$/, ''));
      await assertPageBasics(page, { lang: 'fr', label: `grain ${step}` });
      if (step === 2) await screenshots(page, 'module-player-fr');
      // A stepper shows its next step with "Suivant" (a link: no script needed).
      while (await page.locator('section.grain').last().getByRole('link', { name: 'Suivant' }).count()) {
        await enter(page, page.locator('section.grain').last().getByRole('link', { name: 'Suivant' }));
      }
      answers += await answerLastGrain(page);
      if (step === 3) {
        // Leave, and come back from "Mes modules" to the same step.
        await page.goto(`${suite.server.baseUrl}/mes-modules`);
        await assertPageBasics(page, { lang: 'fr', label: 'my modules' });
        assert.match(await page.locator('main').innerText(), /En cours/);
        await enter(page, page.getByRole('link', { name: /Reprendre/ }));
        assert.equal(await page.locator('#progress-label').innerText(), `Étape 3 sur ${total}`);
      }
      if (step < total) await enter(page, page.getByRole('button', { name: 'Continuer' }));
    }
    assert.ok(answers >= 5, `${answers} answers`);
    await enter(page, page.getByRole('button', { name: 'Terminer' }));
    assert.match(await page.locator('#end').innerText(), /Module terminé/);
    await page.goto(player);
    await assertPageBasics(page, { lang: 'fr', label: 'module completed' });
    await page.goto(`${suite.server.baseUrl}/mes-modules`);
    assert.match(await page.locator('main').innerText(), /Terminé/);
    await page.context().close();
  });

  it('an anonymous visitor plays a module without JavaScript', async () => {
    const page = await newPage(suite.browser, { javaScriptEnabled: false, locale: 'fr-FR' });
    await page.goto(`${suite.server.baseUrl}/modules/tableur1/premiers-pas-tableur`);
    await page.getByRole('button', { name: 'Commencer le module' }).click();
    await page.waitForURL(/\/passages\//);
    let seen = 0;
    for (let step = 1; step < 6; step++) {
      seen += await answerLastGrain(page);
      await page.getByRole('button', { name: 'Continuer' }).click();
      await page.waitForLoadState();
    }
    assert.ok(seen >= 1, 'answered without JavaScript');
    assert.match(await page.locator('#progress-label').innerText(), /^Étape 6 sur/);
    // The media play from the content, with subtitles and transcriptions in the page.
    assert.ok((await page.locator('details summary').count()) >= 1);
    await page.context().close();
  });
});
