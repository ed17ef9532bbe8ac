// Search in the web map, by keyboard only: an address or a place in Cyrillic, Latin and Kazakh
// spellings and with a street type and a house number; picking a result flies the map there.
'use strict';

const QUERIES = ['Абая', 'Abaya', 'Абай даңғылы', 'пр. Абая 10'];
const PHONE = { width: 360, height: 740 };

/** Open the search panel with the keyboard-reachable nav button; the combobox's input. */
async function openSearch(page) {
  await page.click('#nav-search');
  await page.waitForSelector('#panel-search:not([hidden]) #search-main-input', { timeout: 10_000 });
  return '#search-main-input';
}

/** Type `query` into the focused combobox; the labels of the options it lists (or []). */
async function searchFor(page, input, query) {
  await page.focus(input);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(query, { delay: 20 });
  await page.waitForFunction(([selector, typed]) => {
    const root = document.querySelector(selector).closest('.place-search');
    return root.dataset.answered === typed.trim() && root.getAttribute('aria-busy') !== 'true';
  }, [input, query], { timeout: 10_000 });
  await page.waitForTimeout(50);
  return page.$$eval(`#${await page.$eval(input, (el) => el.getAttribute('aria-controls'))} [role="option"]`,
    (options) => options.map((option) => option.querySelector('.place-search-name').textContent));
}

/** Metres between two points (spherical). */
function metres(a, b) {
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return Math.round(Math.sqrt(x * x + y * y) * 6_371_000);
}

module.exports = async function search(ctx) {
  const result = { queries: {}, combobox: {} };

  // phone, Russian: every spelling finds something; the list is a listbox the input controls
  const phone = await ctx.open('/', { lang: 'ru', ...PHONE });
  await ctx.waitForMap(phone);
  const input = await openSearch(phone);
  for (const query of QUERIES) {
    result.queries[query] = await searchFor(phone, input, query);
  }
  await searchFor(phone, input, QUERIES[0]);
  await phone.keyboard.press('ArrowDown');
  result.combobox = await phone.$eval(input, (box) => ({
    role: box.getAttribute('role'),
    expanded: box.getAttribute('aria-expanded'),
    activedescendant: box.getAttribute('aria-activedescendant'),
    listboxRole: document.getElementById(box.getAttribute('aria-controls')).getAttribute('role'),
    selected: document.querySelectorAll('[role="option"][aria-selected="true"]').length,
    label: document.querySelector(`label[for="${box.id}"]`)?.textContent || '',
  }));
  await ctx.screenshot(phone, 'search-ru-phone');
  await ctx.axe(phone, 'search-results-ru-phone');
  await phone.keyboard.press('Escape');
  result.escapeClosesList = await phone.$eval(input, (box) => box.getAttribute('aria-expanded') === 'false'
    && !document.getElementById('panel-search').hidden);
  await searchFor(phone, input, 'qqqzzzxx');
  result.noResults = await phone.$eval('#search-main-status', (status) => status.textContent);

  // desktop, Kazakh: pick an address by keyboard, the map flies there and marks it
  const desktop = await ctx.open('/', { lang: 'kk' });
  await ctx.waitForMap(desktop);
  const box = await openSearch(desktop);
  const query = QUERIES[3];
  const labels = await searchFor(desktop, box, query);
  const expected = await desktop.evaluate(async (q) => {
    const answer = await (await fetch(`/api/geocode?q=${encodeURIComponent(q)}&lang=kk&limit=8`)).json();
    const [lon, lat] = answer.features[0].geometry.coordinates;
    return { lon, lat, label: answer.features[0].properties.label };
  }, query);
  await desktop.keyboard.press('ArrowDown');
  await desktop.keyboard.press('Enter');
  await desktop.waitForSelector('#search-place:not([hidden])', { timeout: 10_000 });
  await desktop.waitForFunction(() => !window.geohubMap.isMoving(), null, { timeout: 15_000 });
  await desktop.waitForTimeout(300);
  await ctx.waitForMap(desktop);
  const center = await desktop.evaluate(() => {
    const c = window.geohubMap.getCenter();
    return { lon: c.lng, lat: c.lat, zoom: window.geohubMap.getZoom() };
  });
  result.pick = {
    query,
    firstLabel: labels[0],
    expected,
    center,
    distanceM: metres(center, expected),
    placeName: await desktop.$eval('#search-place-name', (el) => el.textContent),
    marker: await desktop.$$eval('.geohub-marker-place', (els) => els.map((el) => el.getAttribute('aria-label'))),
    inputValue: await desktop.$eval(box, (el) => el.value),
    actions: await desktop.$$eval('#search-place .action-row button', (els) => els.map((el) => el.textContent.trim())),
  };
  await ctx.screenshot(desktop, 'search-kk-desktop');
  await ctx.axe(desktop, 'search-picked-kk-desktop');

  // "Report a problem here" opens the report panel with that place
  await desktop.click('#search-report-here');
  await desktop.waitForSelector('#panel-report:not([hidden])', { timeout: 10_000 });
  await desktop.waitForFunction(() => document.getElementById('report-place').dataset.state === 'chosen', null, { timeout: 10_000 });
  result.reportHere = await desktop.$eval('#report-place-text', (el) => el.textContent);
  return result;
};
