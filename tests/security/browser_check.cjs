#!/usr/bin/env node
// Open GeoHub's HTML pages in Debian's Chromium (driven by npm playwright-core; no browser is ever
// downloaded), one browser and one context for all of them, and print a JSON report per page: CSP
// violations (the securitypolicyviolation event and console reports), page errors, dialogs, whether
// hostile markup ran (window.__xss), and whether the page's own scripts ran (its `ready` selector
// appeared). Items pages also open every marker's popup and report what it shows.
// tests/security/test_browser.py asserts on it.
//
//   node tests/security/browser_check.cjs '{"chromium": ..., "allowedOrigins": [...], "pages": [{"url": ..., "ready": ...}]}'
'use strict';

const { launchChromium, guardedContext } = require('../chromium.cjs');

// Runs before any script of the page, outside its CSP: records every violation the page causes.
function watchViolations() {
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__geohubReportViolation(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
  });
}

async function checkPage(context, { url, ready, popups }) {
  const started = Date.now();
  const result = { url, violations: [], cspConsole: [], consoleErrors: [], pageErrors: [], dialogs: [], blocked: [] };
  const page = await context.newPage();
  await page.exposeFunction('__geohubReportViolation', (text) => result.violations.push(text));
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy/i.test(text)) result.cspConsole.push(text);
    else if (message.type() === 'error') result.consoleErrors.push(text);
  });
  page.on('pageerror', (error) => result.pageErrors.push(String(error)));
  page.on('dialog', (dialog) => { result.dialogs.push(dialog.message()); dialog.dismiss().catch(() => {}); });
  try {
    const response = await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    result.status = response.status();
    await page.waitForSelector(ready, { state: 'attached', timeout: 30_000 });
    result.ready = true;
    if (popups) {
      result.popups = await page.evaluate(async () => {
        const shown = [];
        const map = window.geohubItemsMap;
        const layers = [];
        map.eachLayer((layer) => { if (layer.getPopup && layer.getPopup() && layer.getLatLng) layers.push(layer); });
        for (const layer of layers) {
          layer.openPopup();
          const content = layer.getPopup().getElement().querySelector('.leaflet-popup-content');
          shown.push({
            text: content.textContent,
            elements: [...content.querySelectorAll('*')].map((e) => e.tagName),
            href: content.querySelector('a').getAttribute('href'),
          });
          layer.closePopup();
        }
        return shown;
      });
    }
  } catch (error) {
    result.ready = false;
    result.error = String(error);
  }
  await page.waitForTimeout(200); // late reports (the JSON-LD request) still count
  result.xss = await page.evaluate(() => typeof window.__xss !== 'undefined').catch((error) => String(error));
  await page.close();
  result.ms = Date.now() - started;
  return result;
}

async function main() {
  const options = JSON.parse(process.argv[2]);
  const browser = await launchChromium(options.chromium);
  const report = { pages: [], blocked: [] };
  try {
    const context = await guardedContext(browser, {
      origins: options.allowedOrigins,
      viewport: { width: 1024, height: 768 },
      onBlocked: (url) => report.blocked.push(url),
    });
    await context.addInitScript(watchViolations);
    for (const page of options.pages) report.pages.push(await checkPage(context, page));
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report));
}

main().catch((error) => {
  process.stderr.write(`browser_check: ${error.stack || error}\n`);
  process.exit(1);
});
