#!/usr/bin/env node
// The citizens' web map in a real browser: Debian's Chromium driven by npm playwright-core (no
// browser is ever downloaded). Runs every scenario in tests/webmap/scenarios/*.cjs (or those
// named in options.only), each in its own fresh browser context, and prints one JSON report:
//
//   {"scenarios": {"<name>": {...what the scenario returned, plus requests, blocked, failed,
//                              httpErrors, consoleErrors, pageErrors, axe, seconds}}}
//
// A page may reach GeoHub and nothing else: a request to any other host is aborted and listed in
// `blocked`. A scenario is `module.exports = async function (ctx) { ...; return {...} }`; ctx is
// documented at makeContext below. tests/webmap/conftest.py runs this once per test session.
//
//   node tests/webmap/browser.cjs '{"base": ..., "chromium": ..., "screenshotDir": ..., "only": [...]}'
'use strict';

const fs = require('fs');
const path = require('path');
const { launchChromium, guardedContext, seriousViolations } = require('../chromium.cjs');

const SCENARIOS_DIR = path.join(__dirname, 'scenarios');
const DESKTOP = { width: 1280, height: 800 };
const SCENARIO_TIMEOUT_MS = 120_000;

function scenarioNames(only) {
  const names = fs.readdirSync(SCENARIOS_DIR)
    .filter((file) => file.endsWith('.cjs'))
    .map((file) => file.slice(0, -'.cjs'.length))
    .sort();
  return only && only.length ? names.filter((name) => only.includes(name)) : names;
}

/** What a scenario gets: its browser context, and helpers that record into `record`. */
function makeContext(browser, options, record) {
  const origin = new URL(options.base).origin;
  let context = null;
  let sizes = [];  // of the current context's finished requests
  const contexts = [];

  async function freshContext() {
    sizes = [];
    context = await guardedContext(browser, {
      origins: [origin],
      viewport: DESKTOP,
      onBlocked: (url) => record.blocked.push(url),
    });
    // context events: the pages' requests and those of their workers (MapLibre fetches tiles there)
    context.on('request', (request) => record.requests.push(request.url()));
    context.on('response', (response) => {
      if (response.status() >= 400) record.httpErrors.push({ url: response.url(), status: response.status() });
    });
    context.on('requestfailed', (request) => {
      const error = request.failure()?.errorText;
      if (error !== 'net::ERR_ABORTED') record.failed.push({ url: request.url(), error });
    });
    context.on('requestfinished', (request) => {
      sizes.push(request.sizes().then(
        (size) => ({ url: request.url(), bytes: size.responseBodySize + size.responseHeadersSize }),
        () => ({ url: request.url(), bytes: 0 }),
      ));
    });
    contexts.push(context);
    return context;
  }

  return {
    /** GeoHub's base URL, e.g. http://127.0.0.1:PORT */
    base: options.base,
    /** A moderator's bearer token, for moving reports along as the city's staff do. */
    staffToken: options.staffToken,
    /** A new page at `base + path` in the language `lang` (the geohub_lang cookie) and size; in
     *  the scenario's browser context, or a new one (empty cache and storage) with `fresh`. */
    async open(pagePath, { lang = 'ru', width = DESKTOP.width, height = DESKTOP.height, fresh = false } = {}) {
      if (!context || fresh) await freshContext();
      await context.addCookies([{ name: 'geohub_lang', value: lang, url: options.base }]);
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      page.on('console', (message) => {
        if (message.type() === 'error') record.consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => record.pageErrors.push(String(error)));
      await page.goto(options.base + pagePath, { waitUntil: 'load', timeout: 60_000 });
      return page;
    },
    /** Wait until the map is idle (#map[data-state="idle"]). */
    async waitForMap(page, timeout = 60_000) {
      await page.waitForSelector('#map[data-state="idle"]', { state: 'attached', timeout });
    },
    /** Write var/screenshots/webmap/<name>.png (names like "route-ru-phone"). */
    async screenshot(page, name) {
      const file = path.join(options.screenshotDir, `${name}.png`);
      await page.screenshot({ path: file });
      record.screenshots.push(file);
      return file;
    },
    /** axe-core's serious and critical violations on the page as it is now, kept under `label`. */
    async axe(page, label) {
      const serious = await seriousViolations(page);
      record.axe[label] = serious;
      return serious;
    },
    /** Bytes transferred (encoded bodies and headers) by the current context's finished requests. */
    async transferred() {
      const finished = await Promise.all(sizes);
      return { bytes: finished.reduce((sum, item) => sum + item.bytes, 0), requests: finished };
    },
    log(...args) {
      process.stderr.write(`${args.map(String).join(' ')}\n`);
    },
    async close() {
      await Promise.all(contexts.map((each) => each.close()));
    },
  };
}

function withTimeout(promise, ms, name) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`scenario ${name} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const options = JSON.parse(process.argv[2]);
  fs.mkdirSync(options.screenshotDir, { recursive: true });
  const report = { scenarios: {} };
  const browser = await launchChromium(options.chromium);
  try {
    for (const name of scenarioNames(options.only)) {
      const record = {
        requests: [], blocked: [], failed: [], httpErrors: [], consoleErrors: [], pageErrors: [],
        axe: {}, screenshots: [],
      };
      const ctx = makeContext(browser, options, record);
      const started = Date.now();
      let result;
      try {
        const scenario = require(path.join(SCENARIOS_DIR, `${name}.cjs`));
        result = await withTimeout(scenario(ctx), options.timeoutMs || SCENARIO_TIMEOUT_MS, name);
      } catch (error) {
        result = { error: String(error && error.message ? error.message : error), stack: error && error.stack };
      } finally {
        await ctx.close().catch(() => {});
      }
      report.scenarios[name] = { ...record, ...result, seconds: (Date.now() - started) / 1000 };
      process.stderr.write(`scenario ${name}: ${report.scenarios[name].seconds} s${result && result.error ? ` ERROR ${result.error}` : ''}\n`);
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
