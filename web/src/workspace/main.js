// The workspace shell: reads the page config, signs in and out, loads every view module
// (config.views, from web/src/workspace/views/), builds the navigation the account may use,
// routes by the URL hash (#/layers, #/layers/<id>, ...) and renders the current view into
// <main id="ws-main">, moving the focus to its heading and announcing in a live region.
import { api, ApiError, setNetworkMessage, setToken, token, whenUnauthorized } from './api.js';
import { clear, formatDate, formatNumber, h } from './dom.js';
import { fillText } from '../format.js';

export const config = JSON.parse(document.getElementById('workspace-config').textContent);
const LANGUAGE_COOKIE = 'geohub_lang';
const main = document.getElementById('ws-main');
const announcer = document.getElementById('ws-announcer');
const nav = document.getElementById('ws-nav');
const navList = document.getElementById('ws-nav-list');
const account = document.getElementById('ws-account');
const accountName = document.getElementById('ws-account-name');

let principal = null; // the /auth/whoami answer once signed in
let views = []; // the view modules' default exports
let rendering = 0; // increases with each render: an older render's late writes are dropped

// ---- texts -------------------------------------------------------------------------------------

/** The text of `key` in the page language, {placeholders} filled from `params` (numbers formatted). */
export function t(key, params = {}) {
  return fillText(config.texts, key, params);
}

let announceTimer = null;
/** Say `text` in the polite live region (a repeat is spoken again). */
export function announce(text) {
  if (!text) return;
  clearTimeout(announceTimer);
  announcer.textContent = '';
  announceTimer = setTimeout(() => { announcer.textContent = text; }, 60);
}

function setTitle(text) {
  document.title = t('ws.pageTitle', { title: text });
}

function navigate(hash) {
  if (window.location.hash === hash) render();
  else window.location.hash = hash;
}

// ---- routes ------------------------------------------------------------------------------------

function compile(pattern) {
  const parts = pattern.replace(/^#\/?/, '').split('/').filter(Boolean);
  return (hash) => {
    const given = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
    if (given.length !== parts.length) return null;
    const params = {};
    for (let i = 0; i < parts.length; i += 1) {
      if (parts[i].startsWith(':')) params[parts[i].slice(1)] = decodeURIComponent(given[i]);
      else if (parts[i] !== given[i]) return null;
    }
    return params;
  };
}

function mayUse(view) {
  const roles = view.roles || (view.nav && view.nav.roles);
  return !roles || (principal && roles.includes(principal.role));
}

function match(hash) {
  for (const view of views) {
    for (const matcher of view.matchers) {
      const params = matcher(hash);
      if (params) return { view, params };
    }
  }
  return null;
}

function navEntries() {
  return views
    .filter((view) => view.nav && mayUse(view))
    .sort((a, b) => (a.nav.order ?? 100) - (b.nav.order ?? 100))
    .map((view) => ({ id: view.id, text: t(view.nav.text), href: view.nav.href || view.routes[0] }));
}

function buildNav() {
  clear(navList);
  const entries = navEntries();
  for (const entry of entries) {
    navList.append(h('li', {}, h('a', { href: entry.href, 'data-view': entry.id }, entry.text)));
  }
  nav.hidden = !principal || entries.length === 0;
}

function markCurrent(viewId) {
  for (const link of navList.querySelectorAll('a')) {
    if (link.dataset.view === viewId) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

// ---- built-in views: home, not found, an error -------------------------------------------------

function renderHome(ctx) {
  ctx.main.append(h('h1', {}, t('ws.home.title')));
  const department = principal.department
    ? config.departments[principal.department] || principal.department : null;
  ctx.main.append(h('p', { class: 'ws-lead' },
    t('ws.account', { user: principal.user }), ' · ', t(`ws.role.${principal.role}`),
    department ? ` · ${t('ws.home.department', { department })}` : ''));
  const entries = navEntries();
  if (!entries.length) {
    ctx.main.append(h('p', {}, t('ws.home.empty')));
    return;
  }
  ctx.main.append(h('p', {}, t('ws.home.intro')));
  ctx.main.append(h('ul', { class: 'ws-cards' },
    entries.map((entry) => h('li', {}, h('a', { class: 'ws-card', href: entry.href }, entry.text)))));
}

function renderNotFound(ctx) {
  ctx.main.append(
    h('h1', {}, t('ws.notFound.title')),
    h('p', {}, t('ws.notFound.text')),
    h('p', {}, h('a', { href: '#/' }, t('ws.back'))),
  );
}

function renderError(container, error) {
  clear(container);
  const message = error instanceof ApiError ? error.message : t('ws.error.generic');
  container.append(
    h('h1', {}, t('ws.error.title')),
    h('p', { class: 'ws-error', role: 'alert' }, message),
    h('p', {}, h('button', { type: 'button', class: 'ws-button', onclick: () => render() }, t('ws.retry')),
      ' ', h('a', { href: '#/' }, t('ws.back'))),
  );
}

// ---- rendering the current route ---------------------------------------------------------------

function focusHeading(container) {
  const heading = container.querySelector('h1');
  if (!heading) return;
  if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
  heading.focus({ preventScroll: false });
}

async function render() {
  const number = ++rendering;
  if (!principal) return;
  const hash = window.location.hash || '#/';
  const found = hash === '#/' || hash === '#' ? null : match(hash);
  clear(main);
  const container = h('div', { class: 'ws-view' });
  main.append(container);
  main.setAttribute('aria-busy', 'true');
  const ctx = {
    api, t, lang: config.lang, principal, navigate, main: container, announce, config, titled: false,
    setTitle(text) { ctx.titled = true; setTitle(text); },
  };
  let viewId = null;
  try {
    if (hash === '#/' || hash === '#') {
      renderHome(ctx);
    } else if (!found || !mayUse(found.view)) {
      renderNotFound(ctx);
    } else {
      viewId = found.view.id;
      container.dataset.view = viewId;
      markCurrent(viewId);
      await found.view.render(ctx, found.params);
    }
  } catch (error) {
    if (number !== rendering) return;
    if (error instanceof ApiError && error.status === 401) return; // the sign-in form is shown
    console.error(error);
    renderError(container, error);
  }
  if (number !== rendering) return;
  markCurrent(viewId);
  main.setAttribute('aria-busy', 'false');
  const heading = container.querySelector('h1');
  if (heading && !ctx.titled) setTitle(heading.textContent);
  focusHeading(container);
}

// ---- signing in and out ------------------------------------------------------------------------

function showSignedIn() {
  account.hidden = false;
  accountName.textContent = t('ws.account', { user: principal.user });
  buildNav();
}

function showSignIn(message = '') {
  principal = null;
  rendering += 1;
  account.hidden = true;
  buildNav();
  clear(main);
  main.setAttribute('aria-busy', 'false');
  const error = h('p', { class: 'ws-error', id: 'ws-sign-in-error', role: 'alert', hidden: true });
  const user = h('input', { id: 'ws-user', name: 'username', type: 'text', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: 'ws-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'ws-button ws-button-primary' }, t('ws.signIn.submit'));
  const form = h('form', { class: 'ws-sign-in', id: 'ws-sign-in', novalidate: true },
    h('div', { class: 'ws-field' }, h('label', { for: 'ws-user' }, t('ws.signIn.user')), user),
    h('div', { class: 'ws-field' }, h('label', { for: 'ws-password' }, t('ws.signIn.password')), password),
    error,
    h('p', {}, submit));
  const status = message ? h('p', { class: 'ws-notice', role: 'status' }, message) : null;
  main.append(h('div', { class: 'ws-view ws-view-narrow', 'data-view': 'sign-in' },
    h('h1', { tabindex: '-1' }, t('ws.signIn.title')), status, h('p', {}, t('ws.signIn.intro')), form));
  setTitle(t('ws.signIn.title'));

  function fail(text, field) {
    error.textContent = text;
    error.hidden = false;
    for (const input of [user, password]) {
      input.setAttribute('aria-invalid', String(!field || input === field));
      input.setAttribute('aria-describedby', 'ws-sign-in-error');
    }
    (field || password).focus();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!user.value.trim() || !password.value) {
      fail(t('ws.signIn.missing'), !user.value.trim() ? user : password);
      return;
    }
    submit.disabled = true;
    submit.textContent = t('ws.signIn.busy');
    try {
      const issued = await api.post('/auth/tokens', { username: user.value.trim(), password: password.value });
      setToken(issued.token);
      await start();
      announce(t('ws.signIn.done', { user: principal.user }));
    } catch (failure) {
      setToken(null);
      submit.disabled = false;
      submit.textContent = t('ws.signIn.submit');
      password.value = '';
      fail(failure instanceof ApiError ? failure.message : t('ws.error.generic'), null);
    }
  });
  main.querySelector('h1').focus();
}

async function signOut() {
  try {
    await api.delete('/auth/tokens/current');
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) console.error(error);
  }
  setToken(null);
  showSignIn(t('ws.signedOut'));
  announce(t('ws.signedOut'));
}

/** Who the token acts for; signed in, the navigation and the current route. */
async function start() {
  const who = await api.get('/auth/whoami');
  if (!who || !who.signedIn) {
    setToken(null);
    showSignIn();
    return;
  }
  principal = who;
  showSignedIn();
  await render();
}

// ---- language ----------------------------------------------------------------------------------

const languageSelect = document.getElementById('ws-language');
languageSelect.addEventListener('change', () => {
  document.cookie = `${LANGUAGE_COOKIE}=${languageSelect.value}; Max-Age=31536000; Path=/; SameSite=Lax`;
  const url = new URL(window.location.href);
  url.searchParams.delete('lang');
  window.location.replace(url.toString()); // the hash, and so the view, stays
  if (url.toString() === window.location.href) window.location.reload();
});

// ---- boot --------------------------------------------------------------------------------------

async function loadViews() {
  const loaded = await Promise.allSettled(config.views.map((name) => import(`./views/${name}.js`)));
  const modules = [];
  loaded.forEach((result, index) => {
    if (result.status === 'rejected') {
      console.error(`workspace view ${config.views[index]}:`, result.reason);
      return;
    }
    const view = result.value.default;
    if (!view || !Array.isArray(view.routes) || typeof view.render !== 'function') return;
    modules.push({ ...view, matchers: view.routes.map(compile) });
  });
  return modules;
}

async function boot() {
  setNetworkMessage(t('ws.error.network'));
  whenUnauthorized(() => {
    setToken(null);
    if (principal) showSignIn(t('ws.sessionEnded'));
  });
  document.getElementById('ws-sign-out').addEventListener('click', signOut);
  window.addEventListener('hashchange', () => { if (principal) render(); });
  views = await loadViews();
  if (!token()) {
    showSignIn();
    return;
  }
  try {
    await start();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) console.error(error);
    setToken(null);
    showSignIn(error instanceof ApiError && error.status === 401 ? t('ws.sessionEnded') : '');
  }
}

boot();

export { formatDate, formatNumber };
