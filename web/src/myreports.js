// "My reports": the reports filed (or supported) in this browser, kept in localStorage with the
// secret that confirms or reopens them; each shown with its status from GET /reports/{id}.
// Also: the new report's temporary marker until the public `reports` layer shows it.

import { api, announce, bus, element, formatDate, onPanelOpen, openPanel, t } from './core.js';
import { flyTo, mapReady, removeMarker, setMarker } from './map.js';

const STORAGE_KEY = 'geohub.myReports';
const SHOWN_MARKER = 'myreport';
const NEW_MARKER = 'report-new';
const REPORTS_LAYER = 'reports'; // the source-layer of the public reports in the city tiles
const WATCH_MS = 90_000;
const RELOAD_AFTER_MS = [3_000, 7_000, 15_000, 30_000, 60_000];
const $ = (id) => document.getElementById(id);
const cards = new Map(); // tracking id -> the card's parts

// ---- the list kept in this browser -------------------------------------------------------------

/** The reports kept on this device, newest first: [{trackingId, secret, category, filedAt, lon, lat}]. */
export function storedReports() {
  try {
    const list = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || '[]');
    return Array.isArray(list) ? list.filter((each) => each && typeof each.trackingId === 'string') : [];
  } catch {
    return [];
  }
}

function store(list) {
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(list));
    return true;
  } catch {
    return false; // storage off (a private window): the list lasts as long as the page
  }
}

/** Keep `entry` on this device (a report kept already is updated; its secret is never dropped). */
export function rememberReport(entry) {
  const list = storedReports();
  const old = list.find((each) => each.trackingId === entry.trackingId);
  const merged = { ...old, ...entry, secret: entry.secret || old?.secret || null };
  store([merged, ...list.filter((each) => each.trackingId !== entry.trackingId)]);
}

function forgetReport(trackingId) {
  store(storedReports().filter((each) => each.trackingId !== trackingId));
}

// ---- dates ---------------------------------------------------------------------------------------

const ALMATY_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Almaty', year: 'numeric', month: '2-digit', day: '2-digit' });

/** A moment in the page language (Almaty time): with its time, or only its day in Almaty. */
export function dateText(iso, { time = true } = {}) {
  if (!iso) return '';
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  return formatDate(time ? iso : ALMATY_DAY.format(when)); // a bare YYYY-MM-DD is written as a date
}

// ---- status and history ------------------------------------------------------------------------

/** A report's status as a word and a shape (never by colour alone). */
export function statusBadge(status) {
  return element('span', { className: `status-badge status-${status}` },
    element('span', { className: 'status-icon', 'aria-hidden': 'true' }),
    t(`report.status.${status}`));
}

function historyItem(change) {
  let what = t(`report.history.${change.kind}`);
  if (change.kind === 'status' || !change.kind) { // "resolved" without "waiting for you": it is past
    what = change.to === 'resolved' ? t('report.history.resolved') : t(`report.status.${change.to}`);
  }
  const by = { citizen: 'report.by.citizen', system: 'report.by.system' }[change.by] || 'report.by.staff';
  const item = element('li', {},
    element('time', { datetime: change.at }, dateText(change.at)), ' — ',
    element('strong', {}, what), ` (${t(by)})`);
  if (change.comment) item.append(element('p', { className: 'staff-reply' }, t('myreports.reply', { comment: change.comment })));
  return item;
}

function facts(report) {
  const rows = [
    [t('myreports.department'), report.department.name],
    [t('myreports.due'), dateText(report.dueAt)],
  ];
  if (report.supporters) rows.push(['', t('myreports.supporters', { n: report.supporters })]);
  const list = element('dl', { className: 'facts-grid' });
  for (const [term, value] of rows) {
    if (!term) {
      list.append(element('dd', { className: 'wide' }, value));
      continue;
    }
    list.append(element('dt', {}, term), element('dd', {}, value));
  }
  return list;
}

// ---- one card ----------------------------------------------------------------------------------

function createCard(entry) {
  const id = entry.trackingId;
  const titleId = `myreport-${id}-title`;
  const title = element('h3', { id: titleId, className: 'card-title' }, t('myreports.report', { id, category: '…' }));
  const body = element('div', { className: 'myreport-body', 'aria-live': 'off' },
    element('p', { className: 'busy' }, t('myreports.loading')));
  const message = element('p', { className: 'card-message', role: 'status' });
  const actions = element('div', { className: 'action-row' });
  const card = element('li', { className: 'card myreport', 'aria-labelledby': titleId, 'aria-busy': 'true' },
    title, element('p', { className: 'card-meta' }, entry.filedAt ? t('myreports.filed', { date: dateText(entry.filedAt) }) : ''),
    body, message, actions);
  const parts = { entry, card, title, body, message, actions, report: null };
  cards.set(id, parts);
  renderActions(parts);
  return card;
}

async function loadCard(parts) {
  const id = parts.entry.trackingId;
  parts.card.setAttribute('aria-busy', 'true');
  try {
    parts.report = await api(`/reports/${encodeURIComponent(id)}`);
    renderReport(parts);
  } catch (error) {
    parts.report = null;
    parts.body.replaceChildren(element('p', { className: 'field-error' },
      error.status === 404 ? t('myreports.notFound', { id }) : error.message));
  } finally {
    parts.card.setAttribute('aria-busy', 'false');
    renderActions(parts);
  }
}

function renderReport(parts) {
  const { report, entry } = parts;
  parts.title.textContent = t('myreports.report', { id: report.trackingId, category: report.category.title });
  const children = [element('p', { className: 'card-status' }, statusBadge(report.status)), facts(report)];
  if (report.overdue) {
    children.push(element('p', { className: 'overdue-note' },
      element('span', { className: 'overdue-icon', 'aria-hidden': 'true' }, '!'), ' ', t('myreports.overdue')));
  }
  if (report.duplicateOf) children.push(element('p', {}, t('myreports.duplicateOf', { id: report.duplicateOf })));
  if (report.address) children.push(element('p', { className: 'card-meta' }, report.address));
  if (report.photos && report.photos.length) {
    children.push(element('h4', {}, t('myreports.photos')), element('ul', { className: 'photo-list' },
      report.photos.map((photo, index) => element('li', { className: 'photo-item' },
        element('a', { href: photo.href, target: '_blank', rel: 'noopener' },
          element('img', { src: photo.thumbnail, alt: t('myreports.photo', { n: index + 1, id: report.trackingId }),
            width: 96, height: 96, loading: 'lazy' }))))));
  } else if (entry.photoCount) {
    children.push(element('p', { className: 'hint' }, t('myreports.photosPending')));
  }
  if (report.status === 'resolved' && entry.secret) { // the citizen's turn: right under the facts
    const askId = `myreport-${report.trackingId}-ask`;
    children.push(element('div', { className: 'resolved-block', role: 'group', 'aria-labelledby': askId },
      element('p', { className: 'resolved-ask', id: askId }, t('myreports.resolvedAsk')),
      element('div', { className: 'action-row' },
        button(t('myreports.confirm'), () => citizenAction(parts, 'confirm', ''), 'primary'),
        button(t('myreports.reopen'), () => toggleReopen(parts)))));
  }
  const listId = `myreport-${report.trackingId}-history`;
  const list = element('ol', { className: 'history-list', id: listId }, [...report.history].reverse().map(historyItem));
  const replied = report.history.some((change) => change.comment); // a staff reply is shown at once
  children.push(element('div', { className: 'history' }, disclosure(t('myreports.history'), list, replied), list));
  parts.body.replaceChildren(...children);
}

function renderActions(parts) {
  const { entry, report } = parts;
  const id = entry.trackingId;
  const buttons = [];
  const location = report ? report.location : (entry.lon !== undefined && { lon: entry.lon, lat: entry.lat });
  if (location && Number.isFinite(location.lon)) {
    buttons.push(button(t('myreports.show'), () => {
      setMarker(SHOWN_MARKER, location, { label: t('myreports.report', { id, category: report?.category.title || '' }), kind: 'report' });
      flyTo(location, 17);
    }));
  }
  if (entry.secret) {
    const key = button(t('myreports.secret.show'), (event) => toggleSecret(parts, event.currentTarget));
    key.setAttribute('aria-expanded', 'false');
    buttons.push(key);
  }
  buttons.push(button(t('myreports.forget'), () => askForget(parts), 'quiet'));
  for (const each of buttons) each.setAttribute('aria-describedby', `myreport-${id}-title`);
  parts.actions.replaceChildren(...buttons);
}

/** A button that shows and hides `target` (aria-expanded), open at first when `open`. */
export function disclosure(text, target, open = false) {
  const toggle = element('button', {
    type: 'button', className: 'disclosure', 'aria-expanded': String(open), 'aria-controls': target.id,
  }, text);
  target.hidden = !open;
  toggle.addEventListener('click', () => {
    const opening = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(opening));
    target.hidden = !opening;
  });
  return toggle;
}

function button(text, onClick, kind = '') {
  const node = element('button', { type: 'button', className: `button ${kind}`.trim() }, text);
  node.addEventListener('click', onClick);
  return node;
}

function toggleSecret(parts, trigger) {
  const existing = parts.card.querySelector('.secret-box');
  if (existing) {
    existing.remove();
    trigger.setAttribute('aria-expanded', 'false');
    return;
  }
  const id = parts.entry.trackingId;
  const box = element('p', { className: 'secret-box', id: `myreport-${id}-secret` },
    `${t('myreports.secret.label', { id })}: `, element('code', {}, parts.entry.secret));
  trigger.setAttribute('aria-expanded', 'true');
  trigger.setAttribute('aria-controls', box.id);
  parts.actions.after(box);
}

function toggleReopen(parts) {
  const existing = parts.card.querySelector('.reopen-form');
  if (existing) {
    existing.querySelector('textarea').focus();
    return;
  }
  const id = parts.entry.trackingId;
  const fieldId = `myreport-${id}-reopen`;
  const comment = element('textarea', { id: fieldId, rows: 3, maxlength: 2000, required: true });
  const form = element('form', { className: 'reopen-form', novalidate: true },
    element('label', { for: fieldId }, t('myreports.reopenLabel')), comment,
    element('button', { type: 'submit', className: 'button primary' }, t('myreports.reopenSend')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    citizenAction(parts, 'reopen', comment.value.trim());
  });
  parts.card.querySelector('.resolved-block').append(form);
  comment.focus();
}

async function citizenAction(parts, action, comment) {
  const id = parts.entry.trackingId;
  parts.card.setAttribute('aria-busy', 'true');
  try {
    parts.report = await api(`/reports/${encodeURIComponent(id)}/${action}`, {
      method: 'POST', json: { secret: parts.entry.secret, comment },
    });
    parts.card.querySelector('.reopen-form')?.remove();
    renderReport(parts);
    renderActions(parts);
    const done = t(action === 'confirm' ? 'myreports.confirmed' : 'myreports.reopened', { id });
    parts.message.textContent = done;
    announce(done);
    bus.dispatchEvent(new CustomEvent('reports-changed', { detail: { trackingId: id } }));
    parts.title.setAttribute('tabindex', '-1');
    parts.title.focus();
  } catch (error) {
    parts.message.textContent = error.message;
    announce(error.message);
  } finally {
    parts.card.setAttribute('aria-busy', 'false');
  }
}

function askForget(parts) {
  if (parts.card.querySelector('.forget-ask')) return;
  const id = parts.entry.trackingId;
  const yes = button(t('myreports.forget'), () => {
    forgetReport(id);
    cards.delete(id);
    removeMarker(SHOWN_MARKER);
    const next = parts.card.nextElementSibling || parts.card.previousElementSibling;
    parts.card.remove();
    const done = t('myreports.forgotten', { id });
    $('myreports-status').textContent = done;
    announce(done);
    showEmptyState();
    (next?.querySelector('button') || $('myreports-new') || $('panel-myreports-title'))?.focus();
  }, 'danger');
  const no = button(t('cancel'), () => {
    ask.remove();
    parts.actions.querySelector('.quiet')?.focus();
  });
  const ask = element('div', { className: 'forget-ask', role: 'group', 'aria-labelledby': `myreport-${id}-forget` },
    element('p', { id: `myreport-${id}-forget` }, t('myreports.forgetAsk', { id })),
    element('div', { className: 'action-row' }, yes, no));
  parts.actions.after(ask);
  no.focus();
}

// ---- the panel ---------------------------------------------------------------------------------

function showEmptyState() {
  const empty = storedReports().length === 0;
  $('myreports-empty').hidden = !empty;
  $('myreports-tools').hidden = empty;
}

function renderList() {
  cards.clear();
  const list = $('myreports-list');
  const entries = storedReports();
  list.replaceChildren(...entries.map(createCard));
  showEmptyState();
  return Promise.all([...cards.values()].map(loadCard));
}

async function addFromAnotherDevice(event) {
  event.preventDefault();
  const idInput = $('myreports-add-id');
  const error = $('myreports-add-error');
  const trackingId = idInput.value.trim().toUpperCase().replace(/\s+/g, '');
  const secret = $('myreports-add-secret').value.trim();
  const fail = (message) => {
    error.textContent = message;
    error.hidden = false;
    idInput.setAttribute('aria-invalid', 'true');
    idInput.focus();
  };
  if (!trackingId) return fail(t('myreports.add.needId'));
  try {
    const report = await api(`/reports/${encodeURIComponent(trackingId)}`);
    const known = storedReports().some((each) => each.trackingId === report.trackingId);
    rememberReport({
      trackingId: report.trackingId, secret: secret || null, category: report.category.code,
      filedAt: report.createdAt, lon: report.location.lon, lat: report.location.lat,
    });
    error.hidden = true;
    idInput.removeAttribute('aria-invalid');
    event.target.reset();
    await renderList();
    const done = t(known ? 'myreports.add.exists' : 'myreports.add.added', { id: report.trackingId });
    $('myreports-status').textContent = done;
    announce(done);
    const title = $(`myreport-${report.trackingId}-title`);
    title?.setAttribute('tabindex', '-1');
    title?.focus();
  } catch (problem) {
    fail(problem.status === 404 ? t('myreports.notFound', { id: trackingId }) : problem.message);
  }
  return undefined;
}

function wireMyReportsPanel() {
  if (!$('myreports-list')) return;
  onPanelOpen('myreports', () => { renderList(); });
  $('myreports-refresh').addEventListener('click', async () => {
    $('panel-myreports').setAttribute('aria-busy', 'true');
    await renderList();
    $('panel-myreports').setAttribute('aria-busy', 'false');
    announce(t('myreports.title'));
  });
  $('myreports-new').addEventListener('click', () => openPanel('report'));
  $('myreports-add-form').addEventListener('submit', addFromAnotherDevice);
  $('myreports-add-toggle').addEventListener('click', (event) => {
    const opening = event.currentTarget.getAttribute('aria-expanded') !== 'true';
    event.currentTarget.setAttribute('aria-expanded', String(opening));
    $('myreports-add-form').hidden = !opening;
    if (opening) $('myreports-add-id').focus();
  });
  showEmptyState();
}

// ---- the new report on the map -----------------------------------------------------------------

/** Mark a just-filed report on the map until the public layer has it (published within seconds);
 *  the reports' tiles are loaded again now and then meanwhile. */
export async function showReportWhenPublished(trackingId, location) {
  setMarker(NEW_MARKER, location, { label: t('report.filed.marker', { id: trackingId }), kind: 'report' });
  const map = await mapReady;
  const started = Date.now();
  const reloads = [...RELOAD_AFTER_MS];
  const check = () => {
    if (reportShown(map, trackingId)) {
      removeMarker(NEW_MARKER);
      announce(t('report.filed.onMap', { id: trackingId }));
      return;
    }
    const elapsed = Date.now() - started;
    if (elapsed > WATCH_MS) return; // the marker stays: the report is filed whatever the tiles say
    if (reloads.length && elapsed >= reloads[0]) {
      reloads.shift();
      reloadReportTiles(map);
    }
    window.setTimeout(check, 1000);
  };
  window.setTimeout(check, 1000);
}

/** The style's sources that carry the public reports (the `reports` source-layer). */
export function reportSources(map) {
  const style = map.getStyle();
  return [...new Set((style?.layers || [])
    .filter((layer) => layer['source-layer'] === REPORTS_LAYER)
    .map((layer) => layer.source))];
}

function reportShown(map, trackingId) {
  return reportSources(map).some((source) => map.querySourceFeatures(source, { sourceLayer: REPORTS_LAYER })
    .some((feature) => feature.properties.tracking_id === trackingId || feature.id === trackingId));
}

/** Load the reports' tiles again, past the browser's cache (they are cached a minute). */
function reloadReportTiles(map) {
  for (const id of reportSources(map)) {
    const source = map.getSource(id);
    if (!source || typeof source.setTiles !== 'function' || !source.tiles) continue;
    const fresh = source.tiles.map((url) => {
      const bare = url.replace(/([?&])reports=\d+&?/, '$1').replace(/[?&]$/, '');
      return `${bare}${bare.includes('?') ? '&' : '?'}reports=${Date.now()}`;
    });
    source.setTiles(fresh);
  }
}

wireMyReportsPanel();
