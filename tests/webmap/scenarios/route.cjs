// An accessible route in the web map, end to end: a manual-wheelchair route between two
// addresses found by search (keyboard only), drawn on the map, summed up, charted, told step by
// step and once more as plain text; the same route from a shared link (the hash) in Kazakh; and
// a limit too strict for any route, answered in the page's language with the field to loosen.
'use strict';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const FROM = 'Фурманова 100';
const TO = 'Кунаева 51';
const PROFILE = 'manual_wheelchair';

/** Type `query` into a place search and pick its first option with the keyboard. */
async function pickPlace(page, input, query) {
  await page.focus(input);
  await page.keyboard.type(query, { delay: 15 });
  await page.waitForFunction(([selector, typed]) => {
    const root = document.querySelector(selector).closest('.place-search');
    return root.dataset.answered === typed && root.getAttribute('aria-busy') !== 'true';
  }, [input, query], { timeout: 10_000 });
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
}

/** Wait for the route on the map: the overlay source holds the route's LineString. */
async function routeOnMap(page) {
  await page.waitForSelector('#route-answer:not([hidden])', { timeout: 20_000 });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const drawn = await page.evaluate(async () => {
      const source = window.geohubMap.getSource('overlay-route');
      if (!source) return null;
      const data = await source.getData();
      const line = data.features.find((f) => f.properties.part === 'route');
      if (!line) return null;
      const map = window.geohubMap;
      return {
        type: line.geometry.type,
        vertices: line.geometry.coordinates.length,
        warningStretches: data.features.filter((f) => f.properties.part === 'warning').length,
        layers: map.getStyle().layers.map((l) => l.id).filter((id) => id.startsWith('overlay-route-')),
        dashed: JSON.stringify(map.getPaintProperty('overlay-route-warning', 'line-dasharray') || null),
      };
    });
    if (drawn) return drawn;
    if (Date.now() > deadline) throw new Error('no route line on the map');
    await page.waitForTimeout(200);
  }
}

/** What the panel shows: summary, chart, steps, warnings, avoided reports. */
function readPanel(page) {
  return page.evaluate(() => {
    const text = (el) => (el ? el.textContent.trim().replace(/\s+/g, ' ') : '');
    const chart = document.getElementById('route-chart');
    return {
      summary: [...document.querySelectorAll('#route-summary > div')].map((row) => ({
        term: text(row.querySelector('dt')), value: text(row.querySelector('dd')),
      })),
      chart: {
        role: chart.getAttribute('role'),
        label: chart.getAttribute('aria-label'),
        drawn: chart.dataset.drawn === 'true' && Boolean(chart.querySelector('canvas')),
        summary: text(document.getElementById('route-chart-summary')),
      },
      steps: [...document.querySelectorAll('#route-steps > li')].map((li) => ({
        text: text(li), distance: Number(li.dataset.distanceM), button: Boolean(li.querySelector('button')),
      })),
      warnings: [...document.querySelectorAll('#route-warnings > li')].map(text),
      avoided: [...document.querySelectorAll('#route-avoided > li')].map(text),
      hash: window.location.hash,
    };
  });
}

/** Switch the text view on (or off); what it shows. */
async function textView(page, on = true) {
  const pressed = await page.getAttribute('#route-text-toggle', 'aria-pressed');
  if ((pressed === 'true') !== on) await page.click('#route-text-toggle');
  return page.evaluate(() => {
    const view = document.getElementById('route-text');
    return {
      visible: !view.hidden && document.getElementById('route-visual').hidden,
      pressed: document.getElementById('route-text-toggle').getAttribute('aria-pressed'),
      paragraphs: [...view.querySelectorAll(':scope > p')].map((p) => p.textContent),
      steps: [...view.querySelectorAll('ol > li')].map((li) => ({
        text: li.textContent, distance: Number(li.dataset.distanceM),
      })),
      lists: view.querySelectorAll('ol').length,
      interactive: view.querySelectorAll('button, a, input, canvas').length,
    };
  });
}

/** GET `url` (a route the page asked for) again from the page: status and body. */
function fetchAgain(page, url) {
  return page.evaluate(async (address) => {
    const response = await fetch(address, { headers: { Accept: 'application/json' } });
    return { status: response.status, body: await response.json() };
  }, url);
}

module.exports = async function route(ctx) {
  const result = {};

  // phone, Russian: the profile, then from and to by search; the route comes on its own
  const page = await ctx.open('/#panel=route', { lang: 'ru', ...PHONE });
  await ctx.waitForMap(page);
  await page.waitForSelector('#panel-route:not([hidden]) #route-profile option', { state: 'attached' });
  await page.selectOption('#route-profile', PROFILE);
  result.limitsPrefilled = await page.evaluate(() => ({
    up: document.getElementById('route-limit-max_incline_up').value,
    kerb: document.getElementById('route-limit-max_kerb_cm').value,
    steps: document.getElementById('route-limit-avoid_steps').checked,
  }));
  await pickPlace(page, '#route-from-place-input', FROM);
  const asked = page.waitForResponse((r) => r.url().includes('/api/route?'), { timeout: 20_000 });
  await pickPlace(page, '#route-to-place-input', TO);
  const routeUrl = (await asked).url();
  result.map = await routeOnMap(page);
  result.announced = await page.waitForFunction(
    () => document.getElementById('announcer').textContent, null, { timeout: 5_000 },
  ).then((h) => h.jsonValue());
  result.panel = await readPanel(page);
  result.markers = await page.$$eval('.geohub-marker', (all) => all.map((m) => m.getAttribute('aria-label')));
  await page.waitForTimeout(900); // the map's fit
  await ctx.screenshot(page, 'route-ru-phone');
  await ctx.axe(page, 'route-ru-phone');

  // the text view lists what the API answers for the very same query
  result.api = await fetchAgain(page, routeUrl);
  result.text = await textView(page, true);
  await ctx.axe(page, 'route-text-ru-phone');

  // desktop, Russian: the text view; then a limit no route meets
  await page.setViewportSize(DESKTOP);
  await page.waitForTimeout(600);
  await ctx.screenshot(page, 'route-text-ru-desktop');
  await ctx.axe(page, 'route-text-ru-desktop');
  await textView(page, false);
  await page.click('#route-limits-toggle');
  await page.fill('#route-limit-max_incline_up', '0.5');
  const strict = page.waitForResponse((r) => r.url().includes('/api/route?'), { timeout: 20_000 });
  await page.click('#route-submit');
  const strictUrl = (await strict).url();
  await page.waitForSelector('#route-error .route-error-title', { timeout: 10_000 });
  result.noRoute = await page.evaluate(() => ({
    role: document.getElementById('route-error').getAttribute('role'),
    text: [...document.querySelectorAll('#route-error p')].map((p) => p.textContent),
    answerHidden: document.getElementById('route-answer').hidden,
    invalid: document.getElementById('route-limit-max_incline_up').getAttribute('aria-invalid'),
  }));
  result.noRoute.relaxedOnMap = await page.waitForFunction(async () => {
    const source = window.geohubMap.getSource('overlay-route');
    return Boolean(source && (await source.getData()).features.some((f) => f.properties.part === 'relaxed'));
  }, null, { timeout: 10_000, polling: 200 }).then(() => page.evaluate(async () => {
    const data = await window.geohubMap.getSource('overlay-route').getData();
    return data.features.map((f) => f.properties.part);
  }));
  result.noRouteApi = await fetchAgain(page, strictUrl);
  await page.$eval('#route-error', (box) => box.scrollIntoView({ block: 'center' }));
  await ctx.screenshot(page, 'route-none-ru-desktop');
  await ctx.axe(page, 'route-none-ru-desktop');
  await page.click('#route-error .route-relax');
  result.noRoute.focused = await page.evaluate(() => document.activeElement && document.activeElement.id);

  // desktop, Kazakh: the same route from a shared link (the hash), then its text view on a phone
  const kk = await ctx.open(`/${result.panel.hash}`, { lang: 'kk', ...DESKTOP });
  await ctx.waitForMap(kk);
  result.kk = { map: await routeOnMap(kk) };
  await kk.evaluate(() => localStorage.removeItem('geohub.routeTextView'));
  await textView(kk, false);
  result.kk.panel = await readPanel(kk);
  result.kk.profileChecked = await kk.$eval('#route-profile', (select) => select.value) === PROFILE;
  await kk.waitForTimeout(900);
  await ctx.screenshot(kk, 'route-kk-desktop');
  await ctx.axe(kk, 'route-kk-desktop');
  await kk.close();
  const kkPhone = await ctx.open(`/${result.panel.hash}`, { lang: 'kk', ...PHONE });
  await ctx.waitForMap(kkPhone);
  await routeOnMap(kkPhone);
  result.kk.text = await textView(kkPhone, true);
  await kkPhone.waitForTimeout(900);
  await ctx.screenshot(kkPhone, 'route-text-kk-phone');
  await ctx.axe(kkPhone, 'route-text-kk-phone');

  // a barrier reported on the way (last: it changes the route for whoever asks after): the
  // route goes round it, lists it and marks it on the map
  const coords = result.api.body.geometry.coordinates;
  result.avoided = { filed: await kkPhone.evaluate(async ([lon, lat]) => {
    const response = await fetch('/reports', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ category: 'blocked_or_missing_ramp', description: 'Пандусты дүңгіршек жауып тұр.', location: { lon, lat } }),
    });
    const body = await response.json();
    return { status: response.status, trackingId: body.trackingId };
  }, coords[Math.floor(coords.length / 2)]) };
  const replanned = kkPhone.waitForResponse((r) => r.url().includes('/api/route?'), { timeout: 20_000 });
  await kkPhone.click('#route-submit');
  result.avoided.status = (await replanned).status();
  await kkPhone.waitForSelector('.geohub-marker-report', { state: 'attached', timeout: 10_000 });
  Object.assign(result.avoided, await kkPhone.evaluate(() => ({
    listed: [...document.querySelectorAll('.route-text-avoided li')].map((li) => li.textContent),
    markers: [...document.querySelectorAll('.geohub-marker-report')].map((m) => m.getAttribute('aria-label')),
  })));
  return result;
};
