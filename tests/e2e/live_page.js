/* live_page.js: the live page in a real headless Chromium, as a trainer
 * would use it (driven by tests/e2e/test_serve.sh).
 *
 * Usage: node live_page.js URL SCREENSHOT.png
 * Needs playwright-core on NODE_PATH and Chromium at $CHROMIUM (default
 * /usr/bin/chromium). Exits non-zero with a message on the first failure.
 *
 * Checks: the page loads with no script error and no request leaving the
 * server's origin; the charts are drawn; moving the social-workers slider
 * with the keyboard reruns the simulation and redraws the charts; more
 * social workers give a shorter unallocated list (the number the page
 * shows); a screenshot is saved.
 */
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const url = process.argv[2];
const shot = process.argv[3];
if (!url || !shot) {
  console.error('usage: node live_page.js URL SCREENSHOT.png');
  process.exit(2);
}

function fail(msg) {
  console.error('live_page: FAIL: ' + msg);
  process.exitCode = 1;
  throw new Error(msg);
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsim-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1360, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const problems = [];
  const origin = new URL(url).origin;
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on('pageerror', (e) => problems.push('script error: ' + e.message));
    page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(origin) && !u.startsWith('data:')) problems.push('request left the server: ' + u);
    });

    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-renders="1"]', { timeout: 30000 });
    const charts = await page.$$eval('svg.chart', (els) => els.map((e) => e.id));
    for (const id of ['chart-unallocated', 'chart-caseload', 'chart-staff-2', 'chart-burnout', 'chart-harm']) {
      if (!charts.includes(id)) fail('chart ' + id + ' missing; found ' + charts.join(', '));
    }
    const readWaiting = () => page.$eval('#out-unallocated_mean', (e) => Number(e.dataset.value));
    const readLine = () => page.$eval('#chart-unallocated', (e) =>
      Array.from(e.querySelectorAll('polyline')).map((p) => p.getAttribute('points')).join('|'));
    const before = await readWaiting();
    const lineBefore = await readLine();
    const slider = page.locator('[id="lever-team.social_workers"]');
    const sw0 = Number(await slider.inputValue());
    console.log('live_page: loaded; ' + sw0 + ' social workers, ' + before + ' cases waiting');

    /* Three presses of the right arrow: three more posts, as a trainer
     * would do it; the page debounces them into one rerun. */
    await slider.focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    const sw1 = Number(await slider.inputValue());
    if (!(sw1 > sw0)) fail('the slider did not move (' + sw0 + ' -> ' + sw1 + ')');
    await page.waitForFunction(
      (n) => document.body.dataset.renders !== '1' &&
        Number(document.querySelector('#out-unallocated_mean').dataset.value) !== n &&
        !document.body.classList.contains('busy'),
      before, { timeout: 30000 });
    /* Let a debounced straggler land before reading. */
    await page.waitForTimeout(400);
    const after = await readWaiting();
    const lineAfter = await readLine();
    const shown = await page.$eval('[id="value-team.social_workers"]', (e) => e.textContent);
    console.log('live_page: moved to ' + sw1 + ' (shown "' + shown + '"); ' + after + ' cases waiting');
    if (lineAfter === lineBefore) fail('the waiting-list chart was not redrawn');
    if (!(after < before)) fail('more social workers did not shorten the list: ' + before + ' -> ' + after);
    if (String(sw1) !== shown.trim()) fail('the slider shows ' + shown + ', not ' + sw1);
    const headline = await page.$eval('#headline', (e) => e.textContent);
    if (!/cases waiting/.test(headline)) fail('no headline sentence: ' + headline);

    await page.screenshot({ path: shot, fullPage: true });
    console.log('live_page: screenshot ' + shot);
    if (problems.length) fail(problems.join('; '));
    console.log('live_page: ok');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
})().catch((e) => {
  if (!process.exitCode) {
    console.error('live_page: FAIL: ' + (e && e.message ? e.message : e));
    process.exitCode = 1;
  }
});
