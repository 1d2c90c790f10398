// The invigilator's screen follows the candidate live (on PostgreSQL from another node); the
// candidate's node dies (kill -9) in the middle of the certification: she goes on from another node
// (on PostgreSQL the second node already running; on SQLite, the node restarted on the same file) at
// the question she was on, with every acknowledged answer kept; then she leaves the test, and coming
// back through the entrance needs the invigilator's authorisation to resume.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from '../lib/suite.mjs';
import { newPage } from '../lib/browser.mjs';
import { answerWithKeyboard, demoSessionCodes, joinDemoSession, openInvigilatorScreen } from '../lib/journeys.mjs';

const ANSWERED_BEFORE_THE_CRASH = 3;

describe('certification resumption', () => {
  const suite = serverAndBrowser();

  it('goes on at the same question on another node after kill -9, then resumes with the invigilator', async () => {
    const { server: first, browser } = suite;
    // On PostgreSQL a second node serves the same database from the start.
    let second = first.databaseUrl ? await suite.startServer({ node: first }) : undefined;
    const { number, code, password } = await demoSessionCodes(browser, first);
    const candidate = await newPage(browser, { locale: 'fr-FR' });
    await joinDemoSession(candidate, first, number, code);
    const home = candidate.url();
    const invigilator = await newPage(browser, { locale: 'fr-FR' });
    await openInvigilatorScreen(invigilator, second ?? first, number, password);
    const screen = invigilator.url();
    const row = invigilator.locator('tbody tr', { hasText: 'Apprenante' });
    assert.match(await invigilator.locator('#live-status').innerText(), /action de votre part : 1\b/);
    await row.getByRole('button', { name: /Autoriser/ }).click();
    await candidate.reload();
    await candidate.getByRole('button', { name: 'Commencer la certification' }).click();
    // Each answer shows on the invigilator's screen within a second, without reloading it.
    for (let i = 1; i <= ANSWERED_BEFORE_THE_CRASH; i++) {
      await answerWithKeyboard(candidate);
      const answered = Date.now();
      await invigilator.waitForFunction(
        (n) => document.getElementById('live-candidates').innerText.includes(`(${n} / 32)`),
        i,
        { timeout: 1000 },
      );
      assert.ok(Date.now() - answered < 1000, 'within a second');
    }
    assert.match(await invigilator.locator('#live-status').innerText(), /Aucun candidat/);
    const question = candidate.url();
    const shown = await candidate.locator('#challenge-form').getAttribute('data-challenge');
    assert.match(await candidate.locator('#progress').innerText(), new RegExp(`Question ${ANSWERED_BEFORE_THE_CRASH + 1}\\b`));

    // The node dies without a chance to flush anything.
    await first.kill();
    if (!first.databaseUrl) second = await suite.startServer({ node: first });
    const moved = (url) => url.replace(first.baseUrl, second.baseUrl);

    // Same person (her session lives in the database), same question, every answer kept.
    await candidate.goto(moved(question));
    assert.equal(await candidate.locator('#challenge-form').getAttribute('data-challenge'), shown);
    assert.match(await candidate.locator('#progress').innerText(), new RegExp(`Question ${ANSWERED_BEFORE_THE_CRASH + 1}\\b`));
    await invigilator.goto(moved(screen));
    assert.match(
      await invigilator.locator('tbody tr', { hasText: 'Apprenante' }).innerText(),
      new RegExp(`En cours \\(${ANSWERED_BEFORE_THE_CRASH} / 32\\)`),
    );
    await answerWithKeyboard(candidate);
    const next = await candidate.locator('#challenge-form').getAttribute('data-challenge');

    // She leaves the test; the entrance needs the invigilator again.
    await candidate.goto(moved(home));
    assert.match(await candidate.locator('main').innerText(), /demandez au surveillant de vous autoriser à le reprendre/);
    await invigilator.reload();
    assert.match(await row.innerText(), new RegExp(`En cours \\(${ANSWERED_BEFORE_THE_CRASH + 1} / 32\\)`));
    await row.getByRole('button', { name: /Autoriser la reprise/ }).click();
    assert.match(await invigilator.locator('tbody tr', { hasText: 'Apprenante' }).innerText(), /Reprise autorisée/);
    await candidate.reload();
    await candidate.getByRole('button', { name: 'Reprendre la certification' }).click();
    assert.equal(await candidate.locator('#challenge-form').getAttribute('data-challenge'), next);
    assert.match(await candidate.locator('#progress').innerText(), new RegExp(`Question ${ANSWERED_BEFORE_THE_CRASH + 2}\\b`));
    // The killed node's event stream broke, and the browser tried to reach it again: expected.
    const killed = /ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONNECTION_REFUSED/;
    assert.deepEqual([...candidate.consoleErrors, ...invigilator.consoleErrors].filter((e) => !killed.test(e)), []);
  });
});
