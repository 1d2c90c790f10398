// Steps several journeys share.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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
