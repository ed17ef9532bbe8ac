// Debian's Chromium driven by npm playwright-core (from web/node_modules; no browser is ever
// downloaded), launched the one way every browser test launches it.
'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const webRequire = createRequire(path.resolve(__dirname, '../web/package.json'));
const { chromium } = webRequire('playwright-core');

// As root Chromium needs --no-sandbox; the rest keep it from calling home. Software WebGL
// (SwiftShader) is what headless Chromium without a GPU draws maps with.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/** A headless Chromium from `executablePath` (Debian's `chromium`). */
function launchChromium(executablePath) {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}

/**
 * A new browser context whose pages may reach `origins` (and blob:/data: URLs) and nothing else:
 * any other request is aborted and its URL passed to `onBlocked`. Service workers are blocked.
 */
async function guardedContext(browser, { origins, viewport, onBlocked }) {
  const context = await browser.newContext({ viewport, serviceWorkers: 'block' });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (origins.some((origin) => url.startsWith(`${origin}/`))) return route.continue();
    if (url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
    onBlocked(url);
    return route.abort('blockedbyclient');
  });
  return context;
}

const SERIOUS = new Set(['serious', 'critical']);
let axeSource = null;

/**
 * axe-core's serious and critical violations on `page` as it is now (WCAG 2.1 A/AA and best
 * practice), each with its rule, impact, help and first five targets. axe is evaluated through
 * the DevTools protocol, so the page's CSP (no inline script) is untouched.
 */
async function seriousViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    axeSource = axeSource || fs.readFileSync(webRequire.resolve('axe-core/axe.min.js'), 'utf8');
    await page.evaluate(axeSource);
  }
  const result = await page.evaluate(() => window.axe.run(document, {
    resultTypes: ['violations'],
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  return result.violations
    .filter((violation) => SERIOUS.has(violation.impact))
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.slice(0, 5).map((node) => node.target.join(' ')),
    }));
}

module.exports = { launchChromium, guardedContext, seriousViolations };
