#!/usr/bin/env node
// The workspace (/workspace/) in a real browser: Debian's Chromium driven by npm playwright-core
// (no browser is ever downloaded). Runs every scenario in tests/workspace/scenarios/*.cjs whose
// `backends` name options.backend (or those in options.only), each in its own guarded browser
// context, and prints one JSON report:
//
//   {"scenarios": {"<name>": {...what the scenario recorded, plus requests, blocked, failed,
//                              httpErrors, consoleErrors, pageErrors, axe, screenshots, seconds}}}
//
// A scenario module: module.exports = { name, backends: ['geopackage', 'postgis'], async run(ctx) }.
// ctx is documented at makeContext below. tests/workspace/conftest.py runs this once per backend.
//
//   node tests/workspace/browser.cjs '{"base", "backend", "chromium", "screenshotDir", "only": [...],
//                                      "accounts": {role: {user, password}}, "fixtures": {name: path}}'
//   node tests/workspace/browser.cjs '{"list": true}'   -> {"<name>": ["geopackage", ...]}
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const path = require('path');
const { launchChromium, guardedContext, seriousViolations } = require('../chromium.cjs');

const SCENARIOS_DIR = path.join(__dirname, 'scenarios');
const DESKTOP = { width: 1280, height: 800 };
const SCENARIO_TIMEOUT_MS = 120_000;
const CONTROLS = [
  'a[href]', 'button:not([disabled])', 'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])', 'textarea:not([disabled])', 'summary', '[tabindex]:not([tabindex="-1"])',
].join(',');

function scenarios() {
  return fs.readdirSync(SCENARIOS_DIR)
    .filter((file) => file.endsWith('.cjs'))
    .sort()
    .map((file) => {
      const module = require(path.join(SCENARIOS_DIR, file));
      return { name: module.name || file.slice(0, -'.cjs'.length), backends: module.backends || ['geopackage'], module };
    });
}

/** What a scenario gets: its guarded browser context and helpers that write into `record`. */
function makeContext(browser, options, record) {
  const origin = new URL(options.base).origin;
  let context = null;
  let current = null; // the page last opened
  const contexts = [];

  async function freshContext() {
    context = await guardedContext(browser, {
      origins: [origin],
      viewport: DESKTOP,
      onBlocked: (url) => record.blocked.push(url),
    });
    context.on('request', (request) => record.requests.push(request.url()));
    context.on('response', (response) => {
      if (response.status() >= 400) record.httpErrors.push({ url: response.url(), status: response.status() });
    });
    context.on('requestfailed', (request) => {
      const error = request.failure()?.errorText;
      if (error !== 'net::ERR_ABORTED') record.failed.push({ url: request.url(), error });
    });
    contexts.push(context);
    return context;
  }

  const ctx = {
    /** GeoHub's base URL, e.g. http://127.0.0.1:PORT */
    base: options.base,
    /** The backend of this run: "geopackage" or "postgis". */
    backend: options.backend,
    /** role ("admin" | "publisher" | "moderator") -> {user, password, role, department}. */
    accounts: options.accounts || {},
    /** Test files made by tests/workspace/fixtures_*.py: name -> absolute path. */
    fixtures: options.fixtures || {},
    /** The page last opened (open() sets it). */
    get page() { return current; },
    /** A new page at `base + path` (default /workspace/) in `lang` (the geohub_lang cookie) and
     *  size; in the scenario's browser context, or a new one (empty storage: signed out) with `fresh`. */
    async open(pagePath = '/workspace/', { lang = 'ru', width = DESKTOP.width, height = DESKTOP.height, fresh = false } = {}) {
      if (!context || fresh) await freshContext();
      await context.addCookies([{ name: 'geohub_lang', value: lang, url: options.base }]);
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      page.on('console', (message) => {
        if (message.type() === 'error') record.consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => record.pageErrors.push(String(error)));
      await page.goto(options.base + pagePath, { waitUntil: 'load', timeout: 60_000 });
      current = page;
      return page;
    },
    /** Sign in as `role` through the page's form (opening /workspace/ first when no page is open);
     *  resolves once the workspace shows a view. */
    async signIn(role, page = current) {
      const account = options.accounts[role];
      if (!account) throw new Error(`no account for role ${role}`);
      const target = page || await ctx.open();
      await target.waitForSelector('#ws-sign-in', { timeout: 30_000 });
      await target.fill('#ws-user', account.user);
      await target.fill('#ws-password', account.password);
      await target.click('#ws-sign-in button[type="submit"]');
      await target.waitForSelector('#ws-account:not([hidden])', { timeout: 30_000 });
      await ctx.settled(target);
      return target;
    },
    /** Wait until the current view has rendered (main[aria-busy="false"]). */
    async settled(page = current, timeout = 30_000) {
      await page.waitForSelector('#ws-main[aria-busy="false"]', { state: 'attached', timeout });
    },
    /** Go to `hash` (e.g. "#/layers/waste_points") and wait for the view. */
    async go(hash, page = current) {
      await page.evaluate((target) => { window.location.hash = target; }, hash);
      await page.waitForFunction(() => document.getElementById('ws-main').getAttribute('aria-busy') === 'false');
      await ctx.settled(page);
    },
    /** Write var/screenshots/workspace/<name>.png of the page (names like "layers-ru-phone"), or
     *  of the one element `selector` finds. */
    async screenshot(name, page = current, { fullPage = true, selector = null } = {}) {
      const file = path.join(options.screenshotDir, `${name}.png`);
      if (selector) await page.locator(selector).screenshot({ path: file });
      else await page.screenshot({ path: file, fullPage });
      record.screenshots.push(file);
      return file;
    },
    /** axe-core's serious and critical violations on the page as it is now, kept under `label`. */
    async axe(label, page = current) {
      const serious = await seriousViolations(page);
      record.axe[label] = serious;
      return serious;
    },
    /** Run `geohub <args>` on the server's data, as an operator would beside it (e.g. a sync):
     *  resolves {status, stdout, stderr}. */
    geohub(args) {
      const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GEOHUB_')));
      const run = childProcess.spawnSync(options.cli.geohub, args, {
        env: { ...env, ...options.cli.env }, encoding: 'utf8', timeout: 120_000,
      });
      return { status: run.status, stdout: run.stdout, stderr: run.stderr };
    },
    /** Keyboard only, from the top of the page: Tab `presses` times (default: the visible
     *  controls and 10 more) and say which visible controls were never reached (a radio group
     *  counts as reached through any of its radios: arrows move inside it) and which were
     *  reached without a visible focus indicator. Kept under `label` in `keyboard`. */
    async keyboardWalk(label, page = current, presses = null) {
      const controls = await page.evaluate((selector) => {
        const shown = (element) => {
          if (element.closest('[hidden], [inert], [aria-hidden="true"], dialog:not([open])')) return false;
          const style = getComputedStyle(element);
          if (style.visibility === 'hidden' || style.display === 'none') return false;
          const box = element.getBoundingClientRect();
          return box.width > 0 && box.height > 0;
        };
        return [...document.querySelectorAll(selector)].filter(shown).map((element, index) => {
          element.dataset.kb = element.dataset.kb || `k${index}`;
          const group = element.type === 'radio' ? `radio:${element.name}` : element.dataset.kb;
          return { kb: element.dataset.kb, group, tag: element.tagName.toLowerCase(), name: (element.getAttribute('aria-label') || element.textContent || element.id || '').trim().slice(0, 40) };
        });
      }, CONTROLS);
      await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
      const reached = [];
      for (let i = 0; i < (presses || controls.length + 10); i += 1) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const element = document.activeElement;
          if (!element || element === document.body) return null;
          const style = getComputedStyle(element);
          const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
          const shadowed = style.boxShadow && style.boxShadow !== 'none';
          const group = element.type === 'radio' ? `radio:${element.name}` : element.dataset.kb || null;
          return { kb: element.dataset.kb || null, group, tag: element.tagName.toLowerCase(), name: (element.getAttribute('aria-label') || element.textContent || element.id || '').trim().slice(0, 40), focusVisible: Boolean(outlined || shadowed) };
        });
        if (focused) reached.push(focused);
      }
      const seen = new Set(reached.map((item) => item.group).filter(Boolean));
      const walk = {
        controls: controls.length,
        unreached: controls.filter((control) => !seen.has(control.group)),
        withoutFocusRing: reached.filter((item) => !item.focusVisible),
      };
      record.keyboard[label] = walk;
      return walk;
    },
    /** Keep `value` under `key` in the scenario's result, for the pytest side to assert on. */
    record(key, value) {
      record.values[key] = value;
    },
    log(...args) {
      process.stderr.write(`${args.map(String).join(' ')}\n`);
    },
    async close() {
      await Promise.all(contexts.map((each) => each.close()));
    },
  };
  return ctx;
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
  const all = scenarios();
  if (options.list) {
    process.stdout.write(JSON.stringify(Object.fromEntries(all.map((each) => [each.name, each.backends]))));
    return;
  }
  fs.mkdirSync(options.screenshotDir, { recursive: true });
  const chosen = all.filter((each) => each.backends.includes(options.backend)
    && (!options.only || !options.only.length || options.only.includes(each.name)));
  const report = { scenarios: {} };
  const browser = await launchChromium(options.chromium);
  try {
    for (const { name, module } of chosen) {
      const record = {
        requests: [], blocked: [], failed: [], httpErrors: [], consoleErrors: [], pageErrors: [],
        axe: {}, keyboard: {}, screenshots: [], values: {},
      };
      const ctx = makeContext(browser, options, record);
      const started = Date.now();
      let error = null;
      try {
        await withTimeout(module.run(ctx), module.timeoutMs || SCENARIO_TIMEOUT_MS, name);
      } catch (thrown) {
        error = { error: String(thrown && thrown.message ? thrown.message : thrown), stack: thrown && thrown.stack };
      } finally {
        await ctx.close().catch(() => {});
      }
      const { values, ...rest } = record;
      report.scenarios[name] = { ...rest, ...values, ...(error || {}), seconds: (Date.now() - started) / 1000 };
      process.stderr.write(`scenario ${name} (${options.backend}): ${report.scenarios[name].seconds} s${error ? ` ERROR ${error.error}` : ''}\n`);
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
