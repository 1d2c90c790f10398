// Accounts: sign up, log in, my account, password reset through the outbox, back office — every
// page checked with axe, by keyboard where it matters, and without JavaScript.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { serverAndBrowser } from '../lib/suite.mjs';
import { assertPageBasics, assertAccessible, newPage, screenshots } from '../lib/browser.mjs';
import { demoPassword, lastMailToken } from '../lib/journeys.mjs';

const PASSWORD = 'Secret-Pass-2026';

describe('accounts', () => {
  const suite = serverAndBrowser();

  it('signs up with the keyboard, sees errors announced, then logs in and edits the account', async () => {
    const page = await newPage(suite.browser, { locale: 'fr-FR' });
    await page.goto(`${suite.server.baseUrl}/signup`);
    await assertPageBasics(page, { lang: 'fr', label: 'signup' });
    // Submit an incomplete form: the error summary lists the fields, the input is kept.
    await page.getByLabel('Prénom').fill('Camille');
    await page.getByLabel('Prénom').press('Enter');
    await page.waitForLoadState();
    const summary = page.getByRole('alert');
    await assert.doesNotReject(summary.waitFor());
    assert.ok((await summary.locator('a').count()) >= 3);
    assert.equal(await page.getByLabel('Prénom').inputValue(), 'Camille');
    await assertAccessible(page, 'signup with errors');
    await screenshots(page, 'signup-errors-fr');
    // Fill the form with the keyboard only.
    await page.getByLabel('Nom', { exact: true }).focus();
    await page.keyboard.type('Martin');
    await page.keyboard.press('Tab');
    await page.keyboard.type('camille.e2e@example.org');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'terms');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/login\?welcome=1/);
    await assertPageBasics(page, { lang: 'fr', label: 'login (welcome)' });
    await page.getByLabel('Adresse e-mail ou identifiant').fill('camille.e2e@example.org');
    await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/profile$/);
    await page.getByRole('link', { name: 'Mon compte' }).click();
    await page.waitForURL(/\/account$/);
    await assertPageBasics(page, { lang: 'fr', label: 'account' });
    await screenshots(page, 'account-fr');
    await page.getByLabel('Identifiant (facultatif)').fill('camille.e2e');
    await page.getByLabel('Langue').selectOption('en');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.waitForURL(/saved=profile/);
    assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the account language applies');
    assert.match(await page.getByRole('status').innerText(), /saved/);
    // Download my data.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download my data' }).click()]);
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(exported.account.username, 'camille.e2e');
    // Log out from the header.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${suite.server.baseUrl}/`);
    assert.ok(await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Log in' }).isVisible());
    await page.context().close();
  });

  it('resets a forgotten password with the emailed link, without JavaScript', async () => {
    // Accessibility of the three pages (axe needs JavaScript), then the journey without it.
    const checker = await newPage(suite.browser, { locale: 'en-GB' });
    await checker.goto(`${suite.server.baseUrl}/password/forgot`);
    await assertPageBasics(checker, { lang: 'en', label: 'forgot' });
    await checker.goto(`${suite.server.baseUrl}/password/forgot/sent`);
    await assertPageBasics(checker, { lang: 'en', label: 'forgot sent' });
    await checker.goto(`${suite.server.baseUrl}/password/reset?token=0000`);
    await assertPageBasics(checker, { lang: 'en', label: 'reset link invalid' });
    await checker.context().close();

    const page = await newPage(suite.browser, { locale: 'en-GB', javaScriptEnabled: false });
    await page.goto(`${suite.server.baseUrl}/password/forgot`);
    await page.getByLabel('Email address').fill('learner@demo.example');
    await page.getByRole('button', { name: 'Send me the link' }).click();
    await page.waitForURL(/\/password\/forgot\/sent$/);
    const token = await lastMailToken(suite.server.dataDir, '/password/reset');
    await page.goto(`${suite.server.baseUrl}/password/reset?token=${token}`);
    assert.match(await page.locator('h1').innerText(), /Choose a new password/);
    await page.getByLabel('New password').fill('Another-Pass-77');
    await page.getByRole('button', { name: 'Save the password' }).click();
    await page.waitForURL(/\/login\?reset=1/);
    await page.getByLabel('Email address or username').fill('learner@demo.example');
    await page.getByLabel('Password', { exact: true }).fill('Another-Pass-77');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/profile$/);
    // The link is single use.
    await page.goto(`${suite.server.baseUrl}/password/reset?token=${token}`);
    assert.match(await page.locator('h1').innerText(), /Invalid link|Lien non valide/);
    await page.context().close();
  });

  it('shows a wrong-password error and the back office to a super admin', async () => {
    const page = await newPage(suite.browser, { locale: 'fr-FR' });
    await page.goto(`${suite.server.baseUrl}/login`);
    await page.getByLabel('Adresse e-mail ou identifiant').fill('super-admin@demo.example');
    await page.getByLabel('Mot de passe', { exact: true }).fill('Wrong-pass-1');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await assertAccessible(page, 'login with error');
    assert.match(await page.getByRole('alert').innerText(), /incorrect/);
    await page.getByLabel('Mot de passe', { exact: true }).fill(demoPassword(suite.server, 'super-admin@demo.example'));
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/profile$/);
    await page.getByRole('link', { name: 'Administration' }).click();
    await assertPageBasics(page, { lang: 'fr', label: 'admin home' });
    await page.getByRole('link', { name: 'Comptes' }).click();
    await page.getByLabel('Rechercher un compte').fill('demo.example');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await assertPageBasics(page, { lang: 'fr', label: 'admin users' });
    await page.getByRole('link', { name: 'Apprenante' }).click();
    await assertPageBasics(page, { lang: 'fr', label: 'admin user' });
    await page.goto(`${suite.server.baseUrl}/admin/audit`);
    await assertPageBasics(page, { lang: 'fr', label: 'admin audit' });
    assert.match(await page.locator('table').innerText(), /user\.read/);
    await screenshots(page, 'admin-audit-fr');
    await page.context().close();
  });

  it('opens the organisation and centre spaces for their members', async () => {
    for (const [email, path, heading] of [['orga-admin@demo.example', '/orga', 'Mon organisation'], ['centre-admin@demo.example', '/certif', 'Mon centre de certification']]) {
      const page = await newPage(suite.browser, { locale: 'fr-FR' });
      await page.goto(`${suite.server.baseUrl}/login?next=${path}`);
      await page.getByLabel('Adresse e-mail ou identifiant').fill(email);
      await page.getByLabel('Mot de passe', { exact: true }).fill(demoPassword(suite.server, email));
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.waitForURL(new RegExp(`${path}$`));
      assert.equal(await page.locator('h1').innerText(), heading);
      await assertPageBasics(page, { lang: 'fr', label: path });
      await page.context().close();
    }
  });
});
