#!/usr/bin/env node
// The developers page in Debian's Chromium (npm playwright-core, tests/chromium.cjs): axe-core,
// a keyboard pass with visible focus, registering an app (a refused try, then a key), copying it,
// its use per day remembered on this device; at 360 px and on a desktop. Prints one JSON report.
//
//   node tests/developers/browser_check.cjs '{"base": ..., "chromium": ..., "screenshotDir": ...}'
'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');
const { launchChromium, guardedContext } = require('../chromium.cjs');

const webRequire = createRequire(path.resolve(__dirname, '../../web/package.json'));
const AXE_SOURCE = fs.readFileSync(webRequire.resolve('axe-core/axe.min.js'), 'utf8');
const SERIOUS = new Set(['serious', 'critical']);
const PHONE = { width: 360, height: 780 };
const DESKTOP = { width: 1280, height: 900 };

async function axe(page) {
  // evaluated through the DevTools protocol: the page's CSP (no inline script) is untouched
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, {
    resultTypes: ['violations'],
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  return result.violations.filter((v) => SERIOUS.has(v.impact))
    .map((v) => ({ id: v.id, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}

/** Tab through the page: each stop's element and whether its focus is visible. */
async function keyboardPass(page, limit = 400) {
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  const stops = [];
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const visible = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
      return { tag: el.tagName.toLowerCase(), id: el.id, copy: el.dataset.copy || '', text: (el.textContent || '').trim().slice(0, 40), visible };
    });
    if (!stop) break;
    if (stops.length && stop.tag === stops[0].tag && stop.id === stops[0].id && stop.text === stops[0].text) break;
    stops.push(stop);
  }
  return stops;
}

async function run(options) {
  const browser = await launchChromium(options.chromium);
  const report = { blocked: [], pageErrors: [], consoleErrors: [], keyInUrls: [], views: {} };
  const shots = options.screenshotDir;
  fs.mkdirSync(shots, { recursive: true });
  try {
    for (const [name, viewport, lang] of [['phone-ru', PHONE, 'ru'], ['desktop-kk', DESKTOP, 'kk']]) {
      const context = await guardedContext(browser, { origins: [options.base], viewport, onBlocked: (u) => report.blocked.push(u) });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: options.base });
      const page = await context.newPage();
      const urls = [];
      page.on('request', (request) => urls.push(request.url()));
      page.on('pageerror', (error) => report.pageErrors.push(String(error)));
      page.on('console', (message) => {
        // the refused registration's 400 is the answer the page expects (and shows)
        if (message.type() === 'error' && !message.location().url.endsWith('/developers/apps')) {
          report.consoleErrors.push(`${message.text()} ${message.location().url}`);
        }
      });
      const view = {};
      await page.goto(`${options.base}/developers/?lang=${lang}`, { waitUntil: 'networkidle' });
      view.overflowX = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      view.axeStart = await axe(page);
      await page.screenshot({ path: path.join(shots, `developers-${name}.png`), fullPage: false });
      view.keyboard = await keyboardPass(page);

      // a refused registration: the e-mails differ
      await page.fill('#app-name', 'Avtobus Almaty');
      await page.fill('#app-email', 'dev@example.kz');
      await page.fill('#app-email-again', 'dev@example.com');
      await page.check('#app-terms');
      await page.focus('#app-terms');
      await page.keyboard.press('Enter');  // submits the form from the keyboard
      await page.waitForSelector('#app-email-again[aria-invalid="true"]');
      view.refused = await page.evaluate(() => ({
        focused: document.activeElement.id,
        error: document.getElementById('app-email-again-error').textContent,
        summary: document.getElementById('register-summary').textContent,
      }));
      view.axeRefused = await axe(page);
      await page.screenshot({ path: path.join(shots, `developers-${name}-refused.png`) });

      await page.fill('#app-email-again', 'dev@example.kz');
      await page.click('#register-form button[type=submit]');
      await page.waitForSelector('#new-key:not([hidden])');
      const key = (await page.textContent('#new-key-value')).trim();
      view.keyShape = /^ghk_[0-9a-f]+_\S+$/.test(key);
      view.keyFocused = await page.evaluate(() => document.activeElement.id);
      await page.click('#new-key button.copy');
      view.copied = (await page.evaluate(() => navigator.clipboard.readText())) === key;
      view.axeKey = await axe(page);
      await page.screenshot({ path: path.join(shots, `developers-${name}-key.png`) });

      // use a tile with the key, then read the key's use (remembered on this device)
      await page.evaluate(async (k) => { await fetch(`/tiles/city/14/11693/6005.mvt?key=${k}`); }, key);
      await page.check('#usage-remember');
      await page.click('#usage-form button[type=submit]');
      await page.waitForSelector('#usage-result table');
      view.usageRows = await page.locator('#usage-result tbody tr').count();
      view.usageTotal = await page.textContent('#usage-result .dev-usage-total');
      view.axeUsage = await axe(page);
      await page.locator('#usage').screenshot({ path: path.join(shots, `developers-${name}-usage.png`) });
      await page.reload({ waitUntil: 'networkidle' });
      await page.waitForSelector('#usage-result table');
      view.rememberedAfterReload = (await page.inputValue('#usage-key')) === key;
      view.overflowXAfter = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      report.keyInUrls.push(...urls.filter((u) => u.includes(key) && !u.includes('/tiles/')));
      report.views[name] = view;
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return report;
}

run(JSON.parse(process.argv[2]))
  .then((report) => { process.stdout.write(JSON.stringify(report)); })
  .catch((error) => { process.stderr.write(`${error.stack || error}\n`); process.exit(1); });
