// Debian's Chromium driven by playwright-core, and the checks every page must pass.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname;

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A new page that fails the test on any console error (CSP violations included). */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  // A step that cannot happen fails the test instead of hanging it.
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  page.consoleErrors = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // An error page's own status (a 404 the test asked for) is reported as a failed load: not a fault.
    if (msg.text().startsWith('Failed to load resource') && msg.location().url === page.url()) return;
    page.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => page.consoleErrors.push(String(err)));
  return page;
}

/** Runs axe with the WCAG 2.1 A and AA rules and fails on any violation. */
export async function assertAccessible(page, label) {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  assert.deepEqual(
    violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `axe violations on ${label}`,
  );
}

/** Checks shared by every page: language, title, skip link first, reflow at 320 px, no errors. */
export async function assertPageBasics(page, { lang, label, exam = false }) {
  assert.equal(await page.getAttribute('html', 'lang'), lang, `lang of ${label}`);
  const title = await page.title();
  assert.ok(title.length > 3 && title.includes('Pix'), `title of ${label}: ${title}`);
  assert.equal(await page.locator('h1').count(), 1, `one h1 on ${label}`);
  // An exam page (a certification test under way) has no navigation, by design.
  for (const landmark of exam ? ['header', 'main', 'footer'] : ['header', 'nav', 'main', 'footer']) {
    assert.ok(await page.locator(landmark).count() >= 1, `${landmark} landmark on ${label}`);
  }
  if (exam) assert.equal(await page.locator('nav').count(), 0, `no navigation on ${label}`);
  // The skip link is the first tab stop and moves focus to the main content.
  await page.locator('body').focus();
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link', `skip link first on ${label}`);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main', `skip link target on ${label}`);
  await assertAccessible(page, label);
  // WCAG 1.4.10: no horizontal scrolling at 320 CSS pixels.
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `horizontal scroll of ${overflow}px at 320px on ${label}`);
  await page.setViewportSize(viewport);
  assert.deepEqual(page.consoleErrors, [], `console errors on ${label}`);
}

/** Saves screenshots at 375 and 1280 px wide under e2e/artifacts/. */
export async function screenshots(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const viewport = page.viewportSize();
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${ARTIFACTS}${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize(viewport);
}
