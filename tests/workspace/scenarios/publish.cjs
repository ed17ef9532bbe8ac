// The publisher's flow of issue 15 ("Done when"), on both backends: the natural_resources
// publisher signs in, opens waste_points, chooses a zipped Shapefile with the keyboard (GDAL cut
// `recycling_type` to `recycling_`), uploads it, reads the report in Russian, maps `recycling_`
// to `recycling_type` (saved with the layer's source), sees the diff map with its three kinds,
// publishes, then rolls back. axe-core scans every step. On GeoPackage it also takes the
// screenshots of each publisher view at 360 px and 1280 px, in Kazakh and Russian.
'use strict';

const fs = require('fs');
const path = require('path');

const PHONE = { width: 360, height: 740 };
const LAYER = 'waste_points';

async function report(page) {
  return page.evaluate(() => {
    const section = document.getElementById('pub-report');
    if (!section) return null;
    return {
      import: Number(section.dataset.import),
      status: section.dataset.status,
      heading: section.querySelector('h2').textContent,
      message: document.getElementById('pub-report-message').textContent,
      unmapped: [...section.querySelectorAll('.pub-mapping tbody tr')].map((row) => ({
        column: row.querySelector('th').textContent,
        chosen: row.querySelector('select').value,
        why: row.cells[2].textContent,
      })),
      problemsTitle: document.getElementById('pub-problems-title').textContent,
      problems: [...section.querySelectorAll('.pub-problems tbody tr')].map((row) => [...row.cells].map((cell) => cell.textContent)),
      schedule: section.querySelector('.pub-schedule')?.textContent || null,
      keys: Object.fromEntries([...section.querySelectorAll('details.pub-keys')].map((d) => [d.dataset.change, d.querySelector('summary').textContent])),
      listed: Object.fromEntries([...section.querySelectorAll('.pub-diff-group')].map((g) => [g.dataset.change, g.querySelectorAll('li').length])),
      legend: [...section.querySelectorAll('.pub-legend li')].map((li) => li.textContent),
    };
  });
}

async function versions(page) {
  return page.evaluate(() => [...document.querySelectorAll('#pub-versions tbody tr')].map((row) => ({
    version: Number(row.dataset.version), current: row.dataset.current === 'true', note: row.cells[3].textContent,
  })));
}

async function waitForImport(page, previous, status = 'validated') {
  await page.waitForFunction(([before, wanted]) => {
    const section = document.getElementById('pub-report');
    return section && Number(section.dataset.import) !== before && section.dataset.status === wanted;
  }, [previous, status], { timeout: 60_000 });
}

async function diffMapDrawn(page) {
  await page.waitForSelector('#pub-diff-map[data-state="idle"]', { timeout: 60_000 });
  return page.evaluate(() => {
    const map = window.geohubDiffMap;
    const source = map.querySourceFeatures('diff');
    const byChange = {};
    for (const feature of source) byChange[feature.properties.change] = (byChange[feature.properties.change] || 0) + 1;
    const rendered = {};
    for (const change of ['added', 'changed', 'removed']) {
      rendered[change] = map.queryRenderedFeatures({ layers: [`diff-point-${change}`] }).length;
    }
    const icons = Object.fromEntries(['added', 'changed', 'removed'].map((change) => [change, map.getLayoutProperty(`diff-point-${change}`, 'icon-image')]));
    return { source: byChange, rendered, icons };
  });
}

const SIZES = [['phone', PHONE], ['desktop', { width: 1280, height: 800 }]];

/** Each view at both sizes; the tab keeps its sign-in (sessionStorage) across the reloads. */
async function photograph(ctx, page, name, lang) {
  for (const [label, size] of SIZES) {
    await page.setViewportSize(size);
    if (await page.$('#pub-diff-map[data-state="idle"]')) {
      await page.evaluate(() => new Promise((resolve) => {
        window.geohubDiffMap.once('idle', resolve);
        window.geohubDiffMap.resize();
        window.geohubDiffMap.triggerRepaint();
      }));
    }
    await ctx.screenshot(`${name}-${lang}-${label}`, page);
  }
}

async function screens(ctx, page) {
  const shot = {};
  for (const lang of ['kk', 'ru']) {
    await page.goto(`${ctx.base}/workspace/?lang=${lang}#/layers`, { waitUntil: 'load' }); // a new document
    await page.waitForSelector('.pub-layers');
    await ctx.settled(page);
    shot[lang] = await page.evaluate(() => [document.documentElement.lang, document.querySelector('#ws-main h1').textContent]);
    await photograph(ctx, page, 'layers', lang);
    await ctx.go(`#/layers/${LAYER}`, page);
    await page.waitForSelector('#pub-versions');
    await photograph(ctx, page, 'layer', lang);
    if (lang === 'kk') { // the report of the import published above, with its diff map
      await page.click('.pub-imports tr[data-status="published"] button');
      await page.waitForSelector('#pub-diff-map[data-state="idle"]', { timeout: 60_000 });
      await photograph(ctx, page, 'report', lang);
      await ctx.axe('report-kk-desktop', page);
    }
    await ctx.go('#/audit', page);
    await page.waitForSelector('.pub-audit tbody tr');
    await photograph(ctx, page, 'audit', lang);
    if (lang === 'kk') {
      await page.setViewportSize(PHONE);
      await ctx.axe('audit-kk-phone', page);
    }
  }
  ctx.record('screens', shot);
}

module.exports = {
  name: 'publish',
  backends: ['geopackage', 'postgis'],
  timeoutMs: 150_000,
  async run(ctx) {
    const page = await ctx.open('/workspace/#/layers', { lang: 'ru' });
    await ctx.signIn('publisher');
    await page.waitForSelector(`.pub-layer[data-layer="${LAYER}"]`);
    ctx.record('layers', await page.evaluate(() => [...document.querySelectorAll('.pub-layer')].map((card) => card.dataset.layer)));
    await ctx.axe('layers-ru-desktop');

    // listen for the file chooser from now on: Playwright intercepts it only once told to
    let chooserOpened;
    const chooserPromise = new Promise((resolve) => { chooserOpened = resolve; });
    page.on('filechooser', (chooser) => chooserOpened(chooser));
    await page.click(`.pub-layer[data-layer="${LAYER}"] h2 a`);
    await page.waitForSelector('#pub-upload-form');
    await ctx.settled(page);
    ctx.record('layerHeading', await page.textContent('#ws-main h1'));
    await ctx.axe('layer-ru-desktop');

    // the file dropped on the drop zone (a drag and drop of the real file's bytes)
    const bytes = fs.readFileSync(ctx.fixtures.wastePointsShapefile).toString('base64');
    ctx.record('dropped', await page.evaluate(([base64, name]) => {
      const raw = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([raw], name, { type: 'application/zip' }));
      const zone = document.getElementById('pub-drop');
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      const over = zone.classList.contains('pub-drop-over');
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
      return { over, chosen: document.getElementById('pub-chosen').textContent };
    }, [bytes, path.basename(ctx.fixtures.wastePointsShapefile)]));

    // the drop zone with the keyboard: Tab reaches its button, Enter opens the file chooser
    await page.focus('#pub-mode-replace');
    await page.keyboard.press('Shift+Tab');
    const focused = await page.evaluate(() => document.activeElement.id);
    await page.keyboard.press('Enter');
    const chooser = await chooserPromise;
    await chooser.setFiles(ctx.fixtures.wastePointsShapefile);
    ctx.record('fileButton', { focused, chosen: await page.textContent('#pub-chosen') });

    const before = await versions(page);
    await page.click('#pub-upload');
    await waitForImport(page, NaN);
    await page.waitForSelector('#pub-progress');
    ctx.record('progress', await page.evaluate(() => document.getElementById('pub-progress').value));
    const first = await report(page);
    ctx.record('firstReport', first);
    await ctx.axe('report-unmapped-ru-desktop');

    // map recycling_ -> recycling_type (suggested, so already chosen), save it, check again
    await page.check('#pub-save-mapping');
    await page.click('#pub-apply-mapping');
    await waitForImport(page, first.import);
    const mapped = await report(page);
    ctx.record('mappedReport', mapped);
    ctx.record('diffMap', await diffMapDrawn(page));
    ctx.record('firstImportAfterMapping', await page.evaluate((id) => document.querySelector(`.pub-imports tr[data-import="${id}"]`)?.dataset.status, first.import));
    await ctx.axe('report-mapped-ru-desktop');
    await ctx.keyboardWalk('report-ru-desktop');
    if (ctx.backend === 'geopackage') {
      await ctx.screenshot('report-ru-desktop');
      await ctx.screenshot('report-section-ru-desktop', page, { selector: '#pub-report' }); // the README's
    }

    // publishing with a row outside the city: refused until its leaving out is chosen
    await page.click('#pub-publish');
    await page.waitForSelector('.pub-outcome .ws-error');
    ctx.record('refusedWithInvalidRow', await page.textContent('.pub-outcome .ws-error'));
    await page.check('#pub-skip-invalid');
    await page.click('#pub-publish');
    await page.waitForSelector('#pub-report[data-status="published"]', { timeout: 60_000 });
    const afterPublish = await versions(page);
    ctx.record('versions', { before, afterPublish });
    ctx.record('published', await report(page));
    await ctx.axe('published-ru-desktop');

    // roll back to the version before, confirming in the dialog
    const previous = before.find((v) => v.current).version;
    await page.click(`#pub-versions button[data-version="${previous}"]`);
    await page.waitForSelector('dialog.pub-dialog[open]');
    const dialog = await page.evaluate(() => ({ text: document.querySelector('dialog.pub-dialog h2').textContent, focused: document.activeElement.textContent }));
    await ctx.axe('rollback-dialog-ru-desktop');
    await page.click('dialog.pub-dialog .ws-button-danger');
    await page.waitForFunction((version) => document.querySelector(`#pub-versions tr[data-version="${version}"]`)?.dataset.current === 'true', previous);
    ctx.record('rollback', { dialog, versions: await versions(page), focused: await page.evaluate(() => document.activeElement.id) });
    await ctx.axe('rolled-back-ru-desktop');

    await ctx.go('#/audit');
    await page.waitForSelector('.pub-audit tbody tr');
    ctx.record('audit', await page.evaluate(() => [...document.querySelectorAll('.pub-audit tbody tr')].map((row) => row.dataset.action)));
    await ctx.axe('audit-ru-desktop');

    if (ctx.backend === 'geopackage') await screens(ctx, page);
  },
};
