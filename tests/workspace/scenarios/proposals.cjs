// A new layer from a file, proposed by a department and approved by an administrator: the
// natural_resources publisher uploads a GeoJSON of recycling containers (the demo's waste points)
// with the keyboard's file button, reads the inferred draft, gets a wrong identifier refused beside
// its field, fills the titles, picks the key, a template and a colour, and submits; the admin
// finds it waiting first, cannot reject it without a reason, sends it back with one; the publisher
// reads it, corrects and resubmits; the admin approves it, /collections lists it, and the link to
// the web map opens a layer list with the new layer. Russian on a desktop, then Kazakh on a phone;
// axe-core on each step.
'use strict';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const LAYER_ID = 'recycling_containers';
const TITLES = {
  kk: 'Қайта өңдеу контейнерлері',
  ru: 'Контейнеры для вторсырья',
  en: 'Recycling containers',
};
const DESCRIPTIONS = {
  kk: 'Табиғи ресурстар басқармасы орнатқан қайта өңдеу контейнерлері.',
  ru: 'Контейнеры для вторсырья, установленные управлением природных ресурсов.',
  en: 'Recycling containers placed by the Department of Natural Resources.',
};

/** What the proposal view shows about its fields and errors now. */
function formState(page) {
  return page.evaluate(() => {
    const value = (id) => document.getElementById(id)?.value ?? null;
    const summary = document.getElementById('prop-error-summary');
    return {
      heading: document.querySelector('#ws-main h1')?.textContent || null,
      status: document.querySelector('.prop-meta .prop-status')?.textContent || null,
      id: value('prop-id'),
      key: value('prop-key'),
      template: value('prop-template'),
      geometry: document.querySelector('.prop-readout')?.textContent || null,
      attributes: [...document.querySelectorAll('.prop-schema tbody tr')].map((row) => ({
        name: row.dataset.attribute,
        type: row.querySelector('select').value,
      })),
      keyOptions: [...document.querySelectorAll('#prop-key option')].map((option) => option.textContent),
      colours: document.querySelectorAll('#prop-colour input[type="radio"]').length,
      langs: ['kk', 'ru', 'en'].map((code) => document.getElementById(`prop-title-${code}`)?.lang),
      labels: ['prop-id', 'prop-title-kk', 'prop-description-ru', 'prop-key', 'prop-template']
        .map((id) => document.querySelector(`label[for="${id}"]`)?.textContent || null),
      summaryShown: Boolean(summary && !summary.hidden),
      summaryLinks: summary ? [...summary.querySelectorAll('a')].map((a) => a.getAttribute('href')) : [],
      idInvalid: document.getElementById('prop-id')?.getAttribute('aria-invalid') || null,
      idDescribedBy: document.getElementById('prop-id')?.getAttribute('aria-describedby') || null,
      idError: document.getElementById('prop-id-error')?.hidden === false
        ? document.getElementById('prop-id-error').textContent : null,
      focused: document.activeElement ? document.activeElement.id : null,
      problems: [...document.querySelectorAll('#prop-problems li')].map((li) => li.textContent),
      editable: !document.querySelector('.prop-form-body')?.disabled,
      preview: document.querySelector('.prop-preview-box')?.dataset.kind || null,
    };
  });
}

async function fillDefinition(page) {
  await page.fill('#prop-id', LAYER_ID);
  for (const code of ['kk', 'ru', 'en']) {
    await page.fill(`#prop-title-${code}`, TITLES[code]);
    await page.fill(`#prop-description-${code}`, DESCRIPTIONS[code]);
  }
  await page.fill('#prop-keywords', 'recycling, вторсырьё, қайта өңдеу');
  // the attribute `kind` is renamed and gets titles; `osm_id` is kept from the public
  const kind = page.locator('.prop-schema tr[data-attribute="kind"]');
  await kind.locator('input.prop-attr-name').fill('container_kind'); // renamed: filled from the column `kind`
  await kind.locator('input[lang="kk"]').fill('Түрі');
  await kind.locator('input[lang="ru"]').fill('Тип');
  await kind.locator('input[lang="en"]').fill('Kind');
  await page.locator('.prop-schema tr[data-attribute="osm_id"] input[type="checkbox"]').nth(1).check();
  await page.selectOption('#prop-key', 'ref');
  await page.selectOption('#prop-template', 'points');
  await page.check('#prop-colour-1');
  await page.fill('#prop-license-name', 'ODbL-1.0');
  await page.fill('#prop-license-url', 'https://opendatacommons.org/licenses/odbl/1-0/');
  await page.fill('#prop-attribution', '© OpenStreetMap contributors, ODbL');
}

const REASON = 'Укажите в описании, кто обслуживает контейнеры.';

/** Sign out, and in again as `role` on the same page (the hash, and so the view, stays). */
async function switchTo(ctx, page, role) {
  await page.click('#ws-sign-out');
  await page.waitForSelector('#ws-sign-in');
  await ctx.signIn(role, page);
}

/** The list view, rendered: its lists loaded and the shell done (focus on the heading). */
async function listShown(ctx, page) {
  await page.waitForSelector('[data-view="proposals"] .prop-lists:not([aria-busy])');
  await ctx.settled(page);
}

async function waitForStatus(page, status) {
  await page.waitForFunction((wanted) => {
    const main = document.getElementById('ws-main');
    return main.getAttribute('aria-busy') === 'false'
      && document.querySelector(`.prop-meta .prop-status-${wanted}`);
  }, status, { timeout: 30_000 });
}

module.exports = {
  name: 'proposals',
  backends: ['geopackage'],
  async run(ctx) {
    // ---- the publisher proposes ------------------------------------------------------------------
    const page = await ctx.open('/workspace/#/proposals', { lang: 'ru' });
    page.on('filechooser', () => {}); // Playwright takes over file choosers from now on
    await ctx.signIn('publisher', page);
    await listShown(ctx, page);
    ctx.record('nav', await page.evaluate(() => [...document.querySelectorAll('#ws-nav a')].map((a) => a.getAttribute('href'))));
    ctx.record('listHeading', await page.textContent('#ws-main h1'));
    await ctx.axe('list-publisher-ru-desktop');
    await ctx.screenshot('proposals-list-ru-desktop');
    await ctx.keyboardWalk('list-publisher', page);

    // the drop zone: dragging over marks it, dropping two files at once is refused with a word
    ctx.record('drop', await page.evaluate(() => {
      const zone = document.querySelector('.prop-drop');
      const transfer = new DataTransfer();
      transfer.items.add(new File(['{}'], 'a.geojson', { type: 'application/geo+json' }));
      transfer.items.add(new File(['{}'], 'b.geojson', { type: 'application/geo+json' }));
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      const over = zone.dataset.state;
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      return { over, after: zone.dataset.state, status: document.querySelector('.prop-upload-status').textContent };
    }));

    // the keyboard's way to the file: focus the button, Enter opens the chooser
    await page.focus('.prop-choose');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
    const progressSeen = page.waitForSelector('.prop-progress:not([hidden])', { state: 'attached', timeout: 10_000 })
      .then(() => true, () => false);
    await chooser.setFiles(ctx.fixtures.recyclingContainers);
    await page.waitForFunction(() => /^#\/proposals\/\d+$/.test(window.location.hash), null, { timeout: 30_000 });
    await page.waitForSelector('#prop-form', { timeout: 30_000 });
    await ctx.settled(page);
    const number = Number(page.url().split('/').pop());
    ctx.record('progressShown', await progressSeen);
    ctx.record('number', number);
    ctx.record('draft', await formState(page));
    ctx.record('announcedDraft', await page.textContent('#ws-announcer'));
    // the style's preview: the file's features over the basemap, once MapLibre has drawn them
    await page.waitForSelector('.prop-preview-map:is([data-state="drawn"], [data-state="idle"])',
      { state: 'attached', timeout: 30_000 }).catch(() => null);
    ctx.record('preview', await page.evaluate(() => ({
      kind: document.querySelector('.prop-preview-box').dataset.kind,
      state: document.querySelector('.prop-preview-map')?.dataset.state || null,
    })));
    await ctx.axe('draft-ru-desktop');
    await ctx.screenshot('proposal-draft-ru-desktop');
    await ctx.keyboardWalk('draft', page); // every field of the form, the preview's controls too

    // a wrong identifier: the server's 422 beside the field and in the summary, which takes the focus
    await page.fill('#prop-id', 'Recycling containers!');
    await page.click('#prop-save');
    await page.waitForSelector('#prop-error-summary:not([hidden])', { timeout: 15_000 });
    ctx.record('refused', await formState(page));
    await ctx.axe('draft-errors-ru-desktop');
    await ctx.screenshot('proposal-errors-ru-desktop', page, { fullPage: false }); // the summary, at the top
    // the summary's link moves the focus to the field
    await page.click('#prop-error-summary a[href="#prop-id"]');
    ctx.record('linkFocused', await page.evaluate(() => document.activeElement.id));

    await fillDefinition(page);
    const [put] = await Promise.all([
      page.waitForResponse((answer) => answer.request().method() === 'PUT', { timeout: 15_000 }),
      page.click('#prop-save'),
    ]);
    if (put.status() !== 200) {
      await page.waitForFunction(() => document.activeElement.id === 'prop-error-summary');
      throw new Error(`the filled definition was refused: ${await page.textContent('#prop-error-summary')}`);
    }
    await page.waitForFunction(() => document.getElementById('prop-error-summary').hidden);
    ctx.record('saved', await formState(page));
    await page.click('#prop-submit');
    await waitForStatus(page, 'submitted');
    ctx.record('submitted', await formState(page));
    await ctx.axe('submitted-ru-desktop');

    // ---- the administrator sends it back with a reason --------------------------------------------
    await switchTo(ctx, page, 'admin');
    await ctx.go('#/proposals', page);
    await listShown(ctx, page);
    ctx.record('adminList', await page.evaluate(() => ({
      waitingHeading: document.getElementById('prop-list-waiting')?.textContent || null,
      waiting: [...document.querySelectorAll('.prop-waiting tbody tr')].map((row) => Number(row.dataset.proposal)),
      firstSection: document.querySelector('#ws-main .prop-section h2')?.id || null,
    })));
    await ctx.axe('list-admin-ru-desktop');
    await ctx.screenshot('proposals-admin-ru-desktop');

    await ctx.go(`#/proposals/${number}`, page);
    await page.waitForSelector('#prop-approve');
    // no rejection without a reason
    await page.click('#prop-reject');
    ctx.record('rejectWithoutReason', await page.evaluate(() => ({
      error: document.getElementById('prop-reject-reason-error').hidden ? null
        : document.getElementById('prop-reject-reason-error').textContent,
      invalid: document.getElementById('prop-reject-reason').getAttribute('aria-invalid'),
      focused: document.activeElement.id,
    })));
    await ctx.axe('decision-ru-desktop');
    await page.fill('#prop-reject-reason', REASON);
    await page.click('#prop-reject');
    await waitForStatus(page, 'rejected');

    // ---- the publisher reads the reason, corrects the description and submits again --------------
    await switchTo(ctx, page, 'publisher');
    await waitForStatus(page, 'rejected');
    ctx.record('rejected', {
      ...(await formState(page)),
      reason: await page.textContent('#prop-reason-text'),
    });
    await ctx.axe('rejected-ru-desktop');
    await page.fill('#prop-description-ru', `${DESCRIPTIONS.ru} Обслуживает подрядчик управления.`);
    await page.click('#prop-submit');
    await waitForStatus(page, 'submitted');

    // ---- the administrator approves -------------------------------------------------------------
    await switchTo(ctx, page, 'admin');
    await page.waitForSelector('#prop-approve');
    await page.click('#prop-approve');
    await waitForStatus(page, 'approved');
    await page.waitForSelector('#prop-map-link');
    const links = await page.evaluate(() => ({
      map: document.getElementById('prop-map-link').href,
      mapText: document.getElementById('prop-map-link').textContent,
      collection: document.getElementById('prop-collection-link').href,
    }));
    ctx.record('approved', { ...(await formState(page)), links });
    await ctx.axe('approved-ru-desktop');
    await ctx.screenshot('proposal-approved-ru-desktop', page, { fullPage: false }); // the links, at the top

    ctx.record('collections', await page.evaluate(async () => {
      const answer = await fetch('/collections?f=json', { headers: { Accept: 'application/json' } });
      const body = await answer.json();
      return body.collections.map((collection) => collection.id);
    }));

    // Kazakh on a phone: the approved proposal, and the list (the token stays with the tab)
    await page.context().addCookies([{ name: 'geohub_lang', value: 'kk', url: ctx.base }]);
    await page.setViewportSize(PHONE);
    await page.reload({ waitUntil: 'load' });
    await waitForStatus(page, 'approved');
    ctx.record('kkHeading', await page.textContent('#ws-main h1'));
    await ctx.axe('approved-kk-phone');
    await ctx.screenshot('proposal-approved-kk-phone');
    await ctx.go('#/proposals', page);
    await listShown(ctx, page);
    await ctx.axe('list-admin-kk-phone');
    await ctx.screenshot('proposals-list-kk-phone');

    // the web map, opened from the link: the new layer is in its layer list
    await page.goto(links.map, { waitUntil: 'load' });
    await page.click('[data-panel="layers"]');
    await page.waitForFunction((title) => document.getElementById('layer-list')?.textContent.includes(title),
      TITLES.ru, { timeout: 30_000 }).catch(() => null);
    ctx.record('mapLayerList', await page.evaluate(() => document.getElementById('layer-list')?.textContent || ''));
    ctx.record('mapHash', await page.evaluate(() => window.location.hash));
  },
};
