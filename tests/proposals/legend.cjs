#!/usr/bin/env node
// The web map after a layer was approved: its row in the layer list, with the legend read from the
// style (geohub/styles/templates.py's overlay). Prints one JSON report.
//
//   node tests/proposals/legend.cjs '{"base": ..., "chromium": ..., "layer": ...}'
'use strict';

const { launchChromium, guardedContext } = require('../chromium.cjs');

async function main() {
  const options = JSON.parse(process.argv[2]);
  const origin = new URL(options.base).origin;
  const report = { blocked: [], pageErrors: [] };
  const browser = await launchChromium(options.chromium);
  try {
    const context = await guardedContext(browser, {
      origins: [origin], viewport: { width: 1280, height: 800 }, onBlocked: (url) => report.blocked.push(url),
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => report.pageErrors.push(String(error)));
    await page.goto(`${options.base}/?lang=en`);
    await page.click('#nav-layers');
    await page.waitForSelector('#panel-layers:not([hidden])');
    await page.waitForSelector('#layer-list[data-state="ready"]', { timeout: 60_000 });
    const item = page.locator(`.layer-item[data-layer="${options.layer}"]`);
    report.items = await item.count();
    if (report.items) {
      report.label = (await item.locator('label').innerText()).trim();
      report.legend = await item.locator('.legend li').evaluateAll((rows) => rows.map((row) => {
        const swatch = row.querySelector('.swatch');
        return { text: row.textContent.trim(), kind: swatch.className, colour: getComputedStyle(swatch).backgroundColor };
      }));
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report));
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
