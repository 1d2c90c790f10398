// The organisations side: an organisation admin invites a member by email and creates a campaign
// with the keyboard; a learner joins by its link (signing up on the way), finishes the test and
// shares; the admin reads the results and the analysis and downloads the CSV — axe and 320 px on
// every page. The back office pages for organisations and target profiles, and the demo
// campaign's figures; a student list imported (one error, fixed).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { serverAndBrowser } from '../lib/suite.mjs';
import { assertPageBasics, newPage, screenshots } from '../lib/browser.mjs';
import { answerWithKeyboard, demoPassword, lastMailLink } from '../lib/journeys.mjs';

const PASSWORD = 'Secret-Pass-2026';

async function logIn(page, server, email, password) {
  await page.goto(`${server.baseUrl}/login`);
  await page.getByLabel('Adresse e-mail ou identifiant').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/profile$/);
}

/** Splits a `;`-separated CSV line (quoted fields with doubled quotes). */
function csvFields(line) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"' && quoted && line[i + 1] === '"') { cur += '"'; i++; }
    else if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) { out.push(cur); cur = ''; }
    else cur += c;
  }
  out.push(cur);
  return out;
}

describe('organisations and campaigns', () => {
  const suite = serverAndBrowser();

  it('runs a campaign from creation to the CSV export, with the keyboard', async () => {
    const admin = await newPage(suite.browser, { locale: 'fr-FR', acceptDownloads: true });
    await logIn(admin, suite.server, 'orga-admin@demo.example', demoPassword(suite.server, 'orga-admin@demo.example'));
    await admin.getByRole('link', { name: 'Mon organisation' }).click();
    await assertPageBasics(admin, { lang: 'fr', label: 'orga home' });
    await admin.getByRole('link', { name: 'Collège Jules Verne (démo)' }).click();
    await assertPageBasics(admin, { lang: 'fr', label: 'campaign list' });
    await screenshots(admin, 'orga-campaigns-fr');
    await admin.getByRole('link', { name: 'Créer une campagne' }).click();
    await assertPageBasics(admin, { lang: 'fr', label: 'new campaign' });
    // An empty form is refused with its errors listed first.
    await admin.getByRole('button', { name: 'Créer la campagne' }).click();
    assert.ok(await admin.locator('.error-summary').isVisible());
    await assertPageBasics(admin, { lang: 'fr', label: 'new campaign (errors)' });
    // The keyboard only from here: type the name, choose the type and the profile.
    await admin.getByLabel('Nom de la campagne').focus();
    await admin.keyboard.type('Test de fin de trimestre');
    await admin.getByLabel(/^Évaluation/).focus();
    await admin.keyboard.press('Space');
    await admin.getByLabel('Profil cible', { exact: true }).focus();
    await admin.keyboard.press('ArrowDown');
    assert.notEqual(await admin.getByLabel('Profil cible', { exact: true }).inputValue(), '');
    await admin.getByLabel('Identifiant à demander aux participants (facultatif)').focus();
    await admin.keyboard.type('Numéro élève');
    await admin.getByRole('button', { name: 'Créer la campagne' }).focus();
    await Promise.all([admin.waitForNavigation(), admin.keyboard.press('Enter')]);
    assert.match(admin.url(), /\/orga\/[0-9a-f-]+\/campaigns\/[0-9a-f-]+\?created=1$/);
    assert.match(await admin.getByRole('status').innerText(), /^Campagne créée/);
    await assertPageBasics(admin, { lang: 'fr', label: 'campaign activity' });
    const link = await admin.locator('dd code').nth(1).innerText();
    assert.match(link, /\/campagnes\/[A-Z]{6}[0-9]{3}$/);
    const code = link.slice(-9);

    // A newcomer follows the link, signs up and comes back to the campaign.
    const learner = await newPage(suite.browser, { locale: 'fr-FR' });
    await learner.goto(`${suite.server.baseUrl}/campagnes/${code}`);
    await assertPageBasics(learner, { lang: 'fr', label: 'campaign landing (visitor)' });
    await learner.locator('main').getByRole('link', { name: 'Créer un compte' }).click();
    await learner.getByLabel('Prénom').fill('Inès');
    await learner.getByLabel('Nom', { exact: true }).fill('Garnier');
    await learner.getByLabel('Adresse e-mail').fill('ines.e2e@example.org');
    await learner.getByLabel('Mot de passe').fill(PASSWORD);
    await learner.getByLabel(/J'accepte/).check();
    await learner.getByRole('button', { name: 'Créer mon compte' }).click();
    await learner.getByLabel('Adresse e-mail ou identifiant').fill('ines.e2e@example.org');
    await learner.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
    await learner.getByRole('button', { name: 'Se connecter' }).click();
    await learner.waitForURL(new RegExp(`/campagnes/${code}$`));
    await assertPageBasics(learner, { lang: 'fr', label: 'campaign landing' });
    // The demo school manages its pupils: Inès is on its list (class 4e B) and says her birth date.
    assert.equal(await learner.getByLabel('Prénom').inputValue(), 'Inès', 'the account names are offered');
    await learner.getByLabel('Date de naissance').focus();
    await learner.keyboard.type('14/06/2012');
    await learner.getByLabel('Numéro élève').focus();
    await learner.keyboard.type('E-042');
    await learner.getByLabel(/J'accepte de partager mes résultats/).focus();
    await learner.keyboard.press('Space');
    await learner.getByRole('button', { name: 'Commencer le parcours' }).focus();
    await Promise.all([learner.waitForNavigation(), learner.keyboard.press('Enter')]);
    let questions = 0;
    while (/\/assessments\/[0-9a-f-]+$/.test(learner.url())) {
      questions += 1;
      assert.ok(questions < 80, 'the campaign test ends');
      if (questions === 1) await assertPageBasics(learner, { lang: 'fr', label: 'campaign challenge' });
      await answerWithKeyboard(learner);
    }
    assert.match(learner.url(), new RegExp(`/campagnes/${code}/resultats$`));
    await assertPageBasics(learner, { lang: 'fr', label: 'campaign end' });
    await screenshots(learner, 'campaign-end-fr');
    const mastery = Number((await learner.locator('.lead strong').innerText()).replace(/\D/g, ''));
    // The demo profile recommends the web-search module to whoever masters 80 % or less of 1.1
    // (first choices and typed "12" master far less): it opens on this site.
    const trainings = learner.getByRole('region', { name: 'Formations recommandées' });
    const card = trainings.locator('li', { hasText: 'Chercher efficacement sur le web' });
    assert.equal(await card.getByRole('link', { name: 'Chercher efficacement sur le web' }).getAttribute('href'),
      '/modules/chrchweb/chercher-sur-le-web');
    // Was it useful? With the keyboard, and back to the same place.
    await card.getByLabel('Oui').focus();
    await learner.keyboard.press('Space');
    await card.getByRole('button', { name: /Envoyer mon avis/ }).focus();
    await Promise.all([learner.waitForNavigation(), learner.keyboard.press('Enter')]);
    assert.match(learner.url(), new RegExp(`/campagnes/${code}/resultats#training-`));
    assert.match(await learner.getByRole('region', { name: 'Formations recommandées' }).innerText(), /vous l'avez trouvée utile/);
    // Coming back at the card moves the keyboard's starting point there (no skip link first):
    // the page itself is checked without the fragment.
    await learner.goto(learner.url().replace(/#.*$/, ''));
    await assertPageBasics(learner, { lang: 'fr', label: 'campaign end (training useful)' });
    await learner.getByRole('button', { name: 'Envoyer mes résultats' }).focus();
    await Promise.all([learner.waitForNavigation(), learner.keyboard.press('Enter')]);
    assert.match(await learner.locator('.notice.success').innerText(), /bien été envoyés/);
    await learner.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Mes parcours' }).click();
    await assertPageBasics(learner, { lang: 'fr', label: 'my courses' });
    assert.match(await learner.locator('main').innerText(), /Envoyé/);
    await learner.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Mes formations' }).click();
    await assertPageBasics(learner, { lang: 'fr', label: 'my trainings' });
    assert.ok(await learner.getByLabel('Oui').first().isChecked(), 'the answer is kept');
    await learner.context().close();

    // The admin sees the shared result, the analysis, and downloads the export.
    await admin.getByRole('link', { name: 'Résultats', exact: true }).click();
    await assertPageBasics(admin, { lang: 'fr', label: 'campaign results' });
    const row = admin.locator('tbody tr', { hasText: 'Garnier' });
    assert.match(await row.innerText(), new RegExp(`${mastery} %`));
    assert.match(await row.innerText(), /4e B/, 'her class from the list');
    await row.getByRole('link').click();
    await assertPageBasics(admin, { lang: 'fr', label: 'participant' });
    // Deleting a participation first says what is lost; cancelled here.
    await admin.getByRole('link', { name: 'Supprimer cette participation' }).click();
    await assertPageBasics(admin, { lang: 'fr', label: 'participation delete (confirmation)' });
    assert.match(await admin.locator('h1').innerText(), /^Supprimer la participation de Inès Garnier/);
    await admin.getByRole('link', { name: 'Annuler' }).click();
    await admin.getByRole('link', { name: 'Résultats', exact: true }).click();
    assert.equal(await admin.locator('tbody tr', { hasText: 'Garnier' }).count(), 1, 'nothing deleted');
    await admin.getByRole('link', { name: 'Analyse', exact: true }).click();
    await assertPageBasics(admin, { lang: 'fr', label: 'campaign analysis' });
    assert.ok(await admin.locator('meter').count() > 0);
    const counted = admin.locator('tbody tr', { hasText: 'Chercher efficacement sur le web' });
    assert.match(await counted.innerText(), /\t1\t1$/, 'recommended to one participant, found useful');
    const [download] = await Promise.all([
      admin.waitForEvent('download'),
      admin.getByRole('link', { name: 'Exporter les résultats (CSV)' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^Resultats-.*\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.equal(csv.charCodeAt(0), 0xfeff, 'a BOM for Excel');
    const lines = csv.slice(1).trim().split('\n');
    assert.equal(lines.length, 2);
    const head = csvFields(lines[0]);
    const line = csvFields(lines[1]);
    assert.equal(line.length, head.length);
    const col = (name) => head.indexOf(name);
    assert.equal(line[col('Nom du Participant')], 'Garnier');
    assert.equal(line[col('Numéro élève')], 'E-042');
    assert.equal(line[col('Partage (O/N)')], 'Oui');
    assert.match(line[col('Date du partage')], /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
    const rate = Number(line[col("% maitrise de l'ensemble des acquis du profil")].replace(',', '.'));
    assert.equal(Math.round(rate * 100), mastery);
    await admin.context().close();
  });

  it('invites a member by email, who joins from the mailed link', async () => {
    const admin = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(admin, suite.server, 'orga-admin@demo.example', demoPassword(suite.server, 'orga-admin@demo.example'));
    await admin.goto(`${suite.server.baseUrl}/orga`);
    await admin.getByRole('link', { name: 'Entreprise Numérique (démo)' }).click();
    await admin.getByRole('link', { name: 'Membres', exact: true }).click();
    await assertPageBasics(admin, { lang: 'fr', label: 'members' });
    await admin.getByLabel('Adresse e-mail de la personne à inviter').focus();
    await admin.keyboard.type('rh.e2e@example.org');
    await admin.getByRole('button', { name: "Envoyer l'invitation" }).focus();
    await Promise.all([admin.waitForNavigation(), admin.keyboard.press('Enter')]);
    assert.match(await admin.locator('.notice.success').innerText(), /invitation a été envoyée/);
    assert.match(await admin.locator('main').innerText(), /rh\.e2e@example\.org/);
    await assertPageBasics(admin, { lang: 'fr', label: 'members with a pending invitation' });

    const invited = await newPage(suite.browser, { locale: 'fr-FR' });
    const link = await lastMailLink(suite.server.dataDir, '/invitations/[0-9a-f-]{36}');
    await invited.goto(`${suite.server.baseUrl}${link}`);
    await assertPageBasics(invited, { lang: 'fr', label: 'invitation' });
    assert.match(await invited.locator('main').innerText(), /Entreprise Numérique/);
    await invited.locator('main').getByRole('link', { name: 'Créer un compte' }).click();
    await invited.getByLabel('Prénom').fill('Romane');
    await invited.getByLabel('Nom', { exact: true }).fill('Hébert');
    await invited.getByLabel('Adresse e-mail').fill('rh.e2e@example.org');
    await invited.getByLabel('Mot de passe').fill(PASSWORD);
    await invited.getByLabel(/J'accepte/).check();
    await invited.getByRole('button', { name: 'Créer mon compte' }).click();
    await invited.getByLabel('Adresse e-mail ou identifiant').fill('rh.e2e@example.org');
    await invited.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
    await invited.getByRole('button', { name: 'Se connecter' }).click();
    await invited.waitForURL(/\/invitations\//);
    await invited.getByRole('button', { name: "Rejoindre l'organisation" }).click();
    await invited.waitForURL(/\/orga\/[0-9a-f-]+\/campaigns$/);
    assert.equal(await invited.locator('h1').innerText(), 'Entreprise Numérique (démo)');
    await invited.context().close();

    await admin.reload();
    assert.match(await admin.locator('tbody').innerText(), /Hébert/);
    await admin.context().close();
  });

  it('shows the demo campaign with real figures, in French and in English', async () => {
    const page = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(page, suite.server, 'orga-admin@demo.example', demoPassword(suite.server, 'orga-admin@demo.example'));
    await page.goto(`${suite.server.baseUrl}/orga`);
    await page.getByRole('link', { name: 'Collège Jules Verne (démo)' }).click();
    await page.getByRole('link', { name: 'Rentrée 2026 – 4e' }).click();
    assert.match(await page.locator('.stats').innerText(), /30\s+résultats reçus/);
    await screenshots(page, 'orga-activity-fr');
    await page.getByRole('link', { name: 'Résultats', exact: true }).click();
    assert.equal(await page.locator('tbody tr').count(), 30);
    await screenshots(page, 'orga-results-fr');
    await page.getByRole('link', { name: 'Analyse', exact: true }).click();
    await screenshots(page, 'orga-analysis-fr');
    await page.getByRole('link', { name: 'English' }).click();
    await assertPageBasics(page, { lang: 'en', label: 'campaign analysis (en)' });
    await page.getByRole('link', { name: 'Results', exact: true }).click();
    await assertPageBasics(page, { lang: 'en', label: 'campaign results (en)' });
    await page.context().close();
  });

  it('imports a student list: one error shown at its line and column, fixed, then imported', async () => {
    const admin = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(admin, suite.server, 'orga-admin@demo.example', demoPassword(suite.server, 'orga-admin@demo.example'));
    await admin.goto(`${suite.server.baseUrl}/orga`);
    await admin.getByRole('link', { name: 'Université Marie Curie (démo)' }).click();
    await admin.getByRole('link', { name: 'Apprenants', exact: true }).click();
    await assertPageBasics(admin, { lang: 'fr', label: 'learner list' });
    const head = 'Premier prénom*;Nom de famille*;Date de naissance (jj/mm/aaaa)*;Numéro étudiant*;Groupe';
    const lines = [head, 'Léa;Dupont;05/03/2004;E2E001;L1 G1', 'Hugo;Martin;31/02/2004;E2E002;L1 G2'];
    const file = (text) => ({ name: 'etudiants.csv', mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });
    await admin.getByLabel('Fichier CSV').setInputFiles(file(lines.join('\n')));
    await admin.getByRole('button', { name: 'Importer', exact: true }).focus();
    await Promise.all([admin.waitForNavigation(), admin.keyboard.press('Enter')]);
    const problems = await admin.locator('#import-problems').innerText();
    assert.match(problems, /Ligne 3, colonne « Date de naissance \(jj\/mm\/aaaa\) »/);
    await assertPageBasics(admin, { lang: 'fr', label: 'learner import (errors)' });
    assert.equal(await admin.locator('tbody tr', { hasText: 'E2E001' }).count(), 0, 'nothing imported');
    lines[2] = 'Hugo;Martin;28/02/2004;E2E002;L1 G2';
    await admin.getByLabel('Fichier CSV').setInputFiles(file(lines.join('\n')));
    await admin.getByRole('button', { name: 'Importer', exact: true }).focus();
    await Promise.all([admin.waitForNavigation(), admin.keyboard.press('Enter')]);
    // Nothing is written before the referent has seen what the file changes.
    assert.equal(await admin.getByRole('heading', { level: 1 }).innerText(), "Vérifier l'import");
    const added = admin.getByRole('table', { name: 'apprenant(s) ajouté(s)' });
    assert.equal(await added.locator('tbody tr').count(), 2);
    assert.match(await added.innerText(), /Dupont[\s\S]*Martin/);
    await assertPageBasics(admin, { lang: 'fr', label: 'learner import (preview)' });
    await admin.getByRole('button', { name: "Confirmer l'import" }).focus();
    await Promise.all([admin.waitForNavigation(), admin.keyboard.press('Enter')]);
    assert.match(await admin.locator('.notice.success').innerText(), /2 ajoutés/);
    // A partial file that would replace the list: who leaves is said before anything happens; cancelled.
    await admin.getByLabel('Fichier CSV').setInputFiles(file([head, lines[1]].join('\n')));
    await admin.getByLabel(/La remplacer/).check();
    await admin.getByRole('button', { name: 'Importer', exact: true }).click();
    await admin.waitForURL(/\/learners\/imports\//);
    assert.match(await admin.getByRole('alert').first().innerText(), /absent\(s\) du fichier quitteront la liste/);
    assert.match(await admin.getByRole('table', { name: 'apprenant(s) quittant la liste' }).innerText(), /Martin/);
    await assertPageBasics(admin, { lang: 'fr', label: 'learner import (preview, leaving)' });
    await admin.getByRole('button', { name: 'Annuler' }).click();
    await admin.waitForURL(/cancelled=1/);
    assert.match(await admin.locator('.notice.success').innerText(), /Import annulé/);
    assert.equal(await admin.locator('tbody tr', { hasText: /E2E00[12]/ }).count(), 2);
    await assertPageBasics(admin, { lang: 'fr', label: 'learner list (imported)' });
    const learnersUrl = admin.url().replace(/\?.*$/, '');

    // A profiles collection for the list; Léa finds herself in it when she joins.
    await admin.getByRole('link', { name: 'Campagnes', exact: true }).click();
    await admin.getByRole('link', { name: 'Créer une campagne' }).click();
    await admin.getByLabel('Nom de la campagne').fill('Carnet L1');
    await admin.getByLabel(/^Collecte de profils/).check();
    await admin.getByRole('button', { name: 'Créer la campagne' }).click();
    await admin.waitForURL(/\/campaigns\/[0-9a-f-]+\?created=1$/);
    const code = (await admin.locator('dd code').nth(1).innerText()).slice(-9);
    const campaignUrl = admin.url();
    const learner = await newPage(suite.browser, { locale: 'fr-FR' });
    await learner.goto(`${suite.server.baseUrl}/campagnes/${code}`);
    await learner.locator('main').getByRole('link', { name: 'Créer un compte' }).click();
    await learner.getByLabel('Prénom').fill('Lea');
    await learner.getByLabel('Nom', { exact: true }).fill('DUPONT');
    await learner.getByLabel('Adresse e-mail').fill('lea.e2e@example.org');
    await learner.getByLabel('Mot de passe').fill(PASSWORD);
    await learner.getByLabel(/J'accepte/).check();
    await learner.getByRole('button', { name: 'Créer mon compte' }).click();
    await learner.getByLabel('Adresse e-mail ou identifiant').fill('lea.e2e@example.org');
    await learner.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
    await learner.getByRole('button', { name: 'Se connecter' }).click();
    await learner.waitForURL(new RegExp(`/campagnes/${code}$`));
    assert.equal(await learner.getByLabel('Prénom').inputValue(), 'Lea', 'the account names are offered');
    await assertPageBasics(learner, { lang: 'fr', label: 'campaign landing (reconciliation)' });
    await learner.getByLabel('Date de naissance').fill('06/03/2004');
    await learner.getByLabel(/J'accepte de partager mon profil/).check();
    await learner.getByRole('button', { name: 'Commencer le parcours' }).click();
    assert.match(await learner.locator('.error-summary').innerText(), /ne correspondent à aucune personne de la liste/);
    await assertPageBasics(learner, { lang: 'fr', label: 'campaign landing (not on the list)' });
    await learner.getByLabel('Date de naissance').fill('05/03/2004');
    await learner.getByLabel(/J'accepte de partager mon profil/).check();
    await learner.getByRole('button', { name: 'Commencer le parcours' }).focus();
    await Promise.all([learner.waitForNavigation(), learner.keyboard.press('Enter')]);
    assert.match(learner.url(), new RegExp(`/campagnes/${code}/resultats$`));
    await learner.getByRole('button', { name: 'Envoyer mes résultats' }).click();
    assert.match(await learner.locator('.notice.success').innerText(), /bien été envoyés/);
    await learner.context().close();

    await admin.goto(learnersUrl);
    assert.match(await admin.locator('tbody tr', { hasText: 'E2E001' }).innerText(), /Oui/, 'Léa is linked to her account');
    await admin.goto(campaignUrl);
    await admin.getByRole('link', { name: 'Résultats', exact: true }).click();
    assert.match(await admin.locator('tbody').innerText(), /Dupont Léa/, 'her result bears the name on the list');
    await admin.context().close();
  });

  it('lets a learner enter a code, without JavaScript', async () => {
    const checked = await newPage(suite.browser, { locale: 'fr-FR' });
    await checked.goto(`${suite.server.baseUrl}/campagnes`);
    await assertPageBasics(checked, { lang: 'fr', label: 'code entry' });
    await checked.context().close();
    // axe needs JavaScript; the journey itself does not.
    const page = await newPage(suite.browser, { locale: 'fr-FR', javaScriptEnabled: false });
    await logIn(page, suite.server, 'learner@demo.example', demoPassword(suite.server, 'learner@demo.example'));
    await page.goto(`${suite.server.baseUrl}/campagnes`);
    await page.getByLabel('Code de campagne').fill('ZZZZZZ999');
    await page.getByRole('button', { name: 'Accéder au parcours' }).click();
    assert.match(await page.locator('.field-error').innerText(), /Aucune campagne/);
    await page.getByLabel('Code de campagne').fill('carnet582');
    await page.getByRole('button', { name: 'Accéder au parcours' }).click();
    await page.waitForURL(/\/campagnes\/CARNET582$/);
    await page.getByLabel(/J'accepte de partager mon profil/).check();
    await page.getByRole('button', { name: 'Commencer le parcours' }).click();
    await page.waitForURL(/\/campagnes\/CARNET582\/resultats$/);
    await page.getByRole('button', { name: 'Envoyer mes résultats' }).click();
    assert.match(await page.locator('.notice.success').innerText(), /bien été envoyés/);
    await page.context().close();
  });

  it('gives the demo learner her attestation, for her only', async () => {
    const page = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(page, suite.server, 'learner@demo.example', demoPassword(suite.server, 'learner@demo.example'));
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Mes parcours' }).click();
    await page.getByRole('link', { name: 'Mes attestations' }).click();
    await assertPageBasics(page, { lang: 'fr', label: 'my attestations' });
    const card = page.locator('li', { hasText: 'Protéger ses données personnelles' });
    const link = card.getByRole('link', { name: /Télécharger l'attestation/ });
    const href = await link.getAttribute('href');
    const pdf = await page.request.get(`${suite.server.baseUrl}${href}`);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
    await page.context().close();
    // Someone else gets nothing at that address.
    const other = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(other, suite.server, 'orga-admin@demo.example', demoPassword(suite.server, 'orga-admin@demo.example'));
    assert.equal((await other.request.get(`${suite.server.baseUrl}${href}`)).status(), 404);
    // The school's side: the pupils' attestations by class (the demo's are in 4e A and 4e B), and a class's document.
    await other.getByRole('link', { name: 'Mon organisation' }).click();
    await other.getByRole('link', { name: 'Collège Jules Verne (démo)' }).click();
    await other.getByRole('navigation', { name: /sections/i }).getByRole('link', { name: 'Attestations' }).click();
    await assertPageBasics(other, { lang: 'fr', label: 'orga attestations' });
    assert.ok(await other.locator('tbody tr').count() > 0, 'some pupils hold the sixth-grade attestation');
    const classPdf = await other.getByRole('link', { name: /^Attestation de sensibilisation au numérique — sixième — 4e [AB]/ }).first().getAttribute('href');
    const doc = await other.request.get(`${suite.server.baseUrl}${classPdf}`);
    assert.equal(doc.status(), 200);
    assert.equal(doc.headers()['content-type'], 'application/pdf');
    const zipHref = await other.getByRole('link', { name: /^un PDF par élève \(ZIP\).*4e [AB]/ }).first().getAttribute('href');
    const zip = await other.request.get(`${suite.server.baseUrl}${zipHref}`);
    assert.equal(zip.status(), 200);
    assert.equal(zip.headers()['content-type'], 'application/zip');
    assert.equal((await zip.body()).subarray(0, 2).toString(), 'PK');
    await other.context().close();
  });

  it('gives the back office its organisation and target-profile pages', async () => {
    const page = await newPage(suite.browser, { locale: 'fr-FR' });
    await logIn(page, suite.server, 'super-admin@demo.example', demoPassword(suite.server, 'super-admin@demo.example'));
    await page.goto(`${suite.server.baseUrl}/admin/organizations`);
    await assertPageBasics(page, { lang: 'fr', label: 'admin organisations' });
    await page.getByRole('link', { name: 'Université Marie Curie (démo)' }).click();
    await assertPageBasics(page, { lang: 'fr', label: 'admin organisation' });
    // Editing its settings: every error at once, then a change confirmed on its page.
    await page.getByRole('link', { name: 'Modifier Université Marie Curie (démo)' }).click();
    await assertPageBasics(page, { lang: 'fr', label: 'admin organisation edit' });
    assert.equal(await page.getByLabel('Nom', { exact: true }).inputValue(), 'Université Marie Curie (démo)');
    await page.getByLabel('Nom', { exact: true }).fill('');
    await page.getByLabel('Adresse e-mail du délégué à la protection des données').fill('pas une adresse');
    await page.getByRole('button', { name: 'Enregistrer les modifications' }).click();
    assert.equal(await page.locator('.error-summary li').count(), 2);
    await assertPageBasics(page, { lang: 'fr', label: 'admin organisation edit (errors)' });
    await page.getByLabel('Nom', { exact: true }).fill('Université Marie Curie (démo)');
    await page.getByLabel('Adresse e-mail du délégué à la protection des données').fill('rgpd@universite.example');
    await page.getByLabel('Détailler chaque acquis dans les exports de résultats').check();
    await page.getByRole('button', { name: 'Enregistrer les modifications' }).click();
    await page.waitForURL(/\/admin\/organizations\/[0-9a-f-]+\?updated=1$/);
    assert.match(await page.getByRole('status').innerText(), /modifications de l'organisation sont enregistrées/);
    assert.match(await page.locator('dl.facts').innerText(), /rgpd@universite\.example/);
    await page.goto(`${suite.server.baseUrl}/admin/target-profiles`);
    await assertPageBasics(page, { lang: 'fr', label: 'admin target profiles' });
    await page.getByRole('link', { name: /Rechercher et gérer/ }).click();
    await assertPageBasics(page, { lang: 'fr', label: 'admin target profile' });
    await page.goto(`${suite.server.baseUrl}/admin/target-profiles/new`);
    await assertPageBasics(page, { lang: 'fr', label: 'admin new target profile' });
    await page.getByRole('button', { name: 'Créer le profil cible' }).click();
    assert.ok(await page.locator('.error-summary').isVisible());
    await assertPageBasics(page, { lang: 'fr', label: 'admin new target profile (errors)' });
    // Trainings: the list, one training with its triggers, the forms (and their errors).
    await page.goto(`${suite.server.baseUrl}/admin`);
    await page.getByRole('link', { name: 'Formations recommandées' }).click();
    await assertPageBasics(page, { lang: 'fr', label: 'admin trainings' });
    await page.getByLabel('Rechercher par titre ou identifiant').fill('tableur');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.getByRole('link', { name: /tableur1/ }).click();
    await assertPageBasics(page, { lang: 'fr', label: 'admin training' });
    assert.match(await page.locator('#trigger-prerequisite').innerText(), /20 %/);
    await page.locator('#trigger-goal summary').click();
    await page.getByLabel('Seuil (%)').nth(1).fill('150');
    await page.getByRole('button', { name: 'Enregistrer : Objectif' }).click();
    assert.ok(await page.locator('.error-summary').isVisible());
    await assertPageBasics(page, { lang: 'fr', label: 'admin training (trigger errors)' });
    await page.getByRole('link', { name: 'Modifier la formation' }).click();
    await assertPageBasics(page, { lang: 'fr', label: 'admin training edit' });
    await page.goto(`${suite.server.baseUrl}/admin/trainings/new`);
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    assert.ok(await page.locator('.error-summary').isVisible());
    await assertPageBasics(page, { lang: 'fr', label: 'admin new training (errors)' });
    // Quests and attestations: the demo's two, and a refused configuration.
    await page.goto(`${suite.server.baseUrl}/admin/quests`);
    await assertPageBasics(page, { lang: 'fr', label: 'admin quests' });
    assert.match(await page.locator('#attestations + .table-wrap').innerText(), /SIXTH_GRADE/);
    await page.locator('summary', { hasText: 'Ajouter une quête' }).click();
    await page.getByLabel('Configuration (JSON)').fill('{"rewardType": "attestations"');
    await page.getByRole('button', { name: 'Ajouter une quête' }).click();
    assert.match(await page.locator('#configuration-error').innerText(), /JSON/);
    await assertPageBasics(page, { lang: 'fr', label: 'admin quests (errors)' });
    await page.context().close();
  });
});
