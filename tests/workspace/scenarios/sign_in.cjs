// Signing in to the workspace and out again: a wrong password answered in the page language next
// to the form, the publisher's sections once signed in, the sign-in kept across a reload (the
// token lives in sessionStorage), signing out revoking the token on the server, and a token the
// server no longer accepts bringing the form back. Kazakh on a phone, Russian on a desktop.
'use strict';

const PHONE = { width: 360, height: 740 };

async function state(page) {
  return page.evaluate(() => ({
    token: window.sessionStorage.getItem('geohub.workspace.token'),
    view: document.querySelector('#ws-main [data-view]')?.dataset.view || null,
    heading: document.querySelector('#ws-main h1')?.textContent || null,
    focused: document.activeElement ? document.activeElement.tagName : null,
    nav: [...document.querySelectorAll('#ws-nav:not([hidden]) a')].map((a) => a.getAttribute('href')),
    account: document.getElementById('ws-account').hidden ? null : document.getElementById('ws-account-name').textContent,
    notice: document.querySelector('#ws-main .ws-notice')?.textContent || null,
    title: document.title,
  }));
}

module.exports = {
  name: 'sign_in',
  backends: ['geopackage'],
  async run(ctx) {
    const page = await ctx.open('/workspace/', { lang: 'ru' });
    await page.waitForSelector('#ws-sign-in');
    ctx.record('signedOutAtFirst', await state(page));
    await ctx.axe('sign-in-ru-desktop');
    await ctx.screenshot('sign-in-ru-desktop');

    // a wrong password: the server's problem detail, in Russian, beside the form
    await page.fill('#ws-user', ctx.accounts.publisher.user);
    await page.fill('#ws-password', 'not the password');
    await page.click('#ws-sign-in button[type="submit"]');
    await page.waitForSelector('#ws-sign-in-error:not([hidden])');
    ctx.record('wrongPassword', await page.evaluate(() => ({
      error: document.getElementById('ws-sign-in-error').textContent,
      role: document.getElementById('ws-sign-in-error').getAttribute('role'),
      invalid: document.getElementById('ws-password').getAttribute('aria-invalid'),
      describedBy: document.getElementById('ws-password').getAttribute('aria-describedby'),
      focused: document.activeElement.id,
    })));
    await ctx.axe('sign-in-error-ru-desktop');

    // the keyboard alone: user name, Tab, password, Enter
    await page.fill('#ws-user', '');
    await page.focus('#ws-user');
    await page.keyboard.type(ctx.accounts.publisher.user);
    await page.keyboard.press('Tab');
    await page.keyboard.type(ctx.accounts.publisher.password);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#ws-account:not([hidden])');
    await ctx.settled(page);
    ctx.record('signedIn', await state(page));
    ctx.record('announced', await page.waitForFunction(
      () => document.getElementById('ws-announcer').textContent,
    ).then((handle) => handle.jsonValue()));
    await ctx.axe('home-ru-desktop');
    await ctx.keyboardWalk('home-ru-desktop');
    await ctx.screenshot('home-ru-desktop');

    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('#ws-account:not([hidden])');
    await ctx.settled(page);
    ctx.record('afterReload', await state(page));

    // the language switch: the page again in Kazakh, still signed in, the view kept
    await page.evaluate(() => { window.location.hash = '#/no/such/page'; });
    await ctx.settled(page);
    await Promise.all([page.waitForEvent('load'), page.selectOption('#ws-language', 'kk')]);
    await page.waitForSelector('#ws-account:not([hidden])');
    await ctx.settled(page);
    ctx.record('switched', { lang: await page.getAttribute('html', 'lang'), hash: await page.evaluate(() => window.location.hash), ...(await state(page)) });
    await Promise.all([page.waitForEvent('load'), page.selectOption('#ws-language', 'ru')]);
    await page.waitForSelector('#ws-account:not([hidden])');

    await page.goto(`${ctx.base}/workspace/#/no/such/page`);
    await ctx.settled(page);
    ctx.record('unknownRoute', await state(page));

    // signing out revokes the token: the server refuses it afterwards
    const revoked = (await state(page)).token;
    await page.click('#ws-sign-out');
    await page.waitForSelector('#ws-sign-in');
    ctx.record('signedOut', await state(page));
    ctx.record('revokedTokenStatus', await page.evaluate(async (value) => {
      const answer = await fetch('/auth/whoami', { headers: { Authorization: `Bearer ${value}` } });
      return answer.status;
    }, revoked));

    // a token the server no longer knows: the form again, saying the session ended
    await page.evaluate(() => window.sessionStorage.setItem('geohub.workspace.token', 'no-such-token'));
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('#ws-sign-in');
    ctx.record('staleToken', await state(page));

    // Kazakh on a phone
    const phone = await ctx.open('/workspace/', { lang: 'kk', ...PHONE, fresh: true });
    await phone.waitForSelector('#ws-sign-in');
    await ctx.axe('sign-in-kk-phone');
    await ctx.screenshot('sign-in-kk-phone');
    await ctx.signIn('moderator');
    ctx.record('moderatorKk', await state(phone));
    await ctx.axe('home-kk-phone');
    await ctx.screenshot('home-kk-phone');
  },
};
