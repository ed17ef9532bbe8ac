#!/usr/bin/env node
// Open pygeoapi HTML pages of GeoHub (collection, items, item) in Debian's Chromium (driven by npm
// playwright-core; no browser is ever downloaded), wait until the page's Leaflet map has drawn
// GeoHub's basemap under it (data-basemap="ready", set by geohub/pages/assets/js/map-data.js), and
// print a JSON report per page: every answer, requests to other hosts (aborted), page errors, the
// map's attribution, CSP violations and a screenshot of the map alone. tests/styles/test_pages_basemap.py asserts on it.
//
//   node tests/styles/pages_check.cjs '{"chromium": ..., "allowedOrigin": ..., "pages": [{"url", "map", "screenshot"}]}'
'use strict';

const { launchChromium, guardedContext } = require('../chromium.cjs');

async function checkPage(context, { url, map, screenshot }) {
  const result = { url, responses: [], pageErrors: [] };
  const record = (response) => result.responses.push({ url: response.url(), status: response.status() });
  context.on('response', record); // the context's: MapLibre fetches tiles from its workers
  const page = await context.newPage();
  page.on('pageerror', (error) => result.pageErrors.push(String(error)));
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForSelector(`${map}[data-basemap="ready"]`, { timeout: 60_000 });
    await page.waitForTimeout(300); // Leaflet's own layers settle over the drawn basemap
    result.violations = await page.evaluate(() => window.__violations);
    result.basemap = await page.evaluate((selector) => {
      const element = document.querySelector(selector);
      return {
        state: element.dataset.basemap,
        canvases: element.querySelectorAll('canvas.maplibregl-canvas').length,
        attribution: element.querySelector('.leaflet-control-attribution').textContent,
      };
    }, map);
    await page.locator(map).screenshot({ path: screenshot });
    result.screenshot = screenshot;
    await page.setViewportSize({ width: 360, height: 740 }); // a phone: nothing may widen the page
    await page.waitForTimeout(200);
    result.phoneScrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  } catch (error) {
    result.error = String(error);
  }
  await page.close();
  context.off('response', record);
  return result;
}

async function main() {
  const options = JSON.parse(process.argv[2]);
  const report = { pages: [], blocked: [] };
  const browser = await launchChromium(options.chromium);
  try {
    const context = await guardedContext(browser, {
      origins: [options.allowedOrigin],
      viewport: { width: 1280, height: 900 },
      onBlocked: (url) => report.blocked.push(url),
    });
    await context.addInitScript(() => { // before any script of the page, outside its CSP
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    for (const page of options.pages) report.pages.push(await checkPage(context, page));
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report));
}

main().catch((error) => {
  process.stderr.write(`pages_check: ${error.stack || error}\n`);
  process.exit(1);
});
