// Administrators in the workspace (Russian, desktop): create a publisher account (its one-time
// password shown once, beside a copy button), sign in with it in a new browser context, revoke its
// sign-in from the tokens page (after a confirmation) so its next request signs it out, disable
// the account; the last-admin rule's 409 shown when the only admin tries to demote itself; create
// an app key (shown once) and revoke it. Each page in Kazakh on a phone too.
'use strict';

const PHONE = { width: 360, height: 740 };
const NEW_USER = 'ws-new-publisher';
const APP = 'Карта остановок';

async function notice(page) {
  return page.evaluate(() => {
    const box = document.querySelector('#ws-main .ws-ok, #ws-main .ws-error');
    return box ? { text: box.textContent, role: box.getAttribute('role'), focused: box.contains(document.activeElement) || box === document.activeElement } : null;
  });
}

/** Confirm the open <dialog> (or cancel it), recording what it asked. */
async function answerDialog(page, confirm) {
  await page.waitForSelector('dialog.dk-dialog[open]');
  const asked = await page.evaluate(() => ({
    text: document.querySelector('dialog.dk-dialog[open] p').textContent,
    focused: document.activeElement.textContent,
    modal: document.querySelector('dialog.dk-dialog[open]').matches(':modal'),
  }));
  await page.click(`dialog.dk-dialog[open] button[value="${confirm ? 'ok' : 'cancel'}"]`);
  return asked;
}

function rowOf(page, text) {
  return page.locator('.dk-table tbody tr', { has: page.locator('th', { hasText: text }) });
}

module.exports = {
  name: 'admin',
  backends: ['geopackage'],
  async run(ctx) {
    const page = await ctx.open('/workspace/', { lang: 'ru' });
    await ctx.signIn('admin');
    ctx.record('nav', await page.evaluate(() => [...document.querySelectorAll('#ws-nav a')].map((a) => a.getAttribute('href'))));
    await ctx.go('#/admin/accounts');
    await page.waitForSelector('.dk-accounts');
    await ctx.axe('accounts-ru-desktop');

    // a client-side check first: a publisher needs a department
    await page.fill('form[aria-labelledby="dk-create-legend"] input[name="name"]', NEW_USER);
    await page.selectOption('form[aria-labelledby="dk-create-legend"] select[name="role"]', 'publisher');
    await page.click('form[aria-labelledby="dk-create-legend"] button[type="submit"]');
    await page.waitForSelector('form[aria-labelledby="dk-create-legend"] [aria-invalid="true"]');
    ctx.record('needDepartment', await page.evaluate(() => {
      const field = document.querySelector('[aria-invalid="true"]');
      const error = document.getElementById(`${field.id}-error`);
      return { field: field.name, error: error.textContent, describedBy: field.getAttribute('aria-describedby').split(' ').includes(error.id), focused: document.activeElement === field };
    }));
    await ctx.axe('accounts-error-ru-desktop');

    await page.selectOption('form[aria-labelledby="dk-create-legend"] select[name="department"]', 'natural_resources');
    await page.click('form[aria-labelledby="dk-create-legend"] button[type="submit"]');
    await page.waitForSelector('.dk-secret');
    const password = await page.textContent('.dk-secret-value');
    ctx.record('created', {
      ...(await notice(page)),
      secretLabel: await page.textContent('.dk-secret-label'),
      secretFocused: await page.evaluate(() => document.activeElement.classList.contains('dk-secret')),
      passwordLength: password.length,
      row: await rowOf(page, NEW_USER).locator('td').allTextContents(),
    });
    await page.click('.dk-secret button');
    await page.waitForFunction(() => document.querySelector('.dk-copy-status').textContent);
    ctx.record('copyStatus', await page.textContent('.dk-copy-status'));
    await ctx.axe('accounts-created-ru-desktop');
    await ctx.screenshot('admin-accounts-ru-desktop');

    // the new publisher signs in elsewhere with the one-time password
    const other = await ctx.open('/workspace/', { lang: 'ru', fresh: true });
    await other.fill('#ws-user', NEW_USER);
    await other.fill('#ws-password', password);
    await other.click('#ws-sign-in button[type="submit"]');
    await other.waitForSelector('#ws-account:not([hidden])');
    await ctx.settled(other);
    ctx.record('newUserNav', await other.evaluate(() => [...document.querySelectorAll('#ws-nav a')].map((a) => a.getAttribute('href'))));

    // the admin revokes that sign-in from the tokens page
    await ctx.go(`#/admin/tokens/${NEW_USER}`, page);
    await page.waitForSelector('.dk-tokens');
    await ctx.axe('tokens-ru-desktop', page);
    await ctx.screenshot('admin-tokens-ru-desktop', page);
    const revoke = page.locator('.dk-tokens tbody tr button.ws-button-danger').first();
    await revoke.click();
    ctx.record('revokeDialog', await answerDialog(page, true));
    await page.waitForSelector('#ws-main .ws-ok');
    ctx.record('revoked', await notice(page));
    await page.uncheck('input[name="active"]');
    await page.click('.dk-filters button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('.dk-tokens tbody .dk-state-off'));
    ctx.record('tokenRows', await page.locator('.dk-tokens tbody tr').evaluateAll((rows) => rows.map((row) => row.textContent)));

    // the new user's next request is refused: the sign-in form comes back
    await other.evaluate(() => { window.location.hash = '#/reports'; });
    await other.waitForSelector('#ws-sign-in');
    ctx.record('newUserAfterRevoke', await other.evaluate(() => document.querySelector('#ws-main .ws-notice')?.textContent || null));

    // an API token for the account (a script's): shown once, and it works
    await page.selectOption('form[aria-labelledby="dk-token-legend"] select[name="account"]', NEW_USER);
    await page.selectOption('form[aria-labelledby="dk-token-legend"] select[name="expiresDays"]', '30');
    await page.click('form[aria-labelledby="dk-token-legend"] button[type="submit"]');
    await page.waitForSelector('.dk-secret');
    const apiToken = await page.textContent('.dk-secret-value');
    ctx.record('apiToken', {
      ...(await notice(page)),
      secretLabel: await page.textContent('.dk-secret-label'),
      secretFocused: await page.evaluate(() => document.activeElement.classList.contains('dk-secret')),
      whoami: await page.evaluate(async (value) => (await (await fetch('/auth/whoami', { headers: { Authorization: `Bearer ${value}` } })).json()).user, apiToken),
    });
    await ctx.axe('tokens-created-ru-desktop', page);

    // disable the account (confirm), then the last admin cannot demote itself
    await ctx.go('#/admin/accounts', page);
    await page.waitForSelector('.dk-accounts');
    await rowOf(page, NEW_USER).locator('button.ws-button-danger').first().click();
    ctx.record('disableDialog', await answerDialog(page, true));
    await page.waitForFunction((name) => [...document.querySelectorAll('.dk-accounts tbody tr')]
      .some((row) => row.querySelector('th').textContent === name && row.querySelector('.dk-state-off')), NEW_USER);
    ctx.record('disabled', { ...(await notice(page)), row: await rowOf(page, NEW_USER).locator('td').allTextContents() });

    // reset its password: confirmed, the new one shown once
    await rowOf(page, NEW_USER).locator('button.ws-button-danger').last().click();
    const resetDialog = await answerDialog(page, true);
    await page.waitForSelector('.dk-secret');
    ctx.record('reset', { ...(await notice(page)), dialog: resetDialog, secretLabel: await page.textContent('.dk-secret-label'),
      passwordLength: (await page.textContent('.dk-secret-value')).length });

    const self = ctx.accounts.admin.user;
    await rowOf(page, self).locator('button[data-account]').click();
    await page.waitForSelector('form[aria-labelledby="dk-edit-legend"]');
    await page.selectOption('form[aria-labelledby="dk-edit-legend"] select[name="role"]', 'moderator');
    await page.click('form[aria-labelledby="dk-edit-legend"] button[type="submit"]');
    await page.waitForSelector('form[aria-labelledby="dk-edit-legend"] .dk-form-error');
    ctx.record('lastAdmin', await page.evaluate(() => {
      const box = document.querySelector('form[aria-labelledby="dk-edit-legend"] .dk-form-error');
      return { text: box.textContent, role: box.getAttribute('role'), focused: document.activeElement === box };
    }));
    await ctx.axe('accounts-last-admin-ru-desktop', page);

    // app keys: create one (shown once), revoke it
    await ctx.go('#/admin/keys', page);
    await page.fill('form[aria-labelledby="dk-key-legend"] input[name="app"]', APP);
    await page.fill('form[aria-labelledby="dk-key-legend"] input[name="contact"]', 'dev@example.kz');
    await page.fill('form[aria-labelledby="dk-key-legend"] input[name="rateLimit"]', '100/hour');
    await page.click('form[aria-labelledby="dk-key-legend"] button[type="submit"]');
    await page.waitForSelector('.dk-secret');
    const key = await page.textContent('.dk-secret-value');
    ctx.record('keyCreated', { ...(await notice(page)), key, row: await rowOf(page, APP).locator('td').allTextContents() });
    ctx.record('keyWorks', await page.evaluate(async (value) => (await fetch(`/collections?key=${encodeURIComponent(value)}`)).status, key));
    await ctx.axe('keys-ru-desktop', page);
    await ctx.screenshot('admin-keys-ru-desktop', page);
    await rowOf(page, APP).locator('button[data-key]').click();
    await page.waitForSelector('form[aria-labelledby="dk-limit-legend"]');
    ctx.record('limitFormFocused', await page.evaluate(() => document.activeElement.id));
    await page.fill('form[aria-labelledby="dk-limit-legend"] input[name="rateLimit"]', 'many');
    await page.click('form[aria-labelledby="dk-limit-legend"] button[type="submit"]');
    await page.waitForSelector('form[aria-labelledby="dk-limit-legend"] .dk-form-error');
    ctx.record('badLimit', await page.evaluate(() => document.querySelector('form[aria-labelledby="dk-limit-legend"] .dk-form-error').textContent));
    await page.fill('form[aria-labelledby="dk-limit-legend"] input[name="rateLimit"]', '50/minute');
    await page.click('form[aria-labelledby="dk-limit-legend"] button[type="submit"]');
    await page.waitForFunction((app) => [...document.querySelectorAll('.dk-keys tbody tr')]
      .some((row) => row.querySelector('th').textContent === app && row.textContent.includes('50/minute')), APP);
    await page.waitForSelector('#ws-main .ws-ok:focus');
    ctx.record('limitChanged', { ...(await notice(page)), row: await rowOf(page, APP).locator('td').allTextContents() });
    await rowOf(page, APP).locator('button.ws-button-danger').click();
    ctx.record('keyDialog', await answerDialog(page, true));
    await page.waitForSelector('.dk-keys tbody .dk-state-off');
    ctx.record('keyRevoked', { ...(await notice(page)), row: await rowOf(page, APP).locator('td').allTextContents() });
    ctx.record('revokedKeyStatus', await page.evaluate(async (value) => (await fetch(`/collections?key=${encodeURIComponent(value)}`)).status, key));

    // Kazakh on a phone (and Russian on a phone), the same tab resized
    await page.setViewportSize(PHONE);
    await ctx.screenshot('admin-keys-ru-phone', page);
    await page.evaluate(() => { document.cookie = 'geohub_lang=kk; path=/'; });
    await page.reload({ waitUntil: 'load' });
    await ctx.settled(page);
    await page.waitForSelector('.dk-keys');
    await ctx.axe('keys-kk-phone', page);
    await ctx.screenshot('admin-keys-kk-phone', page);
    await ctx.go('#/admin/accounts', page);
    await page.waitForSelector('.dk-accounts');
    await ctx.axe('accounts-kk-phone', page);
    await ctx.screenshot('admin-accounts-kk-phone', page);
    await ctx.go('#/admin/tokens', page);
    await page.waitForSelector('.dk-tokens');
    await ctx.axe('tokens-kk-phone', page);
    await ctx.screenshot('admin-tokens-kk-phone', page);
    await page.setViewportSize({ width: 1280, height: 800 });
    await ctx.screenshot('admin-tokens-kk-desktop', page);
  },
};
