// The candidate's way to the certificate (issue 21, items 11–14): from the home page to "Ma
// certification" (what is true: certified, under way), "Mes certifications" with the certificate,
// its PDF and signed credential; joining today's session without typing an address; the test in
// exam mode (no navigation, question n / 32, the time left) where leaving the page shows at once on
// the invigilator's screen, which offers a resumption only then and keeps every action within reach
// at 320 px — axe and 320 px reflow on every page.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from '../lib/suite.mjs';
import { assertPageBasics, newPage } from '../lib/browser.mjs';
import { answerWithKeyboard, demoSessionCodes, logIn, openInvigilatorScreen } from '../lib/journeys.mjs';

describe("the candidate's way", () => {
  const suite = serverAndBrowser();

  it('finds the certification from the home page, sits in exam mode, and the invigilator sees her leave', async () => {
    const candidate = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(candidate, suite.server, 'learner@demo.example');
    await candidate.goto(`${suite.server.baseUrl}/`);
    await candidate.getByRole('link', { name: 'Ma certification' }).first().click();
    await assertPageBasics(candidate, { lang: 'fr', label: 'my certification (certified)' });
    // The demo's published certificate: she is certified.
    assert.match(await candidate.getByRole('heading', { level: 2 }).first().innerText(), /Vous êtes certifié·e/);
    await candidate.getByRole('link', { name: 'Mes certifications' }).click();
    await assertPageBasics(candidate, { lang: 'fr', label: 'my certifications' });
    const line = candidate.locator('tbody tr').first();
    assert.match(await line.innerText(), /Certifié·e/);
    assert.equal(await line.getByRole('link', { name: /Télécharger en PDF/ }).count(), 1);
    assert.equal(await line.getByRole('link', { name: /certificat signé/ }).count(), 1);

    // Today's session: joined from "Ma certification", no address typed.
    const { number, code, password } = await demoSessionCodes(suite.browser, suite.server);
    await candidate.getByRole('link', { name: 'Ma certification' }).first().click();
    await candidate.getByRole('link', { name: 'Rejoindre une session de certification' }).click();
    await assertPageBasics(candidate, { lang: 'fr', label: 'join (from my certification)' });
    await candidate.getByLabel('Numéro de session').fill(number);
    await candidate.getByLabel("Code d'accès candidat").fill(code);
    await candidate.getByLabel('Date de naissance').fill('12/04/2001');
    await candidate.getByRole('button', { name: 'Rejoindre la session' }).click();
    assert.match(await candidate.locator('main').innerText(), /Attendez que le surveillant vous autorise/);

    // The invigilator works from a phone: 320 px wide, every button within reach.
    const invigilator = await newPage(suite.browser, { locale: 'fr-FR' });
    await invigilator.setViewportSize({ width: 320, height: 720 });
    await openInvigilatorScreen(invigilator, suite.server, number, password);
    await assertPageBasics(invigilator, { lang: 'fr', label: 'invigilator screen (320 px)' });
    const row = invigilator.locator('tbody tr', { hasText: 'Apprenante' });
    const authorize = row.getByRole('button', { name: /Autoriser/ });
    const box = await authorize.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 320, `the button is on screen: ${JSON.stringify(box)}`);
    await authorize.click();

    // Exam mode: no way out, question 1 / 32, the time left.
    await candidate.reload();
    await candidate.getByRole('button', { name: 'Commencer la certification' }).click();
    await candidate.waitForURL(/\/assessments\/[0-9a-f-]+$/);
    await assertPageBasics(candidate, { lang: 'fr', label: 'certification question (exam mode)', exam: true });
    assert.equal(await candidate.getByRole('link', { name: 'Mon profil' }).count(), 0, 'no navigation');
    assert.match(await candidate.locator('#progress').innerText(), /^Question 1 \/ 32$/);
    assert.match(await candidate.locator('#exam-clock').innerText(), /Temps restant : 1 h 4\d min/);
    await answerWithKeyboard(candidate);
    assert.match(await candidate.locator('#progress').innerText(), /^Question 2 \/ 32$/);
    assert.doesNotMatch(await row.innerText(), /quitté/, 'answering is not leaving');
    assert.equal(await row.getByRole('button', { name: /Autoriser la reprise/ }).count(), 0, 'nothing to resume');

    // She leaves the window: the invigilator's screen says so within a moment, without reloading,
    // and offers the resumption.
    await candidate.evaluate(() => window.dispatchEvent(new Event('blur')));
    await invigilator.waitForFunction(
      () => /A quitté la page du test 1 fois/.test(document.getElementById('live-candidates').innerText),
      null,
      { timeout: 3000 },
    );
    assert.equal(await row.getByRole('button', { name: /Autoriser la reprise/ }).count(), 1);
    await assertPageBasics(invigilator, { lang: 'fr', label: 'invigilator screen (candidate left)' });

    // "Ma certification" says the test is under way (seen from another tab of hers).
    const other = await candidate.context().newPage();
    other.consoleErrors = [];
    await other.goto(`${suite.server.baseUrl}/certification`);
    assert.match(await other.locator('main').innerText(), /Votre test de certification est en cours/);
    assert.equal(await other.getByRole('link', { name: 'Reprendre mon test' }).count(), 1);
    await candidate.context().close();
    await invigilator.context().close();
  });
});
