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

module.exports = { launchChromium };
