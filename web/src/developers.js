// The developers page: copy buttons, registering an app (its key shown once), a key's use per day.
// The key travels only in the X-API-Key header; it is kept in localStorage only when asked.

const config = JSON.parse(document.getElementById('developers-config').textContent);
const STORAGE_KEY = 'geohub.developers.key';
const status = document.getElementById('dev-status');

function t(key, params = {}) {
  const template = config.texts[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

function announce(message) {
  status.textContent = '';
  window.setTimeout(() => { status.textContent = message; }, 50);
}

async function copyFrom(button) {
  const source = document.getElementById(button.dataset.copy);
  const value = source.textContent;
  try {
    await navigator.clipboard.writeText(value);
    announce(t('script.copied'));
    button.dataset.done = 'true';
    window.setTimeout(() => { delete button.dataset.done; }, 2000);
  } catch {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    announce(t('script.copyFailed'));
  }
}

for (const button of document.querySelectorAll('button.copy')) {
  button.addEventListener('click', () => copyFrom(button));
}

async function send(url, options) {
  let response;
  try {
    response = await fetch(url, { ...options, headers: { Accept: 'application/json', 'Accept-Language': config.lang, ...options.headers } });
  } catch {
    return { ok: false, body: { detail: t('script.network') } };
  }
  const body = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, body };
}

// ---- registering an app ---------------------------------------------------------------------

const registerForm = document.getElementById('register-form');
const summary = document.getElementById('register-summary');
const FIELD_INPUTS = { app: 'app-name', email: 'app-email', emailAgain: 'app-email-again', acceptTerms: 'app-terms' };

function clearErrors() {
  summary.hidden = true;
  summary.textContent = '';
  for (const id of Object.values(FIELD_INPUTS)) {
    const input = document.getElementById(id);
    input.removeAttribute('aria-invalid');
    const error = document.getElementById(`${id}-error`);
    error.hidden = true;
    error.textContent = '';
  }
}

function showErrors(body) {
  const errors = Array.isArray(body.errors) ? body.errors : [];
  let first = null;
  for (const { field, message } of errors) {
    const id = FIELD_INPUTS[String(field).split('.')[0]];
    if (!id) continue;
    const input = document.getElementById(id);
    const error = document.getElementById(`${id}-error`);
    input.setAttribute('aria-invalid', 'true');
    error.textContent = message;
    error.hidden = false;
    first ??= input;
  }
  summary.textContent = errors.length ? `${body.detail ?? ''} ${t('script.fieldErrors', { count: errors.length })}` : (body.detail ?? t('script.network'));
  summary.hidden = false;
  (first ?? summary).focus?.();
}

registerForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  const button = registerForm.querySelector('button[type=submit]');
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  const data = {
    app: registerForm.elements.app.value,
    email: registerForm.elements.email.value,
    emailAgain: registerForm.elements.emailAgain.value,
    acceptTerms: registerForm.elements.acceptTerms.checked,
  };
  const answer = await send(config.urls.apps, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(data) });
  button.disabled = false;
  button.removeAttribute('aria-busy');
  if (!answer.ok) {
    showErrors(answer.body);
    return;
  }
  const box = document.getElementById('new-key');
  box.querySelector('#new-key-value code').textContent = answer.body.key;
  document.getElementById('new-key-limit').textContent = t('key.limit', { limit: answer.body.rateLimitText });
  box.hidden = false;
  registerForm.reset();
  document.getElementById('usage-key').value = answer.body.key;
  box.focus();
});

// ---- a key's use ----------------------------------------------------------------------------

const usageForm = document.getElementById('usage-form');
const usageKey = document.getElementById('usage-key');
const remember = document.getElementById('usage-remember');
const usageError = document.getElementById('usage-key-error');
const result = document.getElementById('usage-result');

function storedKey() {
  try { return window.localStorage.getItem(STORAGE_KEY); } catch { return null; }
}

function keepKey(key) {
  try {
    if (key) window.localStorage.setItem(STORAGE_KEY, key);
    else window.localStorage.removeItem(STORAGE_KEY);
  } catch { /* storage off: nothing is remembered */ }
}

function numberText(value) {
  return new Intl.NumberFormat(config.lang).format(value);
}

function dayText(day) {
  const date = new Date(`${day}T00:00:00Z`);
  return new Intl.DateTimeFormat(config.lang, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(date);
}

function renderUsage(body) {
  result.replaceChildren();
  const total = document.createElement('p');
  total.className = 'dev-usage-total';
  total.textContent = t('usage.total', { total: numberText(body.total), today: numberText(body.today) });
  const wrap = document.createElement('div');
  wrap.className = 'dev-table-wrap';
  wrap.tabIndex = 0;
  const table = document.createElement('table');
  const caption = table.createCaption();
  caption.textContent = t('usage.caption', { app: body.app, limit: body.rateLimitText });
  wrap.setAttribute('aria-label', caption.textContent);
  const head = table.createTHead().insertRow();
  for (const key of ['usage.day', 'usage.requests']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = t(key);
    head.append(th);
  }
  const most = Math.max(1, ...body.days.map((d) => d.requests));
  const rows = table.createTBody();
  for (const { day, requests } of [...body.days].reverse()) {
    const row = rows.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = dayText(day);
    const cell = row.insertCell();
    row.prepend(th);
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.setAttribute('aria-hidden', 'true');
    bar.style.setProperty('--share', String(requests / most));
    const count = document.createElement('span');
    count.textContent = numberText(requests);
    cell.append(count, bar);
  }
  wrap.append(table);
  result.append(total, wrap);
}

async function showUsage(key) {
  usageError.hidden = true;
  usageKey.removeAttribute('aria-invalid');
  result.setAttribute('aria-busy', 'true');
  const answer = await send(config.urls.usage, { headers: { 'X-API-Key': key } });
  result.removeAttribute('aria-busy');
  if (!answer.ok) {
    result.replaceChildren();
    usageError.textContent = answer.body.detail ?? t('script.network');
    usageError.hidden = false;
    usageKey.setAttribute('aria-invalid', 'true');
    usageKey.focus();
    return;
  }
  renderUsage(answer.body);
}

usageForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = usageKey.value.trim();
  if (!key) {
    usageError.textContent = t('script.needKey');
    usageError.hidden = false;
    usageKey.setAttribute('aria-invalid', 'true');
    usageKey.focus();
    return;
  }
  keepKey(remember.checked ? key : null);
  showUsage(key);
});

document.getElementById('usage-forget').addEventListener('click', () => {
  keepKey(null);
  usageKey.value = '';
  remember.checked = false;
  result.replaceChildren();
  announce(t('script.forgotten'));
});

const remembered = storedKey();
if (remembered) {
  usageKey.value = remembered;
  remember.checked = true;
  showUsage(remembered);
}
