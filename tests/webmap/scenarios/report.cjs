// Reporting a problem end to end in the web map: a place tapped on the map, a category, a
// description and a photo (a PNG made here), filed as a multipart POST; the tracking number kept
// on the device; the duplicate offer when the same problem is reported at the same place again;
// "My reports" showing its status; and the report on the map in the public `reports` layer.
'use strict';

const zlib = require('zlib');

const PHONE = { width: 360, height: 740 };
const CATEGORY = 'broken_street_light';
const ON_MAP_TIMEOUT_MS = 30_000;

// ---- a small real PNG (an orange square with a dark stripe), made without any library --------

function crc32(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(side = 48) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < side; y += 1) {
    const row = [0]; // filter: none
    for (let x = 0; x < side; x += 1) row.push(...(Math.abs(x - y) < 4 ? [40, 40, 40] : [240, 140, 30]));
    rows.push(Buffer.from(row));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- steps -------------------------------------------------------------------------------------

async function openReport(page) {
  await page.click('#nav-report');
  await page.waitForSelector('#panel-report:not([hidden]) #report-form', { timeout: 10_000 });
}

/** Choose the place with "Choose on the map" and a click on the map where nothing covers it
 *  (the banner, the bottom sheet): at `where` ({lon, lat}) when given. The place clicked. */
async function pickOnMap(page, where = null) {
  await page.click('#report-pick-map');
  await page.waitForSelector('#map-banner:not([hidden])', { timeout: 5_000 });
  const spot = await page.evaluate((target) => {
    const map = window.geohubMap;
    const canvas = map.getCanvas();
    const box = canvas.getBoundingClientRect();
    const free = (x, y) => document.elementFromPoint(box.left + x, box.top + y) === canvas;
    let point = null;
    for (let y = Math.round(box.height * 0.3); !point && y < box.height; y += 10) {
      if (free(box.width / 2, y)) point = { x: box.width / 2, y };
    }
    if (target) { // move the map (no animation) so that the target lies under that free point
      const there = map.unproject([point.x, point.y]);
      const centre = map.getCenter();
      map.jumpTo({ center: [centre.lng + target.lon - there.lng, centre.lat + target.lat - there.lat] });
      const projected = map.project([target.lon, target.lat]);
      point = { x: projected.x, y: projected.y };
    }
    const at = map.unproject([point.x, point.y]);
    return { x: box.left + point.x, y: box.top + point.y, lon: at.lng, lat: at.lat };
  }, where);
  await page.mouse.click(spot.x, spot.y);
  // "chosen" once the nearest address (or none) is written in
  await page.waitForFunction(() => document.getElementById('report-place').dataset.state === 'chosen', null,
    { timeout: 15_000 });
  return { lon: spot.lon, lat: spot.lat };
}

async function fillReport(page, description) {
  await page.selectOption('#report-category', CATEGORY);
  await page.fill('#report-description', description);
}

/** The tracking ids the `reports` layer draws now (queryRenderedFeatures on its style layers). */
async function reportsOnMap(page) {
  return page.evaluate(() => {
    const map = window.geohubMap;
    const layers = map.getStyle().layers.filter((layer) => layer['source-layer'] === 'reports').map((layer) => layer.id);
    if (!layers.length) return [];
    return map.queryRenderedFeatures({ layers }).map((feature) => feature.properties.tracking_id);
  });
}

async function cardsLoaded(page) {
  await page.waitForSelector('#myreports-list .myreport', { timeout: 10_000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#myreports-list .myreport')]
    .every((card) => card.getAttribute('aria-busy') === 'false'), null, { timeout: 10_000 });
}

module.exports = async function report(ctx) {
  const result = {};

  // ---- phone, Russian: the form, a place on the map, a photo, filed ----
  const page = await ctx.open('/', { lang: 'ru', ...PHONE });
  await ctx.waitForMap(page);
  const reloads = [];
  page.on('request', (request) => {
    if (/\/tiles\/city\/.*[?&]reports=/.test(request.url())) reloads.push(Date.now());
  });
  await openReport(page);
  await ctx.axe(page, 'report-empty-ru-phone');
  const place = await pickOnMap(page);
  result.placeText = await page.$eval('#report-place-text', (el) => el.textContent);
  result.placeDetail = await page.$eval('#report-place-detail', (el) => el.textContent);
  await fillReport(page, 'Фонарь у остановки не горит третий день.');
  result.categoryOptions = await page.$$eval('#report-category optgroup', (groups) => groups.map((group) => ({
    label: group.label, options: [...group.querySelectorAll('option')].map((option) => option.value),
  })));
  await page.setInputFiles('#report-photos', { name: 'street-light.png', mimeType: 'image/png', buffer: png() });
  await page.waitForSelector('#report-photo-list img', { timeout: 5_000 });
  result.photoPreview = await page.$eval('#report-photo-list img', (img) => img.alt);
  result.counter = await page.$eval('#report-description-count', (el) => el.textContent);
  await page.$eval('#report-place', (el) => el.scrollIntoView({ block: 'start' }));
  await ctx.screenshot(page, 'report-ru-phone');
  await ctx.axe(page, 'report-filled-ru-phone');

  const filedAt = Date.now();
  await page.click('#report-submit');
  await page.waitForSelector('#report-success:not([hidden]), #report-duplicates:not([hidden])', { timeout: 15_000 });
  result.offeredOnFirstFiling = await page.isVisible('#report-duplicates');
  if (result.offeredOnFirstFiling) { // a server that has seen this scenario before: file it anyway
    await page.click('#report-file-anyway');
    await page.waitForSelector('#report-success:not([hidden])', { timeout: 15_000 });
  }
  const trackingId = (await page.$eval('#report-tracking-id', (el) => el.textContent)).trim();
  result.filed = {
    trackingId,
    facts: await page.$$eval('#report-success-facts li', (items) => items.map((item) => item.textContent)),
    focused: await page.evaluate(() => document.activeElement?.id),
    stored: await page.evaluate(() => JSON.parse(localStorage.getItem('geohub.myReports') || '[]')),
    marker: await page.$$eval('.geohub-marker-report', (els) => els.map((el) => el.getAttribute('aria-label'))),
  };
  await ctx.screenshot(page, 'report-filed-ru-phone');
  await ctx.axe(page, 'report-filed-ru-phone');

  // ---- the report appears on the map (the public layer is synced within seconds) ----
  let seenAfterMs = null;
  while (Date.now() - filedAt < ON_MAP_TIMEOUT_MS) {
    if ((await reportsOnMap(page)).includes(trackingId)) {
      seenAfterMs = Date.now() - filedAt;
      break;
    }
    await page.waitForTimeout(500);
  }
  await page.waitForFunction(() => !document.querySelector('.geohub-marker-report'), null, { timeout: 5_000 })
    .catch(() => null);
  result.onMap = {
    seen: seenAfterMs !== null,
    afterMs: seenAfterMs,
    cacheBustingReloads: reloads.filter((at) => at >= filedAt && (seenAfterMs === null || at <= filedAt + seenAfterMs)).length,
    markerLeft: await page.$$eval('.geohub-marker-report', (els) => els.length),
  };

  // ---- the same problem at the same place again: the duplicate offer ----
  await page.click('#report-another');
  await pickOnMap(page, place);
  await fillReport(page, 'Не работает фонарь.');
  await page.click('#report-submit');
  await page.waitForSelector('#report-duplicates:not([hidden])', { timeout: 15_000 });
  result.duplicates = await page.$$eval('#report-duplicate-list li', (items) => items.map((item) => item.textContent));
  result.duplicateFocus = await page.evaluate(() => document.activeElement?.id);
  await ctx.axe(page, 'report-duplicates-ru-phone');
  await page.click('#report-duplicate-list li button');
  await page.waitForFunction(() => document.getElementById('report-duplicates-message').textContent, null, { timeout: 10_000 });
  result.supported = await page.$eval('#report-duplicates-message', (el) => el.textContent);

  // ---- desktop, Kazakh: the form ----
  const desktop = await ctx.open('/', { lang: 'kk' });
  await ctx.waitForMap(desktop);
  await openReport(desktop);
  await desktop.click('#report-submit'); // nothing filled: each field says what it needs
  result.emptySubmit = {
    alert: await desktop.$eval('#report-error', (el) => el.textContent),
    errors: await desktop.$$eval('#report-form .field-error:not([hidden])', (els) => els.map((el) => el.textContent)),
    focused: await desktop.evaluate(() => document.activeElement?.id),
  };
  await ctx.screenshot(desktop, 'report-kk-desktop');
  await ctx.axe(desktop, 'report-errors-kk-desktop');

  // ---- my reports: phone in Kazakh, desktop in Russian (the same browser: the same device) ----
  const mine = await ctx.open('/', { lang: 'kk', ...PHONE });
  await ctx.waitForMap(mine);
  await mine.click('#nav-myreports');
  await cardsLoaded(mine);
  await mine.$eval('#myreports-list .myreport', (el) => el.scrollIntoView({ block: 'start' }));
  result.myReports = await mine.$$eval('#myreports-list .myreport', (cards) => cards.map((card) => ({
    title: card.querySelector('.card-title').textContent,
    status: card.querySelector('.status-badge')?.textContent || '',
    actions: [...card.querySelectorAll('.action-row button')].map((button) => button.textContent),
  })));
  await ctx.screenshot(mine, 'myreports-kk-phone');
  await ctx.axe(mine, 'myreports-kk-phone');

  const list = await ctx.open('/', { lang: 'ru' });
  await ctx.waitForMap(list);
  await list.click('#nav-myreports');
  await cardsLoaded(list);
  const card = list.locator('#myreports-list .myreport').first();
  await card.locator('.history .disclosure').click();
  result.history = await card.locator('.history-list li').allTextContents();
  await ctx.screenshot(list, 'myreports-ru-desktop');
  await ctx.axe(list, 'myreports-ru-desktop');

  // the key shown (to take to another device), the report forgotten here, then added back by
  // its tracking number and key, as from another device
  const title = `#myreport-${trackingId}-title`;
  const item = list.locator(title).locator('xpath=ancestor::li[1]');
  await item.locator('.action-row button[aria-describedby]', { hasText: /ключ/i }).click();
  const secret = (await item.locator('.secret-box code').textContent()).trim();
  await item.locator('.action-row button.quiet').click();
  await item.locator('.forget-ask .button.danger').click();
  await list.waitForFunction((selector) => !document.querySelector(selector), title, { timeout: 5_000 });
  result.forgotten = await list.evaluate(() => ({
    stored: JSON.parse(localStorage.getItem('geohub.myReports') || '[]').length,
    emptyShown: !document.getElementById('myreports-empty').hidden,
  }));
  await list.click('#myreports-add-toggle');
  await list.fill('#myreports-add-id', trackingId.toLowerCase());
  await list.fill('#myreports-add-secret', secret);
  await list.click('#myreports-add-form button[type="submit"]');
  await list.waitForSelector(title, { timeout: 10_000 });
  await cardsLoaded(list);
  result.addedBack = await list.$eval('#myreports-status', (el) => el.textContent);
  result.storedAtEnd = await list.evaluate(() => JSON.parse(localStorage.getItem('geohub.myReports') || '[]')
    .map((entry) => ({ trackingId: entry.trackingId, hasSecret: Boolean(entry.secret) })));

  // ---- the city fixes it; the citizen reopens it, then confirms the second fix ----
  result.citizen = {};
  const resolved = list.locator(title).locator('xpath=ancestor::li[1]').locator('.resolved-block');
  await staffMoves(ctx, trackingId, ['accepted', 'in_progress', 'resolved']);
  await list.click('#myreports-refresh');
  await cardsLoaded(list);
  await resolved.waitFor({ timeout: 10_000 });
  result.citizen.asked = await resolved.locator('.resolved-ask').textContent();
  result.citizen.buttons = await resolved.locator('.action-row button').allTextContents();
  await ctx.screenshot(list, 'myreports-resolved-ru-desktop');
  await ctx.axe(list, 'myreports-resolved-ru-desktop');
  await resolved.locator('.action-row button').nth(1).click(); // Reopen
  await resolved.locator('.reopen-form textarea').fill('Фонарь снова не горит после ремонта.');
  await ctx.axe(list, 'myreports-reopen-ru-desktop');
  await resolved.locator('.reopen-form button[type="submit"]').click();
  await resolved.waitFor({ state: 'detached', timeout: 10_000 });
  result.citizen.afterReopen = await statusOf(ctx, trackingId);
  await staffMoves(ctx, trackingId, ['in_progress', 'resolved']);
  await list.click('#myreports-refresh');
  await cardsLoaded(list);
  await resolved.waitFor({ timeout: 10_000 });
  await resolved.locator('.action-row button').first().click(); // Confirm it is fixed
  await resolved.waitFor({ state: 'detached', timeout: 10_000 });
  result.citizen.afterConfirm = await statusOf(ctx, trackingId);
  result.citizen.badge = await list.locator(title).locator('xpath=ancestor::li[1]').locator('.status-badge').textContent();
  return result;
};

/** Move a report through `statuses` as the city's staff (a moderator's token). */
async function staffMoves(ctx, trackingId, statuses) {
  if (!ctx.staffToken) throw new Error('no staff token: tests/webmap/conftest.py passes one (staffToken)');
  for (const status of statuses) {
    const answer = await fetch(`${ctx.base}/reports/${trackingId}/status`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ctx.staffToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ status, comment: status === 'resolved' ? 'Заменили лампу.' : '' }),
    });
    if (!answer.ok) throw new Error(`staff move to ${status}: HTTP ${answer.status} ${await answer.text()}`);
  }
}

async function statusOf(ctx, trackingId) {
  const answer = await fetch(`${ctx.base}/reports/${trackingId}`);
  return (await answer.json()).status;
}
