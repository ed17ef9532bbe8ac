#!/usr/bin/env node
// Open a GeoHub style preview page in Debian's Chromium (driven by npm playwright-core; no browser
// is ever downloaded), wait for the map's `idle` event, and print a JSON report of what happened:
// every request and its answer, requests to other hosts (aborted), console and page errors, what
// the map rendered, and where the screenshot went. tests/styles/test_browser.py asserts on it.
//
//   node tests/styles/browser_check.cjs '{"url": ..., "allowedOrigin": ..., "screenshot": ..., "chromium": ...}'
'use strict';

const { launchChromium, guardedContext } = require('../chromium.cjs');

async function main() {
  const options = JSON.parse(process.argv[2]);
  const report = { requests: [], responses: [], blocked: [], failed: [], consoleErrors: [], pageErrors: [] };
  const browser = await launchChromium(options.chromium);
  try {
    const context = await guardedContext(browser, {
      origins: [options.allowedOrigin],
      viewport: { width: 1024, height: 768 },
      onBlocked: (url) => report.blocked.push(url),
    });
    // context events: the page's requests and those of its workers (MapLibre fetches tiles there)
    context.on('request', (request) => report.requests.push(request.url()));
    context.on('response', (response) => report.responses.push({ url: response.url(), status: response.status() }));
    context.on('requestfailed', (request) => report.failed.push({ url: request.url(), error: request.failure()?.errorText }));
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') report.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => report.pageErrors.push(String(error)));

    await page.goto(options.url, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForSelector('#map[data-state="idle"]', { timeout: options.timeoutMs || 90_000 });
    report.map = await page.evaluate(() => {
      const map = window.geohubMap;
      const canvas = map.getCanvas();
      const rendered = map.queryRenderedFeatures();
      const sourceLayers = {};
      for (const feature of rendered) {
        const key = `${feature.source}/${feature.sourceLayer || ''}`;
        sourceLayers[key] = (sourceLayers[key] || 0) + 1;
      }
      return {
        loaded: map.loaded(),
        styleName: map.getStyle().name,
        center: map.getCenter().toArray(),
        zoom: map.getZoom(),
        renderedFeatures: rendered.length,
        sourceLayers,
        canvas: {
          width: canvas.width,
          height: canvas.height,
          tabIndex: canvas.tabIndex,
          ariaLabel: canvas.getAttribute('aria-label'),
        },
        container: {
          role: map.getContainer().getAttribute('role'),
          ariaLabel: map.getContainer().getAttribute('aria-label'),
        },
        lang: document.documentElement.lang,
      };
    });
    // the layer list with each layer's freshness, filled from /collections once the style loaded
    await page.waitForSelector('#layer-list:not([data-state="loading"])', { state: 'attached', timeout: 30_000 });
    report.layerList = await page.evaluate(() => {
      const list = document.getElementById('layer-list');
      return {
        state: list.dataset.state,
        items: [...list.querySelectorAll('li')].map((item) => ({ layer: item.dataset.layer, text: item.textContent })),
        summary: document.querySelector('#layers summary').textContent,
      };
    });
    await page.focus('canvas.maplibregl-canvas');
    report.focused = await page.evaluate(() => document.activeElement?.classList.contains('maplibregl-canvas'));
    await page.screenshot({ path: options.screenshot });
    report.screenshot = options.screenshot;
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report));
}

main().catch((error) => {
  process.stderr.write(`browser_check: ${error.stack || error}\n`);
  process.exit(1);
});
