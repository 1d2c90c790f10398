// The certification side, slice 1: the demo centre admin opens the demo session, enrols a
// candidate (one birthplace error shown, then fixed) and plans a new session with the keyboard;
// the demo learner learns she may be certified — axe and 320 px on every page.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverAndBrowser } from '../lib/suite.mjs';
import { assertPageBasics, newPage } from '../lib/browser.mjs';
import { answerWithKeyboard, demoSessionCodes, joinDemoSession, logIn, openInvigilatorScreen } from '../lib/journeys.mjs';

/** The text of a PDF file, as `pdftotext` (poppler-utils) extracts it. */
function pdfText(path) {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', path, '-'], { encoding: 'utf8' });
}

describe('certification centres', () => {
  const suite = serverAndBrowser();

  it('enrols a candidate and plans a session, with the keyboard', async () => {
    const page = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(page, suite.server, 'centre-admin@demo.example');
    await page.getByRole('link', { name: 'Mon centre de certification' }).click();
    await assertPageBasics(page, { lang: 'fr', label: 'certif home' });
    await page.getByRole('link', { name: 'Centre de certification (démo)' }).click();
    await assertPageBasics(page, { lang: 'fr', label: 'sessions' });
    await page.locator('tbody a').first().click();
    await assertPageBasics(page, { lang: 'fr', label: 'session' });
    assert.equal(await page.locator('tbody tr').count(), 3, 'the demo candidates');
    assert.match(await page.locator('dl.facts').innerText(), /[BCDFGHJKMPQRTVWXY]{4}[2346789]{2}/);

    // Born in France without a city code: refused, the error says what to give.
    await page.getByLabel('Nom de naissance').fill('Bernard');
    await page.getByLabel('Prénom').fill('Zoé');
    await page.getByLabel('Date de naissance').fill('01/09/2005');
    await page.getByLabel('Femme').check();
    await page.getByRole('button', { name: 'Inscrire le candidat' }).click();
    assert.match(await page.locator('.error-summary').innerText(), /indiquez le code INSEE/);
    await assertPageBasics(page, { lang: 'fr', label: 'session (enrolment errors)' });
    await page.getByLabel('Code INSEE de la commune de naissance').focus();
    await page.keyboard.type('69123');
    await page.getByLabel('Temps majoré').focus();
    await page.keyboard.type('25');
    await page.getByRole('button', { name: 'Inscrire le candidat' }).focus();
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.match(await page.locator('.notice.success').innerText(), /inscrit/);
    assert.equal(await page.locator('tbody tr').count(), 4);
    assert.match(await page.locator('tbody tr', { hasText: 'Bernard' }).innerText(), /25 %/);
    // The attendance sheet to print lists her with the others.
    const [sheet] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: "Télécharger la feuille d'émargement (PDF)" }).click(),
    ]);
    const sheetText = pdfText(await sheet.path());
    assert.match(sheetText, /^Feuille d'émargement/);
    assert.ok(sheetText.includes('BERNARD') && sheetText.includes('Signature'), sheetText);

    // A colleague invited by email: pending until they open the link.
    await page.goto(page.url().replace(/\/sessions\/.*$/, '/members'));
    await page.getByLabel('Adresse e-mail de la personne à inviter').fill('collegue@example.org');
    await page.getByRole('button', { name: "Envoyer l'invitation" }).click();
    assert.match(await page.locator('.notice.success').innerText(), /invitation/i);
    assert.match(await page.locator('main').innerText(), /collegue@example.org/);
    await assertPageBasics(page, { lang: 'fr', label: 'centre members' });

    // A new session, typed with the keyboard.
    await page.goto(page.url().replace(/\/members.*$/, '/sessions/new'));
    await assertPageBasics(page, { lang: 'fr', label: 'new session' });
    await page.getByLabel('Nom du site').focus();
    await page.keyboard.type('Médiathèque');
    await page.getByLabel('Nom de la salle').focus();
    await page.keyboard.type('Salle 4');
    const next = new Date(Date.now() + 20 * 86400000).toISOString().slice(0, 10);
    await page.getByLabel('Date').fill(next);
    await page.getByLabel('Heure de début').fill('10:00');
    await page.getByLabel('Surveillant(s)').focus();
    await page.keyboard.type('Claire Centre');
    await page.getByRole('button', { name: 'Enregistrer la session' }).focus();
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.match(page.url(), /\/sessions\/[0-9a-f-]+$/);
    assert.match(await page.locator('dl.facts').innerText(), /Salle 4/);
    await assertPageBasics(page, { lang: 'fr', label: 'new session page' });

    // Many sessions at once: one error shown at its line and column, fixed, then imported.
    await page.getByRole('link', { name: 'Centre de certification (démo)' }).click();
    await page.getByRole('link', { name: 'Importer des sessions' }).click();
    await assertPageBasics(page, { lang: 'fr', label: 'sessions import' });
    const d = new Date(Date.now() + 30 * 86400000);
    const date = `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
    const head = '"Numéro de session préexistante";"* Nom du site";"* Nom de la salle";"* Date de début (format: JJ/MM/AAAA)";"* Heure de début (heure locale format: HH:MM)";"* Surveillant(s)";"Observations (optionnel)";"* Nom de naissance";"* Prénom";"* Date de naissance (format: JJ/MM/AAAA)";"* Sexe (M ou F)";"Code INSEE de la commune de naissance";"Code postal de la commune de naissance";"Nom de la commune de naissance";"* Pays de naissance";"E-mail du destinataire des résultats (formateur, enseignant…)";"E-mail de convocation";"Identifiant externe";"Temps majoré ? (exemple format: 33%)"';
    const rows = [
      `;Mairie;Salle du conseil;${date};09:00;Claire Centre;;Roux;Lou;02/02/2002;F;13055;;;France;;;;`,
      `;Mairie;Salle du conseil;${date};09:00;Claire Centre;;Faure;Jules;03/03/2003;H;13055;;;France;;;;`,
    ];
    const file = (text) => ({ name: 'sessions.csv', mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });
    await page.getByLabel('Fichier CSV').setInputFiles(file([head, ...rows].join('\n')));
    await page.getByRole('button', { name: 'Importer les sessions' }).click();
    assert.match(await page.locator('#import-problems').innerText(), /Ligne 3, colonne « Sexe \(M ou F\) »/);
    await assertPageBasics(page, { lang: 'fr', label: 'sessions import (errors)' });
    rows[1] = rows[1].replace(';H;', ';M;');
    await page.getByLabel('Fichier CSV').setInputFiles(file([head, ...rows].join('\n')));
    await page.getByRole('button', { name: 'Importer les sessions' }).focus();
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.match(await page.locator('.notice.success').innerText(), /1 session créée, 2 candidats inscrits/);
    await page.context().close();
  });

  it('lets a candidate join, be authorised by the invigilator and answer every question by keyboard', async () => {
    // The centre admin reads the session's codes.
    const { number, code, password } = await demoSessionCodes(suite.browser, suite.server);

    // The candidate joins and waits.
    const candidate = await newPage(suite.browser, { locale: 'fr-FR' });
    await joinDemoSession(candidate, suite.server, number, code, async (label) => {
      await assertPageBasics(candidate, { lang: 'fr', label });
    });
    assert.match(await candidate.locator('main').innerText(), /Attendez que le surveillant vous autorise/);
    await assertPageBasics(candidate, { lang: 'fr', label: 'waiting room' });

    // The invigilator, in another browser, opens the session and authorises her.
    const invigilator = await newPage(suite.browser, { locale: 'fr-FR' });
    await openInvigilatorScreen(invigilator, suite.server, number, password, async (label) => {
      await assertPageBasics(invigilator, { lang: 'fr', label });
    });
    await assertPageBasics(invigilator, { lang: 'fr', label: 'invigilator screen' });
    const first = invigilator.locator('tbody tr').first();
    assert.match(await first.innerText(), /Apprenante.*Attend l'autorisation/s, 'who needs an action comes first');
    await first.getByRole('button', { name: /Autoriser/ }).focus();
    await Promise.all([invigilator.waitForNavigation(), invigilator.keyboard.press('Enter')]);
    assert.match(await invigilator.locator('tbody tr', { hasText: 'Apprenante' }).innerText(), /Autorisé à commencer/);

    // The candidate reads the rules, starts and answers with the keyboard to the end.
    await candidate.getByRole('link', { name: 'Actualiser' }).click();
    await assertPageBasics(candidate, { lang: 'fr', label: 'rules' });
    await candidate.getByRole('button', { name: 'Commencer la certification' }).focus();
    await Promise.all([candidate.waitForNavigation(), candidate.keyboard.press('Enter')]);
    let questions = 0;
    while (/\/assessments\/[0-9a-f-]+$/.test(candidate.url())) {
      questions += 1;
      assert.ok(questions <= 32, 'at most 32 questions');
      if (questions === 1) {
        assert.match(await candidate.locator('main').innerText(), /Certification Pix/);
        await assertPageBasics(candidate, { lang: 'fr', label: 'certification question', exam: true });
      }
      if (questions === 2) {
        // A problem with the question: the invigilator validates the report, another question comes.
        const before = await candidate.locator('#challenge-form').getAttribute('data-challenge');
        await candidate.getByRole('button', { name: 'Signaler un problème avec la question' }).click();
        assert.match(await candidate.locator('main').innerText(), /Votre signalement est transmis au surveillant/);
        await assertPageBasics(candidate, { lang: 'fr', label: 'alert waiting', exam: true });
        await invigilator.getByRole('link', { name: 'Actualiser' }).click();
        const row = invigilator.locator('tbody tr').first();
        assert.match(await row.innerText(), /Signale un problème/);
        await assertPageBasics(invigilator, { lang: 'fr', label: 'invigilator screen (alert)' });
        await row.getByRole('button', { name: /Valider le signalement/ }).click();
        await candidate.getByRole('link', { name: 'Actualiser' }).click();
        assert.notEqual(await candidate.locator('#challenge-form').getAttribute('data-challenge'), before);
      }
      await answerWithKeyboard(candidate);
    }
    assert.ok(questions >= 20, `questions: ${questions}`);
    assert.match(await candidate.locator('main').innerText(), /Votre test de certification est terminé/);
    await invigilator.getByRole('link', { name: 'Actualiser' }).click();
    assert.match(await invigilator.locator('tbody tr', { hasText: 'Apprenante' }).innerText(), /Terminé/);
    await invigilator.context().close();

    // The centre finalises the session.
    const admin = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(admin, suite.server, 'centre-admin@demo.example');
    await admin.goto(`${suite.server.baseUrl}/certif`);
    await admin.getByRole('link', { name: 'Centre de certification (démo)' }).click();
    await admin.getByRole('row', { name: /Médiathèque Jules Verne/ }).getByRole('link').click();
    // An issue report on question 1 before finalising: one error first, then saved.
    await admin.getByRole('link', { name: 'Léa Apprenante' }).click();
    await assertPageBasics(admin, { lang: 'fr', label: 'issue reports' });
    await admin.getByLabel('Type de signalement').selectOption({ label: 'Le site est bloqué par les restrictions réseau du centre' });
    await admin.getByRole('button', { name: 'Ajouter le signalement' }).click();
    assert.match(await admin.locator('.error-summary').innerText(), /numéro d'une question/);
    await assertPageBasics(admin, { lang: 'fr', label: 'issue reports (errors)' });
    await admin.getByLabel('Numéro de la question').fill('1');
    await admin.getByRole('button', { name: 'Ajouter le signalement' }).click();
    assert.match(await admin.locator('.notice.success').innerText(), /signalement est enregistré/);
    assert.match(await admin.locator('tbody').innerText(), /Résolu à la finalisation/);
    await admin.getByRole('link', { name: /^Session \d{7}$/ }).click();
    await admin.getByRole('button', { name: 'Finaliser la session' }).click();
    assert.match(await admin.locator('.error-summary').innerText(), /Répondez par oui ou par non/);
    await assertPageBasics(admin, { lang: 'fr', label: 'finalisation (errors)' });
    await admin.getByRole('group', { name: /Un incident/ }).getByLabel('Non').check();
    await admin.getByRole('group', { name: /difficultés à rejoindre/ }).getByLabel('Non').check();
    await admin.getByRole('button', { name: 'Finaliser la session' }).click();
    assert.match(await admin.locator('.notice.success').innerText(), /finalisée/);
    await admin.context().close();

    // The back office publishes it.
    const jury = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(jury, suite.server, 'super-admin@demo.example');
    await jury.goto(`${suite.server.baseUrl}/admin/certification/sessions`);
    await assertPageBasics(jury, { lang: 'fr', label: 'sessions to publish' });
    await jury.getByRole('row', { name: new RegExp(number) }).getByRole('button', { name: /Publier/ }).click();
    assert.match(await jury.locator('.notice.success').innerText(), /publiés/);
    await jury.context().close();

    // The candidate reads her certificate; a visitor verifies it.
    await candidate.reload();
    await candidate.getByRole('link', { name: 'Voir mon certificat' }).click();
    await assertPageBasics(candidate, { lang: 'fr', label: 'certificate' });
    const verification = (await candidate.locator('dl.facts').innerText()).match(/P-[2346789BCDFGHJKMPQRTVWXY]{8}/)[0];
    const score = (await candidate.locator('.lead strong').innerText()).trim();
    // Her certificate as PDF, in French and in English: the text reads in order.
    for (const [link, heading] of [['Télécharger mon certificat (PDF)', 'Certificat Pix'], ['Télécharger en anglais (PDF)', 'Pix certificate']]) {
      const [download] = await Promise.all([candidate.waitForEvent('download'), candidate.getByRole('link', { name: link }).click()]);
      const text = pdfText(await download.path());
      assert.equal(text.split('\n')[0].trim(), heading);
      assert.ok(text.indexOf('APPRENANTE') < text.indexOf(`${score} / 895`), 'holder, then score');
      assert.ok(text.includes(verification), 'the verification code');
    }
    // Her signed credential: checked offline with `pix verify`, against the issuer's keys and status list.
    const [credentialDownload] = await Promise.all([
      candidate.waitForEvent('download'),
      candidate.getByRole('link', { name: /Télécharger le certificat signé/ }).click(),
    ]);
    const vcPath = await credentialDownload.path();
    const vc = JSON.parse(readFileSync(vcPath, 'utf8'));
    const dir = mkdtempSync(join(tmpdir(), 'pix-vc-'));
    const fetchTo = async (url, name) => {
      const local = new URL(url).pathname;
      writeFileSync(join(dir, name), await (await fetch(`${suite.server.baseUrl}${local}`)).text());
      return join(dir, name);
    };
    const didPath = await fetchTo(`${suite.server.baseUrl}/.well-known/did.json`, 'did.json');
    const statusPath = await fetchTo(vc.credentialStatus.statusListCredential, 'status.json');
    // The issuer is pinned: the DID the verifier trusts (here the test server's), and its document.
    const issuerDid = JSON.parse(readFileSync(didPath, 'utf8')).id;
    const verified = execFileSync(
      process.env.PIX_BIN,
      ['verify', vcPath, '--issuer-did', issuerDid, '--issuer', didPath, '--status', statusPath],
      { encoding: 'utf8' },
    );
    assert.match(verified, /^VALID: signed by did:web:.*#key-1; not revoked/);
    assert.match(verified, new RegExp(`Score: ${score} / 895`));
    assert.match(verified, new RegExp(`Verification code: ${verification}`));
    await candidate.context().close();
    const visitor = await newPage(suite.browser, { locale: 'fr-FR' });
    await visitor.goto(`${suite.server.baseUrl}/verifier-un-certificat`);
    await assertPageBasics(visitor, { lang: 'fr', label: 'verify' });
    await visitor.getByLabel('Code de vérification').fill('P-BBBBBBBB');
    await visitor.getByRole('button', { name: 'Vérifier' }).click();
    assert.match(await visitor.locator('.error-summary').innerText(), /Aucun certificat valide/);
    await visitor.getByLabel('Code de vérification').fill(verification.toLowerCase());
    await visitor.getByRole('button', { name: 'Vérifier' }).click();
    assert.match(await visitor.locator('main').innerText(), /Ce certificat est authentique/);
    assert.equal((await visitor.locator('.lead strong').innerText()).trim(), score);
    await assertPageBasics(visitor, { lang: 'fr', label: 'verified certificate' });
    await visitor.context().close();
  });

  it('tells the demo learner she may be certified', async () => {
    const page = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(page, suite.server, 'learner@demo.example');
    await page.getByRole('link', { name: 'Ma certification' }).first().click();
    await assertPageBasics(page, { lang: 'fr', label: 'eligibility' });
    assert.match(await page.locator('main').innerText(), /Vous pouvez passer la certification Pix/);
    await page.context().close();
  });
});
