// Certification v2 in a browser: the centre switches the demo session to three questions per
// competence with the keyboard; the demo learner takes it (fewer, targeted questions); once the
// session is finalised and published her certificate reads on the v2 scale, with no global level —
// axe and 320 px on every page.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { serverAndBrowser } from '../lib/suite.mjs';
import { assertPageBasics, newPage } from '../lib/browser.mjs';
import { answerWithKeyboard, demoSessionCodes, joinDemoSession, logIn, openInvigilatorScreen } from '../lib/journeys.mjs';

describe('certification v2', () => {
  const suite = serverAndBrowser();

  it('asks three questions per certified competence and certifies on the v2 scale', async () => {
    // The centre admin chooses version 2 for the demo session, with the keyboard.
    const admin = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(admin, suite.server, 'centre-admin@demo.example');
    await admin.goto(`${suite.server.baseUrl}/certif`);
    await admin.getByRole('link', { name: 'Centre de certification (démo)' }).click();
    await admin.getByRole('row', { name: /Médiathèque Jules Verne/ }).getByRole('link').click();
    const sessionUrl = admin.url();
    await admin.getByRole('link', { name: 'Modifier la session' }).click();
    await assertPageBasics(admin, { lang: 'fr', label: 'session form (version)' });
    const group = admin.getByRole('group', { name: 'Version de la certification' });
    assert.ok(await group.getByLabel('Test adaptatif (version 3)').isChecked(), 'v3 by default');
    await group.getByLabel('Test adaptatif (version 3)').focus();
    await admin.keyboard.press('ArrowDown');
    assert.ok(await group.getByLabel('Trois questions par compétence (version 2)').isChecked());
    await admin.getByRole('button', { name: 'Enregistrer la session' }).click();
    assert.equal(admin.url(), sessionUrl);
    assert.match(await admin.locator('dl.facts').innerText(), /Trois questions par compétence \(version 2\)/);

    // The candidate joins, is authorised, reads the v2 rules and answers to the end.
    const { number, code, password } = await demoSessionCodes(suite.browser, suite.server);
    const candidate = await newPage(suite.browser, { locale: 'fr-FR' });
    await joinDemoSession(candidate, suite.server, number, code);
    const invigilator = await newPage(suite.browser, { locale: 'fr-FR' });
    await openInvigilatorScreen(invigilator, suite.server, number, password);
    await invigilator.locator('tbody tr').first().getByRole('button', { name: /Autoriser/ }).click();
    await candidate.getByRole('link', { name: 'Actualiser' }).click();
    assert.match(await candidate.locator('main').innerText(), /Trois questions pour chaque compétence/);
    await assertPageBasics(candidate, { lang: 'fr', label: 'v2 rules' });
    await Promise.all([candidate.waitForNavigation(), candidate.getByRole('button', { name: 'Commencer la certification' }).click()]);
    let questions = 0;
    while (/\/assessments\/[0-9a-f-]+$/.test(candidate.url())) {
      questions += 1;
      // Five certifiable competences in the demo profile: three questions each at most.
      assert.ok(questions <= 15, 'at most three questions per competence');
      if (questions === 1) await assertPageBasics(candidate, { lang: 'fr', label: 'v2 question', exam: true });
      await answerWithKeyboard(candidate);
    }
    assert.ok(questions >= 5, `questions: ${questions}`);
    assert.match(await candidate.locator('main').innerText(), /Votre test de certification est terminé/);
    await invigilator.getByRole('link', { name: 'Actualiser' }).click();
    assert.match(
      await invigilator.locator('tbody tr', { hasText: 'Apprenante' }).innerText(),
      new RegExp(`Terminé \\(${questions} / ${questions}\\)`),
    );
    await invigilator.context().close();

    // Finalised and published.
    await admin.goto(sessionUrl);
    await admin.getByRole('group', { name: /Un incident/ }).getByLabel('Non').check();
    await admin.getByRole('group', { name: /difficultés à rejoindre/ }).getByLabel('Non').check();
    await admin.getByRole('button', { name: 'Finaliser la session' }).click();
    assert.match(await admin.locator('.notice.success').innerText(), /finalisée/);
    await admin.context().close();
    const jury = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(jury, suite.server, 'super-admin@demo.example');
    await jury.goto(`${suite.server.baseUrl}/admin/certification/sessions`);
    await jury.getByRole('row', { name: new RegExp(number) }).getByRole('link').first().click();
    await jury.getByRole('link', { name: /Apprenante/ }).click();
    const facts = await jury.locator('dl.facts').innerText();
    assert.match(facts, /Taux de reproductibilité\s+\d+ %/);
    const scored = facts.match(/(\d+) \/ 768/)[1];
    await assertPageBasics(jury, { lang: 'fr', label: 'jury (v2)' });
    await jury.goto(`${suite.server.baseUrl}/admin/certification/sessions`);
    await jury.getByRole('row', { name: new RegExp(number) }).getByRole('button', { name: /Publier/ }).click();
    assert.match(await jury.locator('.notice.success').innerText(), /publiés/);
    await jury.context().close();

    // Her result on the v2 scale (16 competences × 6 levels × 8 pix), with no global level. The
    // keyboard answers are mostly wrong, so the certification is usually not validated: then the
    // page says so; when it is, the score and its PDF read on the v2 scale.
    await candidate.reload();
    await candidate.getByRole('link', { name: 'Voir mon certificat' }).click();
    await assertPageBasics(candidate, { lang: 'fr', label: 'certificate (v2)' });
    const main = await candidate.locator('main').innerText();
    assert.doesNotMatch(main, /Niveau global/);
    if (scored === '0') {
      assert.match(main, /pas validée/);
    } else {
      assert.match(await candidate.locator('.lead').innerText(), new RegExp(`${scored} / 768$`));
      const [download] = await Promise.all([
        candidate.waitForEvent('download'),
        candidate.getByRole('link', { name: 'Télécharger mon certificat (PDF)' }).click(),
      ]);
      const text = execFileSync('pdftotext', ['-enc', 'UTF-8', await download.path(), '-'], { encoding: 'utf8' });
      assert.ok(text.includes(`${scored} / 768`), text);
    }
    await candidate.context().close();
  });
});
