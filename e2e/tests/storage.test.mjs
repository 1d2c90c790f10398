// Storage that refuses writes (docs/operations.md): a learner answering meets the clear "cannot save
// right now" page, accessible and in her language, while the pages she reads still show; once
// storage is back she finds the same question and her answer is taken. On SQLite the refusal is a
// node on the read-only file; on PostgreSQL the database switched to read-only, as a standby is.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { serverAndBrowser } from '../lib/suite.mjs';
import { assertPageBasics, newPage } from '../lib/browser.mjs';
import { answerWithKeyboard, logIn } from '../lib/journeys.mjs';

/** Switches the server's PostgreSQL database to read-only (or back) and closes its connections. */
function setReadOnly(server, readOnly) {
  const name = server.databaseUrl.replace(/^.*\//, '');
  const before = spawnSync('psql', [process.env.PIX_E2E_POSTGRES_URL, '-tAc', 'SELECT clock_timestamp()'], { encoding: 'utf8' });
  assert.equal(before.status, 0, before.stderr);
  const switchedAt = before.stdout.trim();
  const done = spawnSync(
    'psql',
    [
      process.env.PIX_E2E_POSTGRES_URL,
      '-v', 'ON_ERROR_STOP=1', '-qc',
      `ALTER DATABASE ${name} SET default_transaction_read_only = ${readOnly ? 'on' : 'off'}`,
      '-c', `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(done.status, 0, done.stderr);
  // pg_terminate_backend only signals: wait until the sessions opened before the switch are gone,
  // or one of them (read-only, or writable) would still serve the next request.
  for (let tries = 0; ; tries++) {
    const left = spawnSync(
      'psql',
      [process.env.PIX_E2E_POSTGRES_URL, '-tAc', `SELECT count(*) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid() AND backend_start <= '${switchedAt}'`],
      { encoding: 'utf8' },
    );
    assert.equal(left.status, 0, left.stderr);
    if (Number(left.stdout.trim()) === 0) break;
    assert.ok(tries < 100, `the server's sessions on ${name} end`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

describe('storage that refuses writes', () => {
  const suite = serverAndBrowser();

  it('tells the learner her answer was not saved, keeps reading, and takes it once storage is back', async () => {
    const { server, browser } = suite;
    const page = await newPage(browser, { locale: 'fr-FR' });
    await logIn(page, server, 'learner@demo.example');
    await page.getByRole('button', { name: /^Commencer/ }).first().click();
    await answerWithKeyboard(page);
    assert.match(await page.locator('#progress').innerText(), /Question 2\b/);
    const question = page.url();
    const shown = await page.locator('#challenge-form').getAttribute('data-challenge');

    let base = server.baseUrl;
    let readOnly;
    if (server.databaseUrl) {
      setReadOnly(server, true);
    } else {
      readOnly = await suite.startServer({ node: { dataDir: server.dataDir, databaseUrl: `sqlite://${server.dataDir}/pix.db?mode=ro` } });
      base = readOnly.baseUrl;
    }
    // Reading goes on: the question and the profile show.
    await page.goto(question.replace(server.baseUrl, base));
    assert.equal(await page.locator('#challenge-form').getAttribute('data-challenge'), shown);
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/answers')),
      answerWithKeyboard(page),
    ]);
    assert.equal(refused.status(), 507);
    assert.equal(await page.locator('h1').innerText(), 'Enregistrement impossible pour le moment');
    assert.match(await page.locator('main').innerText(), /n'a pas été enregistré.*conservé/s);
    page.consoleErrors.length = 0; // the browser reports the 507 itself
    await assertPageBasics(page, { lang: 'fr', label: 'answer refused (507)' });
    const profile = await page.goto(`${base}/profile`);
    assert.equal(profile.status(), 200);
    assert.ok(await page.locator('.competence-card').count() > 0, 'the profile lists the competences');

    // Storage is back: the same question, and the answer is taken.
    if (server.databaseUrl) {
      setReadOnly(server, false);
    } else {
      await readOnly.stop();
    }
    await page.goto(question);
    assert.equal(await page.locator('#challenge-form').getAttribute('data-challenge'), shown);
    assert.match(await page.locator('#progress').innerText(), /Question 2\b/);
    await answerWithKeyboard(page);
    assert.match(await page.locator('#progress').innerText(), /Question 3\b/);
    await page.context().close();
  });
});
