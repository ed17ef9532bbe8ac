// Debian's Chromium driven by npm playwright-core (from web/node_modules; no browser is ever
// downloaded), launched the one way every browser test launches it.
'use strict';

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

module.exports = { launchChromium, guardedContext };
