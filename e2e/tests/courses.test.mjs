// Combined courses: a new pupil types the demo course's code, starts it, takes its campaign and
// shares, resumes it from "Mes parcours", finishes its two modules and gets its attestation; the
// school's referent sees the course's figures and the pupil's progress; the back office's page; the
// course started without JavaScript. axe and 320 px on every page.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from '../lib/suite.mjs';
import { assertPageBasics, newPage, screenshots } from '../lib/browser.mjs';
import { answerWithKeyboard, logIn, signUpAndLogIn } from '../lib/journeys.mjs';

const CODE = 'PARCUR626';

/** Presses Enter on a focused control and waits for the page it leads to. */
async function enter(page, locator) {
  await locator.focus();
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

/** The steps' states, in order, as the page says them. */
async function states(page) {
  return page.locator('ol.steps > li p.status').allInnerTexts();
}

/** Plays a module through the API as the signed-in pupil (the player itself is tested in modules.test.mjs). */
async function finishModule(page, baseUrl, shortId) {
  const token = await page.locator('form[action="/logout"] input[name=csrf_token]').getAttribute('value');
  const headers = { 'x-csrf-token': token };
  const started = await page.request.post(`${baseUrl}/api/passages`, { headers, data: { short_id: shortId } });
  assert.equal(started.status(), 201);
  const { id } = await started.json();
  const done = await page.request.post(`${baseUrl}/api/passages/${id}/terminate`, { headers, data: {} });
  assert.ok(done.ok(), `${shortId} terminated`);
}

describe('combined courses', () => {
  const suite = serverAndBrowser();

  it('a pupil walks the demo course step by step and the school follows it', async () => {
    const base = suite.server.baseUrl;
    const pupil = await newPage(suite.browser, { locale: 'fr-FR' });
    // Lina is on the demo school's list (6e A) without an account yet.
    await signUpAndLogIn(pupil, base, 'lina.parcours@example.org', { first: 'Lina', last: 'Garnier' });
    await pupil.goto(`${base}/campagnes`);
    await pupil.getByLabel('Code de campagne').fill(CODE.toLowerCase());
    await enter(pupil, pupil.getByRole('button', { name: 'Accéder au parcours' }));
    assert.match(pupil.url(), new RegExp(`/parcours/${CODE}$`));
    await assertPageBasics(pupil, { lang: 'fr', label: 'course before start' });
    assert.equal(await pupil.locator('h1').innerText(), 'Sixième — citoyenneté numérique');
    await enter(pupil, pupil.getByRole('button', { name: 'Commencer le parcours' }));
    await assertPageBasics(pupil, { lang: 'fr', label: 'course started' });
    await screenshots(pupil, 'course-fr');
    assert.deepEqual(await states(pupil), ['À faire', "Verrouillée : terminez d'abord l'étape précédente", "Verrouillée : terminez d'abord l'étape précédente"]);
    // A locked step is not a link.
    assert.equal(await pupil.locator('ol.steps').getByRole('link', { name: 'Des mots de passe solides' }).count(), 0);

    // The campaign: the course's first step.
    await enter(pupil, pupil.getByRole('link', { name: /Continuer/ }));
    assert.match(pupil.url(), /\/campagnes\/[A-Z0-9]{9}$/);
    // The school's campaigns are for its listed pupils: she finds herself with her birth date.
    await pupil.getByLabel('Date de naissance').fill('03/09/2014');
    await pupil.getByLabel(/J'accepte de partager mes résultats/).check();
    await enter(pupil, pupil.getByRole('button', { name: 'Commencer le parcours' }));
    let questions = 0;
    while (/\/assessments\/[0-9a-f-]+$/.test(pupil.url())) {
      questions += 1;
      assert.ok(questions < 80, 'the campaign test ends');
      await answerWithKeyboard(pupil);
    }
    await enter(pupil, pupil.getByRole('button', { name: 'Envoyer mes résultats' }));

    // Back from "Mes parcours": the first module is open, the second still locked.
    await pupil.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Mes parcours' }).click();
    await assertPageBasics(pupil, { lang: 'fr', label: 'my courses' });
    assert.match(await pupil.locator('main').innerText(), /1\/1 campagne, 0\/2 modules/);
    await enter(pupil, pupil.getByRole('link', { name: /Reprendre/ }));
    assert.deepEqual(await states(pupil), ['Terminée', 'À faire', "Verrouillée : terminez d'abord l'étape précédente"]);
    assert.equal(await pupil.locator('ol.steps').getByRole('link', { name: 'Protéger ses données personnelles' }).getAttribute('href'),
      '/modules/donperso/donnees-personnelles');

    await finishModule(pupil, base, 'donperso');
    await finishModule(pupil, base, 'mdpsolid');
    await pupil.reload();
    await assertPageBasics(pupil, { lang: 'fr', label: 'course completed' });
    assert.match(await pupil.locator('main').innerText(), /Parcours terminé/);
    const attestation = pupil.getByRole('link', { name: /Parcours citoyenneté numérique/ });
    const pdf = await pupil.request.get(`${base}${await attestation.getAttribute('href')}`);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    await pupil.context().close();

    // The school: its courses, then this one's figures and the pupil's progress.
    const teacher = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(teacher, suite.server, 'orga-admin@demo.example');
    await teacher.getByRole('link', { name: 'Mon organisation' }).click();
    await teacher.getByRole('link', { name: 'Collège Jules Verne (démo)' }).click();
    await teacher.getByRole('navigation', { name: /sections/i }).getByRole('link', { name: 'Parcours' }).click();
    await assertPageBasics(teacher, { lang: 'fr', label: 'orga courses' });
    await enter(teacher, teacher.getByRole('link', { name: 'Sixième — citoyenneté numérique' }));
    await assertPageBasics(teacher, { lang: 'fr', label: 'orga course' });
    assert.ok(Number(await teacher.locator('#course-completed').innerText()) >= 1);
    const row = teacher.locator('tbody tr', { hasText: 'Garnier Lina' });
    assert.match(await row.innerText(), /6e A\s+Terminé\s+1\/1 campagne, 2\/2 modules\s+Obtenue/);
    await teacher.context().close();

    // The back office's page.
    const agent = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(agent, suite.server, 'super-admin@demo.example');
    await agent.goto(`${base}/admin/parcours`);
    await assertPageBasics(agent, { lang: 'fr', label: 'admin courses' });
    assert.match(await agent.locator('main').innerText(), new RegExp(CODE));
    await agent.context().close();
  });

  it('starts a course without JavaScript', async () => {
    const page = await newPage(suite.browser, { locale: 'fr-FR', javaScriptEnabled: false });
    await logIn(page, suite.server, 'learner@demo.example');
    await page.goto(`${suite.server.baseUrl}/parcours/${CODE}`);
    await page.getByRole('button', { name: 'Commencer le parcours' }).click();
    await page.waitForURL(new RegExp(`/parcours/${CODE}$`));
    // She finished the personal-data module before: it counts, though it waits behind the campaign.
    assert.match(await page.locator('main').innerText(), /Votre progression : 0\/1 campagne, 1\/2 modules/);
    assert.ok(await page.getByRole('link', { name: /Continuer/ }).count() === 1);
    await page.context().close();
  });
});
