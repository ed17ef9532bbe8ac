// The map itself: it loads and draws tiles (desktop and phone, kk and ru), a layer goes off and on
// by its checkbox, high contrast is one switch away, a click opens a feature's details labelled in
// the page language, the list view names what is in view, and a reload keeps position and layers.
// Also the first load's transferred bytes (encoded bodies and headers, workers included).
'use strict';

const PHONE = { width: 360, height: 740 };

/** Tile answers (and their statuses) a page receives, from the page and its workers. */
function watchTiles(page) {
  const tiles = [];
  page.context().on('response', (response) => {
    if (/\/tiles\/[\w-]+\/\d+\/\d+\/\d+/.test(response.url())) tiles.push(response.status());
  });
  return tiles;
}

/** The map's drawing in numbers: rendered overlay features, and whether the canvas has pixels. */
async function drawn(page) {
  return page.evaluate(() => {
    const map = window.geohubMap;
    const overlays = map.getStyle().layers.filter((l) => l.source === 'city').map((l) => l.id);
    return {
      features: map.queryRenderedFeatures(undefined, { layers: overlays }).length,
      loaded: map.loaded(),
      zoom: map.getZoom(),
      canvas: map.getCanvas().width > 0 && map.getCanvas().height > 0,
    };
  });
}

/** A point on screen (outside the open panel) where the only overlay feature is one district
 *  (its area, outline or label). */
async function districtOnlyPoint(page) {
  return page.evaluate(() => {
    const map = window.geohubMap;
    const canvas = map.getCanvas().getBoundingClientRect();
    const panel = document.querySelector('.panel:not([hidden])');
    const covered = panel ? panel.getBoundingClientRect() : null;
    const overlays = map.getStyle().layers.filter((l) => l.source === 'city').map((l) => l.id);
    for (let y = 80; y < canvas.height - 80; y += 23) {
      for (let x = 60; x < canvas.width - 80; x += 23) {
        const px = canvas.left + x;
        const py = canvas.top + y;
        if (covered && px >= covered.left && px <= covered.right && py >= covered.top && py <= covered.bottom) continue;
        const hits = map.queryRenderedFeatures([[x - 6, y - 6], [x + 6, y + 6]], { layers: overlays });
        const districts = new Set(hits.map((f) => (f.sourceLayer.startsWith('districts') ? f.properties.slug : null)));
        if (hits.length && districts.size === 1 && !districts.has(null)) return { x: px, y: py };
      }
    }
    return null;
  });
}

/** Bytes transferred by every request of `context` from now on: encoded body and headers. Chromium
 *  reports no body size for a worker's script, so its Content-Length (the encoded length) stands in. */
function measure(context) {
  const sizes = [];
  context.on('requestfinished', (request) => {
    sizes.push((async () => {
      const size = await request.sizes();
      const response = await request.response();
      const length = Number((response && (await response.allHeaders())['content-length']) || 0);
      return { url: request.url(), bytes: Math.max(size.responseBodySize, length) + size.responseHeadersSize };
    })().catch(() => ({ url: request.url(), bytes: 0 })));
  });
  return {
    async total() {
      const requests = await Promise.all(sizes);
      return { bytes: requests.reduce((sum, each) => sum + each.bytes, 0), requests };
    },
  };
}

async function openPanel(page, name) {
  await page.click(`#nav-${name}`);
  await page.waitForSelector(`#panel-${name}:not([hidden])`);
}

async function layersPanel(page) {
  await openPanel(page, 'layers');
  await page.waitForSelector('#layer-list[data-state="ready"]', { timeout: 20_000 });
  return page.evaluate(() => ({
    groups: [...document.querySelectorAll('#layer-list .layer-item')].map((item) => item.dataset.layer),
    checkboxes: document.querySelectorAll('#layer-list input[type="checkbox"]').length,
    labelled: [...document.querySelectorAll('#layer-list input[type="checkbox"]')]
      .every((box) => box.labels.length === 1 && box.labels[0].textContent.trim().length > 0),
    legendRows: document.querySelectorAll('#layer-list .legend li').length,
    iconRows: [...document.querySelectorAll('#layer-list .swatch-icon')].filter((s) => s.style.backgroundImage).length,
    freshness: [...document.querySelectorAll('#layer-list .layer-meta')].map((m) => m.textContent).slice(0, 3),
  }));
}

async function visibility(page, styleLayer) {
  return page.evaluate((id) => window.geohubMap.getLayoutProperty(id, 'visibility') || 'visible', styleLayer);
}

async function idle(ctx, page) {
  await page.waitForFunction(() => window.geohubMap && window.geohubMap.loaded(), null, { timeout: 30_000 });
  await ctx.waitForMap(page);
}

async function toggleGreenSpaces(ctx, page) {
  const box = '#layer-toggle-green_spaces';
  await page.click(box);
  const off = { visibility: await visibility(page, 'green-spaces-fill'), hash: await page.evaluate(() => window.location.hash) };
  await page.click(box);
  const on = { visibility: await visibility(page, 'green-spaces-fill'), hash: await page.evaluate(() => window.location.hash) };
  return { off, on };
}

async function clickDistrict(ctx, page) {
  const point = await districtOnlyPoint(page);
  if (!point) return { point: null };
  await page.mouse.click(point.x, point.y);
  await page.waitForSelector('#panel-details:not([hidden]) .details-table th', { timeout: 20_000 });
  return page.evaluate((at) => ({
    point: at,
    heading: document.querySelector('#details-body .details-name').textContent,
    layer: document.querySelector('#details-body .details-layer').textContent,
    labels: [...document.querySelectorAll('#details-body .details-table th')].map((th) => th.textContent),
    about: [...document.querySelectorAll('#details-body .details-about dt')].map((dt) => dt.textContent),
    links: [...document.querySelectorAll('#details-body .details-links a')].map((a) => a.getAttribute('href')),
    highlighted: Boolean(window.geohubMap.getLayer('overlay-highlight-line')),
  }), point);
}

async function listPanel(page) {
  await openPanel(page, 'list');
  await page.waitForSelector('#inview-list[data-state="ready"]', { timeout: 20_000 });
  return page.evaluate(() => ({
    count: Number(document.getElementById('inview-list').dataset.count),
    items: document.querySelectorAll('#inview-list .inview-item').length,
    groups: [...document.querySelectorAll('#inview-list .inview-group h3')].map((h) => h.textContent),
    countText: document.getElementById('inview-count').textContent,
  }));
}

module.exports = async function map(ctx) {
  const result = {};
  const started = Date.now();
  const step = (name) => ctx.log(`map: ${name} at ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // desktop, Kazakh: the first load, measured; layers; high contrast; the list view. A fresh
  // context opens a tiny file first, so that every request of the map's load is counted here.
  let page = await ctx.open('/app/icon.svg', { lang: 'kk', fresh: true });
  const firstLoad = measure(page.context());
  const kkTiles = watchTiles(page);
  await page.goto(`${ctx.base}/`, { waitUntil: 'load' });
  await idle(ctx, page);
  await page.waitForTimeout(300);
  const loaded = await firstLoad.total();
  result.firstLoadBytes = loaded.bytes;
  result.firstLoadRequests = loaded.requests.length;
  result.firstLoadLargest = loaded.requests.sort((a, b) => b.bytes - a.bytes).slice(0, 10);
  result.kkDesktop = {
    lang: await page.evaluate(() => document.documentElement.lang),
    drawn: await drawn(page),
    mapLabel: await page.getAttribute('#map', 'aria-label'),
    attributionLabel: await page.evaluate(() => {
      const button = document.querySelector('.maplibregl-ctrl-attrib-button');
      return button ? button.getAttribute('aria-label') || button.title : null;
    }),
    zoomInLabel: await page.evaluate(() => document.querySelector('.maplibregl-ctrl-zoom-in').getAttribute('aria-label')),
    canvasFocusable: await page.evaluate(() => window.geohubMap.getCanvas().tabIndex === 0),
  };
  await ctx.screenshot(page, 'map-kk-desktop');
  step('result.kkLayers = await layers');
  result.kkLayers = await layersPanel(page);
  result.kkToggle = await toggleGreenSpaces(ctx, page);
  await ctx.screenshot(page, 'layers-kk-desktop');
  await ctx.axe(page, 'map-layers-kk-desktop');

  step('result.kkList = await listPane');
  result.kkList = await listPanel(page);
  await ctx.screenshot(page, 'list-kk-desktop');
  await openPanel(page, 'layers');
  step("await page.click('#high-contra");
  await page.click('#high-contrast');
  await page.waitForFunction(() => /high contrast/.test((window.geohubMap.getStyle() || {}).name || ''), null, { timeout: 20_000 });
  await idle(ctx, page);
  result.highContrast = {
    style: await page.evaluate(() => window.geohubMap.getStyle().name),
    remembered: await page.evaluate(() => window.localStorage.getItem('geohub.highContrast')),
    legendRows: await page.evaluate(() => document.querySelectorAll('#layer-list .legend li').length),
  };
  await ctx.screenshot(page, 'contrast-kk-desktop');
  await page.evaluate(() => window.localStorage.setItem('geohub.highContrast', '0')); // the next pages: normal
  result.tiles = { kk: kkTiles.length, kkFailed: kkTiles.filter((status) => status !== 200 && status !== 304).length };
  await page.close();

  // desktop, Russian: a feature's details; the URL keeps position and layers over a reload
  page = await ctx.open('/#map=13/43.2400/76.9300', { lang: 'ru' });
  await idle(ctx, page);
  await ctx.screenshot(page, 'map-ru-desktop');
  step('result.ruDetails = await click');
  result.ruDetails = await clickDistrict(ctx, page);
  await ctx.screenshot(page, 'details-ru-desktop');
  await ctx.axe(page, 'map-details-ru-desktop');
  // the highlight (an overlay) outlives a switch to high contrast and back
  for (const on of [true, false]) {
    await page.click('#high-contrast');
    await page.waitForFunction((want) => /high contrast/.test((window.geohubMap.getStyle() || {}).name || '') === want, on, { timeout: 20_000 });
    await idle(ctx, page);
    result[on ? 'highlightInHighContrast' : 'highlightBack'] = await page.evaluate(() => Boolean(window.geohubMap.getLayer('overlay-highlight-line')));
  }
  await page.focus('#panel-details .panel-close');
  await page.keyboard.press('Escape');
  await layersPanel(page);
  await page.click('#layer-toggle-green_spaces');
  await page.evaluate(() => window.geohubMap.jumpTo({ center: [76.9123, 43.2567], zoom: 14.5 }));
  await idle(ctx, page);
  await page.waitForTimeout(700); // MapLibre writes the hash after a short throttle
  step('const before = await page.eval');
  const before = await page.evaluate(() => window.location.hash);
  await page.reload({ waitUntil: 'load' });
  await idle(ctx, page);
  result.reload = {
    before,
    after: await page.evaluate(() => window.location.hash),
    centre: await page.evaluate(() => window.geohubMap.getCenter().toArray()),
    zoom: await page.evaluate(() => window.geohubMap.getZoom()),
    greenSpaces: await visibility(page, 'green-spaces-fill'),
    districts: await visibility(page, 'districts-fill'),
    panel: await page.evaluate(() => document.querySelector('.panel:not([hidden])')?.id || null),
    checkbox: await page.isChecked('#layer-toggle-green_spaces').catch(() => null),
  };
  // the language switch: the page again in Kazakh, where it was, and remembered
  await Promise.all([page.waitForNavigation(), page.selectOption('#language', 'kk')]);
  await idle(ctx, page);
  result.languageSwitch = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    hash: window.location.hash,
    cookie: document.cookie,
    stored: window.localStorage.getItem('geohub.lang'),
    title: document.getElementById('panel-layers-title').textContent,
  }));
  await page.close();

  // phone, Russian: the map, the layer sheet, details
  page = await ctx.open('/', { lang: 'ru', ...PHONE });
  await idle(ctx, page);
  result.ruPhone = { drawn: await drawn(page), lang: await page.evaluate(() => document.documentElement.lang) };
  await ctx.screenshot(page, 'map-ru-phone');
  step('result.ruPhoneLayers = await l');
  result.ruPhoneLayers = await layersPanel(page);
  await ctx.screenshot(page, 'layers-ru-phone');
  await page.click('#panel-layers .panel-close');
  result.ruPhoneDetails = await clickDistrict(ctx, page);
  await ctx.screenshot(page, 'details-ru-phone');
  await page.close();

  // phone, Kazakh: the list view
  page = await ctx.open('/', { lang: 'kk', ...PHONE });
  await idle(ctx, page);
  await ctx.screenshot(page, 'map-kk-phone');
  step('result.kkPhoneList = await lis');
  result.kkPhoneList = await listPanel(page);
  await ctx.screenshot(page, 'list-kk-phone');
  await ctx.axe(page, 'map-list-kk-phone');
  await page.close();
  return result;
};
