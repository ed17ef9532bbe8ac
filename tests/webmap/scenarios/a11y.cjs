// Keyboard only: from the top of the map page, Tab reaches every visible control, each with a
// visible focus indicator; each panel opens from its nav button with Enter and Tab then reaches
// every control in it. axe-core scans the page with each panel open (desktop, ru) and the map
// alone on a phone (kk).
'use strict';

const MAX_TABS = 150;
const CONTROLS = [
  'a[href]', 'button:not([disabled])', 'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])', 'textarea:not([disabled])', 'summary', '[tabindex]:not([tabindex="-1"])',
].join(',');

/** Tag every visible control with data-kb (its index) and list them. */
async function visibleControls(page) {
  return page.evaluate((selector) => {
    const shown = (element) => {
      if (element.closest('[hidden], [inert], [aria-hidden="true"]')) return false;
      const style = getComputedStyle(element);
      if (style.visibility === 'hidden' || style.display === 'none') return false;
      const box = element.getBoundingClientRect();
      return box.width > 0 && box.height > 0;
    };
    return [...document.querySelectorAll(selector)].filter(shown).map((element, index) => {
      element.dataset.kb = element.dataset.kb || `k${index}-${Math.random().toString(36).slice(2, 7)}`;
      const name = element.getAttribute('aria-label') || element.textContent.trim().slice(0, 40)
        || element.getAttribute('title') || element.id || element.getAttribute('name') || '';
      return { kb: element.dataset.kb, tag: element.tagName.toLowerCase(), name };
    });
  }, CONTROLS);
}

/** The focused element after each Tab, and whether its focus is visible. */
async function tabWalk(page, presses) {
  const reached = [];
  for (let i = 0; i < presses; i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement;
      if (!element || element === document.body) return null;
      const style = getComputedStyle(element);
      const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
      const shadowed = style.boxShadow && style.boxShadow !== 'none';
      return {
        kb: element.dataset.kb || null,
        tag: element.tagName.toLowerCase(),
        name: element.getAttribute('aria-label') || element.textContent.trim().slice(0, 40) || element.id,
        focusVisible: Boolean(outlined || shadowed),
      };
    });
    if (focused) reached.push(focused);
  }
  return reached;
}

function unreached(controls, reached) {
  const seen = new Set(reached.map((item) => item.kb).filter(Boolean));
  return controls.filter((control) => !seen.has(control.kb));
}

module.exports = async function a11y(ctx) {
  const result = { walks: {}, panels: [] };
  const page = await ctx.open('/', { lang: 'ru' });
  await ctx.waitForMap(page);
  await ctx.axe(page, 'map-ru-desktop');

  const controls = await visibleControls(page);
  const reached = await tabWalk(page, Math.min(MAX_TABS, controls.length + 10));
  result.walks.page = {
    controls: controls.length,
    unreached: unreached(controls, reached),
    withoutFocusRing: reached.filter((item) => !item.focusVisible),
  };

  const panels = await page.$$eval('button[data-panel]', (buttons) => buttons.map((b) => b.dataset.panel));
  result.panels = panels;
  for (const panel of panels) {
    await page.goto(`${ctx.base}/`, { waitUntil: 'load' });
    await ctx.waitForMap(page);
    let opened = false;
    for (let i = 0; i < MAX_TABS && !opened; i += 1) {
      await page.keyboard.press('Tab');
      opened = await page.evaluate((name) => document.activeElement?.dataset?.panel === name, panel);
    }
    if (!opened) {
      result.walks[panel] = { error: 'its nav button was never focused' };
      continue;
    }
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#panel-${panel}:not([hidden])`, { timeout: 5_000 });
    await page.waitForTimeout(300);
    const inPanel = (await visibleControls(page)).filter((control) => control.kb);
    const panelControls = await page.$$eval(`#panel-${panel} [data-kb]`, (elements) => elements.map((e) => e.dataset.kb));
    const wanted = inPanel.filter((control) => panelControls.includes(control.kb));
    const walk = await tabWalk(page, Math.min(MAX_TABS, wanted.length + 40));
    result.walks[panel] = {
      controls: wanted.length,
      unreached: unreached(wanted, walk),
      withoutFocusRing: walk.filter((item) => !item.focusVisible),
    };
    await ctx.axe(page, `${panel}-ru-desktop`);
  }

  const phone = await ctx.open('/', { lang: 'kk', width: 360, height: 740 });
  await ctx.waitForMap(phone);
  await ctx.axe(phone, 'map-kk-phone');
  result.reducedMotion = await phone.evaluate(() => matchMedia('(prefers-reduced-motion: reduce)').matches);
  return result;
};
