// The report desk: two citizen reports filed through POST /reports (one with a photo drawn on a
// canvas), then a moderator (Russian, desktop) finds the first in the queue, opens its case (the
// place on the map, the staff-only photo), assigns it to the natural_resources department, replies
// and moves it along; a reject without a reason is refused beside its field; a change made
// meanwhile by someone else gives the "reloaded" 409 notice. The natural_resources publisher
// (Kazakh, phone) then sees only the department's queue and resolves the report.
'use strict';

const PHONE = { width: 360, height: 740 };

/** File a report as a citizen would, from the page (multipart with a JPEG made on a canvas). */
async function fileReport(page, body, withPhoto) {
  return page.evaluate(async ({ report, photo }) => {
    const form = new FormData();
    form.append('report', JSON.stringify(report));
    if (photo) {
      const canvas = document.createElement('canvas');
      canvas.width = 320;
      canvas.height = 240;
      const g = canvas.getContext('2d');
      g.fillStyle = '#6a8f3c';
      g.fillRect(0, 0, 320, 240);
      g.fillStyle = '#5b3a1a';
      g.fillRect(100, 90, 120, 80);
      const jpeg = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8));
      form.append('photo', jpeg, 'dump.jpg');
    }
    const answer = await fetch('/reports', { method: 'POST', body: form, headers: { 'Accept-Language': 'ru' } });
    return { status: answer.status, body: await answer.json() };
  }, { report: body, photo: withPhoto });
}

/** A staff token made outside the page (another person working on the same report). */
async function tokenOf(ctx, role) {
  const account = ctx.accounts[role];
  const answer = await fetch(`${ctx.base}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: account.user, password: account.password }),
  });
  return (await answer.json()).token;
}

async function caseState(page) {
  return page.evaluate(() => ({
    heading: document.querySelector('#ws-main h1')?.textContent || null,
    focused: document.activeElement ? (document.activeElement.id || document.activeElement.className || document.activeElement.tagName) : null,
    notice: document.querySelector('.dk-notice:not([hidden])')?.textContent || null,
    noticeRole: document.querySelector('.dk-notice:not([hidden])')?.getAttribute('role') || null,
    status: document.querySelector('.dk-facts [data-status]')?.dataset.status || null,
    facts: Object.fromEntries([...document.querySelectorAll('.dk-facts dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])),
    history: [...document.querySelectorAll('.dk-history li')].map((li) => li.textContent),
    moves: [...document.querySelectorAll('select[name="status"] option')].map((o) => o.value),
    actions: [...document.querySelectorAll('.dk-action h3')].map((h) => h.textContent),
  }));
}

async function queueState(page) {
  return page.evaluate(() => ({
    caption: document.querySelector('.dk-queue caption')?.textContent || null,
    tracking: [...document.querySelectorAll('.dk-queue tbody th a')].map((a) => a.textContent),
    departments: [...document.querySelectorAll('.dk-queue thead th')].map((th) => th.textContent),
    scopes: [...document.querySelectorAll('.dk-queue th')].map((th) => th.getAttribute('scope')),
    departmentFilter: Boolean(document.querySelector('select[name="department"]')),
    intro: document.querySelector('#ws-main .dk-intro')?.textContent || null,
  }));
}

/** Submit the case's action form `name` (move, reply, assign, merge). */
async function submitIn(page, name) {
  await page.click(`form[aria-labelledby="dk-${name}-legend"] button[type="submit"]`);
}

/** Wait until the case shows `status`. */
async function statusIs(page, status) {
  await page.waitForSelector(`.dk-facts [data-status="${status}"]`);
}

module.exports = {
  name: 'desk',
  backends: ['geopackage'],
  async run(ctx) {
    const page = await ctx.open('/workspace/', { lang: 'ru' });
    const roads = await fileReport(page, {
      category: 'road_damage', description: 'Яма на тротуаре у остановки, <b>глубокая</b>',
      location: { lon: 76.9457, lat: 43.2383 }, email: 'citizen@example.kz', confirmDistinct: true,
    }, true);
    const other = await fileReport(page, {
      category: 'road_damage', description: 'Разбитый бордюр', location: { lon: 76.9123, lat: 43.2611 }, confirmDistinct: true,
    }, false);
    const id = roads.body.trackingId;
    ctx.record('filed', { status: roads.status, id, other: other.body.trackingId });

    // the moderator: the queue, every department's
    await ctx.signIn('moderator');
    await ctx.go('#/reports');
    await page.waitForSelector('.dk-queue');
    ctx.record('moderatorQueue', await queueState(page));
    await ctx.axe('queue-ru-desktop');
    await ctx.screenshot('desk-queue-ru-desktop');
    // a status's count shows only that status
    await page.click('.dk-counts .dk-count');
    await page.waitForSelector('.dk-counts .dk-count[aria-pressed="true"]');
    ctx.record('countPicked', await page.evaluate(() => ({
      filter: document.querySelector('.dk-filters select[name="status"]').value,
      statuses: [...document.querySelectorAll('.dk-queue tbody tr td:nth-of-type(2) .dk-status')].map((el) => el.className),
    })));
    await page.click(`.dk-queue a[href="#/reports/${id}"]`);
    await page.waitForSelector('.dk-facts');
    await page.waitForSelector('.dk-photos img[src^="blob:"]');
    await page.waitForSelector('.dk-map canvas');
    await page.waitForFunction(() => document.activeElement && document.activeElement.tagName === 'H1');
    ctx.record('case', { ...(await caseState(page)),
      photoAlt: await page.getAttribute('.dk-photos img', 'alt'),
      mapLabel: await page.getAttribute('.dk-map canvas', 'aria-label'),
      description: await page.textContent('.dk-description'),
      descriptionLang: await page.getAttribute('.dk-description', 'lang') });
    await ctx.axe('case-ru-desktop');

    // the photo at full size, by keyboard: Enter opens it in a modal dialog, Escape closes it
    await page.focus('.dk-photo');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog.dk-photo-dialog[open] img[src^="blob:"]');
    const photo = await page.evaluate(() => {
      const image = document.querySelector('dialog.dk-photo-dialog[open] img');
      return { alt: image.alt, width: image.naturalWidth, focused: document.activeElement.textContent };
    });
    await ctx.axe('case-photo-ru-desktop');
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog.dk-photo-dialog', { state: 'detached' });
    photo.focusBack = await page.evaluate(() => document.activeElement.classList.contains('dk-photo'));
    ctx.record('photo', photo);

    // assign to natural_resources
    await page.selectOption('.dk-action select[name="department"]', 'natural_resources');
    await submitIn(page, 'assign');
    await page.waitForSelector('.dk-notice:not([hidden])');
    ctx.record('assigned', await caseState(page));

    // reply to the citizen
    await page.fill('.dk-action textarea[name="comment"][required]', 'Спасибо, передали в управление природных ресурсов.');
    await submitIn(page, 'reply');
    await page.waitForFunction(() => document.querySelectorAll('.dk-history .dk-history-reply').length === 1);
    ctx.record('replied', await caseState(page));

    // approve the description and photos for the public
    await submitIn(page, 'approve');
    await page.waitForSelector('form[aria-labelledby="dk-approve-legend"] button.ws-button-danger');
    ctx.record('approved', await caseState(page));

    // reject without a reason: refused beside the field
    await page.selectOption('.dk-action select[name="status"]', 'rejected');
    await submitIn(page, 'move');
    await page.waitForSelector('.dk-action [aria-invalid="true"]');
    ctx.record('rejectWithoutReason', await page.evaluate(() => {
      const field = document.querySelector('.dk-action [aria-invalid="true"]');
      const ids = (field.getAttribute('aria-describedby') || '').split(' ');
      return {
        field: field.name,
        error: ids.map((each) => document.getElementById(each)).filter((el) => el && el.classList.contains('dk-error')).map((el) => el.textContent),
        focused: document.activeElement === field,
      };
    }));
    await ctx.axe('case-error-ru-desktop');

    // accept
    await page.selectOption('.dk-action select[name="status"]', 'accepted');
    await submitIn(page, 'move');
    await statusIs(page, 'accepted');
    ctx.record('accepted', await caseState(page));
    await ctx.screenshot('desk-case-ru-desktop');

    // someone else starts the work meanwhile: this page's next action gets a 409 and reloads
    const other409 = await tokenOf(ctx, 'moderator');
    await fetch(`${ctx.base}/reports/${id}/status`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${other409}` },
      body: JSON.stringify({ status: 'in_progress', comment: '' }),
    });
    await page.selectOption('.dk-action select[name="status"]', 'in_progress');
    await submitIn(page, 'move');
    await page.waitForSelector('.dk-notice[role="alert"]');
    ctx.record('conflict', await caseState(page));
    await ctx.axe('case-conflict-ru-desktop');

    // the other report (a duplicate of the first): merged into it after a confirmation
    await ctx.go(`#/reports/${other.body.trackingId}`, page);
    await page.waitForSelector('form[aria-labelledby="dk-merge-legend"]');
    await page.fill('form[aria-labelledby="dk-merge-legend"] input[name="into"]', id.toLowerCase());
    await submitIn(page, 'merge');
    await page.waitForSelector('dialog.dk-dialog[open]');
    const mergeDialog = await page.evaluate(() => ({
      text: document.querySelector('dialog.dk-dialog[open] p').textContent,
      focused: document.activeElement.textContent,
    }));
    await page.click('dialog.dk-dialog[open] button[value="ok"]');
    await statusIs(page, 'duplicate');
    ctx.record('merged', { ...(await caseState(page)), dialog: mergeDialog });

    // the publisher of natural_resources, in Kazakh on a phone: only the department's queue
    const phone = await ctx.open('/workspace/', { lang: 'kk', ...PHONE, fresh: true });
    await ctx.signIn('publisher', phone);
    await ctx.go('#/reports', phone);
    await phone.waitForSelector('.dk-queue, .dk-empty');
    ctx.record('publisherQueue', await queueState(phone));
    await ctx.axe('queue-kk-phone', phone);
    await ctx.screenshot('desk-queue-kk-phone', phone);
    ctx.record('publisherOtherCase', await phone.evaluate(async (otherId) => {
      const answer = await fetch(`/reports/${otherId}/case`, {
        headers: { Authorization: `Bearer ${window.sessionStorage.getItem('geohub.workspace.token')}` },
      });
      return answer.status;
    }, other.body.trackingId));
    await ctx.go(`#/reports/${id}`, phone);
    await phone.waitForSelector('.dk-facts');
    ctx.record('publisherCase', await caseState(phone));
    await phone.click('.dk-to-actions');
    ctx.record('toActions', await phone.evaluate(() => document.activeElement.textContent));
    await phone.selectOption('.dk-action select[name="status"]', 'resolved');
    await submitIn(phone, 'move');
    await statusIs(phone, 'resolved');
    ctx.record('resolved', await caseState(phone));
    await ctx.axe('case-kk-phone', phone);
    await ctx.screenshot('desk-case-kk-phone', phone);

    // the other sizes and languages: the same pages resized (the sign-in lives in the tab)
    await phone.setViewportSize({ width: 1280, height: 800 });
    await ctx.screenshot('desk-case-kk-desktop', phone);
    await ctx.go('#/reports', phone);
    await phone.selectOption('.dk-filters select[name="status"]', 'all');
    await phone.click('.dk-filters button[type="submit"]');
    await phone.waitForSelector('.dk-queue');
    ctx.record('publisherAllStatuses', await queueState(phone));
    await ctx.screenshot('desk-queue-kk-desktop', phone);
    await page.setViewportSize(PHONE);
    await ctx.screenshot('desk-case-ru-phone', page);
    await ctx.go('#/reports', page);
    await page.selectOption('.dk-filters select[name="status"]', 'all');
    await page.click('.dk-filters button[type="submit"]');
    await page.waitForSelector('.dk-queue');
    await ctx.screenshot('desk-queue-ru-phone', page);
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('.dk-queue');
    ctx.record('filterAfterReload', await page.inputValue('.dk-filters select[name="status"]'));
  },
};
