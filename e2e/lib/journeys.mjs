// Steps several journeys share.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newPage } from './browser.mjs';

/** The password of the accounts the journeys create. */
export const PASSWORD = 'Secret-Pass-2026';

/** Signs up with the French form, then logs in; lands on the profile. */
export async function signUpAndLogIn(page, baseUrl, email, { first = 'Noé', last = 'Leroy' } = {}) {
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel('Prénom').fill(first);
  await page.getByLabel('Nom', { exact: true }).fill(last);
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(PASSWORD);
  await page.getByLabel(/J'accepte/).check();
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await page.getByLabel('Adresse e-mail ou identifiant').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/profile$/);
}

/** Answers the current challenge with the keyboard only: first choice, or a typed answer. */
export async function answerWithKeyboard(page) {
  const radio = page.locator('input[type=radio]').first();
  const checkbox = page.locator('input[type=checkbox]').first();
  if (await radio.count()) {
    await radio.focus();
    await page.keyboard.press('Space');
  } else if (await checkbox.count()) {
    await checkbox.focus();
    await page.keyboard.press('Space');
  } else {
    const fields = page.locator('.inputs input, .inputs select');
    const n = await fields.count();
    for (let i = 0; i < n; i++) {
      const field = fields.nth(i);
      await field.focus();
      if ((await field.evaluate((e) => e.tagName)) === 'SELECT') {
        await page.keyboard.press('ArrowDown');
      } else {
        await page.keyboard.type('12');
      }
    }
  }
  // The submit button is the next tab stop after the answer fields.
  await page.getByRole('button', { name: 'Valider ma réponse' }).focus();
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

/** The password a demo account got, from the server's log. */
export function demoPassword(server, email) {
  const line = server.log().split('\n').find((l) => l.includes(`email="${email}"`) && l.includes('password='));
  assert.ok(line, `demo account ${email} in the log`);
  return line.match(/password=(\S+)/)[1];
}

/**
 * The newest mailed link whose path matches `pathPattern` (a regular expression source), as
 * `path?token=…`, waiting for the outbox worker to write it.
 */
export async function lastMailLink(dataDir, pathPattern) {
  const dir = join(dataDir, 'outbox');
  const deadline = Date.now() + 10000;
  for (;;) {
    const files = existsSync(dir) ? readdirSync(dir).sort() : [];
    if (files.length > 0) {
      const mail = readFileSync(join(dir, files[files.length - 1]), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      const match = mail.match(new RegExp(`(${pathPattern})\\?token=([0-9a-f]{64})`));
      if (match) return `${match[1]}?token=${match[2]}`;
    }
    if (Date.now() > deadline) throw new Error(`no mail with a ${pathPattern} link in ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The token of the newest mailed link to `path`. */
export async function lastMailToken(dataDir, path) {
  return (await lastMailLink(dataDir, path)).split('?token=')[1];
}

/** Signs a demo account in (French interface). */
export async function logIn(page, server, email) {
  await page.goto(`${server.baseUrl}/login`);
  await page.getByLabel('Adresse e-mail ou identifiant').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(demoPassword(server, email));
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/profile$/);
}

/** The demo session's number, candidate access code and invigilator password, as its centre reads them. */
export async function demoSessionCodes(browser, server) {
  const centre = await newPage(browser, { locale: 'fr-FR' });
  await logIn(centre, server, 'centre-admin@demo.example');
  await centre.goto(`${server.baseUrl}/certif`);
  await centre.getByRole('link', { name: 'Centre de certification (démo)' }).click();
  await centre.getByRole('row', { name: /Médiathèque Jules Verne/ }).getByRole('link').click();
  const facts = await centre.locator('dl.facts').innerText();
  await centre.context().close();
  return {
    number: facts.match(/\b(\d{7})\b/)[1],
    code: facts.match(/\b([BCDFGHJKMPQRTVWXY]{4}[2346789]{2})\b/)[1],
    password: facts.match(/Mot de passe de l'espace surveillant\s+(\S{8})/)[1],
  };
}

/**
 * The demo learner signs in and joins the session; `check(label)` runs on the entrance form (e.g.
 * accessibility checks). Ends in the waiting room.
 */
export async function joinDemoSession(page, server, number, code, check = async () => {}) {
  await logIn(page, server, 'learner@demo.example');
  await page.goto(`${server.baseUrl}/certification/rejoindre`);
  await check('join a session');
  await page.getByLabel('Numéro de session').fill(number);
  await page.getByLabel("Code d'accès candidat").fill(code.toLowerCase());
  await page.getByLabel('Date de naissance').fill('12/04/2001');
  await page.getByRole('button', { name: 'Rejoindre la session' }).click();
}

/** Opens the invigilator's screen with the session number and password; `check(label)` runs on the login form. */
export async function openInvigilatorScreen(page, server, number, password, check = async () => {}) {
  await page.goto(`${server.baseUrl}/surveillant`);
  await check('invigilator login');
  await page.getByLabel('Numéro de session').fill(number);
  await page.getByLabel("Mot de passe de l'espace surveillant").fill(password);
  await page.getByRole('button', { name: 'Surveiller la session' }).click();
}
