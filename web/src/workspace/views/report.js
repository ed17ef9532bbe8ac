// A report's case (#/reports/<tracking>): what the citizen wrote, the place on a small map, the
// photos (staff-only until approved, so fetched with the bearer token), the whole history and the
// staff's actions: change the status (the lifecycle's allowed moves only), reply to the citizen,
// assign to another department, merge into another report and approve the description and photos
// for the public (moderators and admins). A 409 (the report changed meanwhile) reloads the case
// and says so.

import { h, formatDate, formatNumber } from '../dom.js';
import { token } from '../api.js';
import { clearErrors, confirmAction, field, options, problemText, replace, showErrors, uid } from './desk/kit.js';
import { OPEN, loadLookups, statusText } from './reports.js';

// geohub/reports/model.py TRANSITIONS, the staff's moves (resolved -> closed/reopened is the citizen's)
const STAFF_MOVES = {
  registered: ['accepted', 'rejected', 'duplicate'],
  accepted: ['in_progress', 'rejected', 'duplicate'],
  in_progress: ['resolved', 'rejected', 'duplicate'],
  reopened: ['in_progress', 'rejected', 'duplicate'],
};
const LANGUAGE_NAMES = { kk: 'Қазақша', ru: 'Русский', en: 'English' };
const MAX_COMMENT_CHARS = 2000;
const MODERATORS = ['moderator', 'admin'];

function departmentName(ctx, id) {
  return (ctx.config.departments && ctx.config.departments[id]) || id;
}

function reportLink(id) {
  return h('a', { href: `#/reports/${encodeURIComponent(id)}` }, id);
}

function roleText(t, role) {
  return t(`desk.role.${role}`);
}

// ---- what the report says ------------------------------------------------------------------------

function summary(ctx, found, report) {
  const { t } = ctx;
  const rows = [
    [t('desk.case.status'), h('span', { class: `dk-status dk-status-${report.status}`, 'data-status': report.status }, statusText(t, report.status))],
    [t('desk.case.department'), report.department.name],
    [t('desk.case.created'), formatDate(report.createdAt)],
    [t('desk.case.updated'), formatDate(report.updatedAt)],
    [t('desk.case.due'), report.overdue
      ? h('strong', { class: 'dk-overdue' }, t('desk.case.dueOverdue', { date: formatDate(report.dueAt) }))
      : formatDate(report.dueAt)],
    [t('desk.case.supporters'), formatNumber(report.supporters)],
    report.duplicateOf && [t('desk.case.duplicateOf'), reportLink(report.duplicateOf)],
    [t('desk.case.address'), report.address || t('desk.case.noAddress')],
    report.district && [t('desk.case.district'), found.districts[report.district] || report.district],
    [t('desk.case.language'), LANGUAGE_NAMES[report.language] || report.language],
    [t('desk.case.approved'), report.approved ? t('desk.case.approvedYes') : t('desk.case.approvedNo')],
    [t('desk.case.contact'), contact(t, report.contact)],
  ].filter(Boolean);
  return h('dl', { class: 'dk-facts' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

function contact(t, given) {
  const parts = [];
  if (given && given.email) parts.push(h('a', { href: `mailto:${given.email}` }, given.email));
  if (given && given.phone) parts.push(h('a', { href: `tel:${given.phone.replace(/[^+0-9]/g, '')}` }, given.phone));
  if (!parts.length) return t('desk.case.noContact');
  return parts.flatMap((part, i) => (i ? [', ', part] : [part]));
}

function historyEntry(ctx, entry, index) {
  const { t } = ctx;
  let what;
  if (entry.kind === 'status' && (index === 0 || entry.from === null)) what = t('desk.history.filed');
  else if (entry.kind === 'status') what = t('desk.history.status', { from: statusText(t, entry.from), to: statusText(t, entry.to) });
  else if (entry.kind === 'assign') what = t('desk.history.assign', { department: departmentName(ctx, entry.department) });
  else if (entry.kind === 'reply') what = t('desk.history.reply');
  else if (entry.kind === 'merge') what = t('desk.history.merge', { id: entry.relatedReport || '' });
  else what = t(`desk.history.${entry.kind}`);
  const who = entry.actor ? `${entry.actor} (${roleText(t, entry.by)})` : roleText(t, entry.by);
  return h('li', { class: `dk-history-${entry.kind}` },
    h('p', { class: 'dk-history-head' },
      h('time', { datetime: entry.at }, formatDate(entry.at)), ' · ', h('strong', {}, what), ' ',
      h('span', { class: 'dk-muted' }, t('desk.case.by', { who }))),
    entry.relatedReport && entry.kind !== 'merge' ? h('p', {}, t('desk.case.duplicateOf'), ' ', reportLink(entry.relatedReport)) : null,
    entry.kind === 'merge' && entry.relatedReport ? h('p', {}, reportLink(entry.relatedReport)) : null,
    entry.comment ? h('blockquote', { class: 'dk-comment' }, entry.comment) : null);
}

// ---- the place and the photos ---------------------------------------------------------------------

function ensureStylesheet(href) {
  if ([...document.querySelectorAll('link[rel="stylesheet"]')].some((link) => link.href === href)) return;
  document.head.append(h('link', { rel: 'stylesheet', href }));
}

async function drawMap(ctx, container, report) {
  const { urls } = ctx.config;
  if (!urls || !urls.maplibre || !urls.basemapStyle) return;
  ensureStylesheet(urls.maplibreCss);
  const library = await import(urls.maplibre);
  if (!container.isConnected) return;
  const center = [report.location.lon, report.location.lat];
  const map = new library.Map({
    container,
    style: urls.basemapStyle,
    center,
    zoom: 16,
    attributionControl: { compact: true },
    maplibreLogo: false,
    dragRotate: false,
    pitchWithRotate: false,
    fadeDuration: 0,
  });
  map.addControl(new library.NavigationControl({ showCompass: false }), 'top-right');
  new library.Marker({ color: '#a3221b' }).setLngLat(center).addTo(map);
  map.getCanvas().setAttribute('aria-label', ctx.t('desk.case.mapLabel', { id: report.trackingId }));
  map.once('load', () => { // the attribution folded, as on the web map: the map is small
    container.querySelector('.maplibregl-ctrl-attrib.maplibregl-compact')?.classList.remove('maplibregl-compact-show');
  });
}

async function photoBlob(href) {
  const headers = { Accept: 'image/jpeg' };
  const current = token();
  if (current) headers.Authorization = `Bearer ${current}`;
  const response = await fetch(href, { headers });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return URL.createObjectURL(await response.blob());
}

async function showPhoto(ctx, id, n, href) {
  const close = h('button', { type: 'button', class: 'ws-button' }, ctx.t('desk.case.photoClose'));
  const image = h('img', { alt: ctx.t('desk.case.photo', { n, id }), class: 'dk-photo-full' });
  const dialog = h('dialog', { class: 'dk-dialog dk-photo-dialog', 'aria-label': ctx.t('desk.case.photo', { n, id }) },
    image, h('div', { class: 'dk-dialog-buttons' }, close));
  const before = document.activeElement;
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    if (image.src) URL.revokeObjectURL(image.src);
    dialog.remove();
    if (before && before.isConnected) before.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
  try {
    image.src = await photoBlob(href);
  } catch {
    image.replaceWith(h('p', { class: 'ws-error', role: 'alert' }, ctx.t('desk.case.photoFailed')));
  }
}

async function drawPhotos(ctx, container, id) {
  const { t } = ctx;
  let status;
  try {
    status = await ctx.api.get(`/reports/${encodeURIComponent(id)}`);
  } catch (error) {
    replace(container, h('p', { class: 'ws-error' }, problemText(error)));
    return;
  }
  const photos = (status && status.photos) || [];
  if (!photos.length) {
    replace(container, h('p', {}, t('desk.case.noPhotos')));
    return;
  }
  const list = h('ul', { class: 'dk-photos' });
  replace(container, list);
  await Promise.all(photos.map(async (photo, index) => {
    const n = index + 1;
    const image = h('img', { alt: t('desk.case.photo', { n, id }), width: '160', height: '120' });
    const button = h('button', { type: 'button', class: 'dk-photo', 'aria-label': t('desk.case.photoOpen', { n }),
      onclick: () => showPhoto(ctx, id, n, photo.href) }, image);
    list.append(h('li', {}, button));
    try {
      image.src = await photoBlob(photo.thumbnail);
    } catch {
      button.replaceWith(h('a', { href: photo.href }, t('desk.case.photo', { n, id })));
    }
  }));
}

// ---- the actions ---------------------------------------------------------------------------------

function textarea(name, { required = false } = {}) {
  return h('textarea', { name, rows: '3', maxlength: String(MAX_COMMENT_CHARS), required });
}

function moveForm(ctx, report, act) {
  const { t } = ctx;
  const moves = STAFF_MOVES[report.status] || [];
  if (!moves.length) return h('p', { class: 'ws-hint' }, t('desk.move.none'));
  const target = h('select', { name: 'status' }, options(moves.map((s) => [s, statusText(t, s)]), moves[0]));
  const comment = textarea('comment');
  const commentField = field(t('desk.move.comment'), comment, { hint: t('desk.charsLeft', { n: MAX_COMMENT_CHARS }) });
  const duplicateOf = h('input', { type: 'text', name: 'duplicateOf', autocomplete: 'off', spellcheck: 'false', maxlength: '40' });
  const duplicateField = field(t('desk.move.duplicateOf'), duplicateOf);
  const sync = () => {
    commentField.querySelector('label').textContent = target.value === 'rejected' ? t('desk.move.reason') : t('desk.move.comment');
    comment.required = target.value === 'rejected';
    duplicateField.hidden = target.value !== 'duplicate';
    duplicateOf.required = target.value === 'duplicate';
  };
  target.addEventListener('change', sync);
  sync();
  const form = h('form', { class: 'dk-action', novalidate: true, 'aria-labelledby': 'dk-move-legend' },
    h('h3', { id: 'dk-move-legend' }, t('desk.move.legend')),
    field(t('desk.move.to'), target), commentField, duplicateField,
    h('div', { class: 'ws-actions' }, h('button', { type: 'submit', class: 'ws-button ws-button-primary' }, t('desk.move.submit'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { status: target.value, comment: comment.value.trim() };
    if (body.status === 'rejected' && !body.comment) {
      showErrors(form, t('desk.error.fields'), [{ field: 'comment', message: t('desk.move.needReason') }]);
      return;
    }
    if (body.status === 'duplicate') {
      body.duplicateOf = duplicateOf.value.trim().toUpperCase();
      if (!body.duplicateOf) {
        showErrors(form, t('desk.error.fields'), [{ field: 'duplicateOf', message: t('desk.move.needDuplicate') }]);
        return;
      }
    }
    act(form, 'status', body, (done) => t('desk.move.done', { id: done.trackingId, status: statusText(t, done.status) }));
  });
  return form;
}

function replyForm(ctx, act) {
  const { t } = ctx;
  const comment = textarea('comment', { required: true });
  const form = h('form', { class: 'dk-action', novalidate: true, 'aria-labelledby': 'dk-reply-legend' },
    h('h3', { id: 'dk-reply-legend' }, t('desk.reply.legend')),
    field(t('desk.reply.label'), comment, { hint: t('desk.reply.hint') }),
    h('div', { class: 'ws-actions' }, h('button', { type: 'submit', class: 'ws-button ws-button-primary' }, t('desk.reply.submit'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!comment.value.trim()) {
      showErrors(form, t('desk.error.fields'), [{ field: 'comment', message: t('desk.reply.needText') }]);
      return;
    }
    act(form, 'replies', { comment: comment.value.trim() }, () => t('desk.reply.done'));
  });
  return form;
}

function assignForm(ctx, report, act) {
  const { t } = ctx;
  const others = Object.entries(ctx.config.departments || {}).filter(([id]) => id !== report.department.id);
  const department = h('select', { name: 'department' }, options(others, others.length ? others[0][0] : ''));
  const comment = textarea('comment');
  const form = h('form', { class: 'dk-action', novalidate: true, 'aria-labelledby': 'dk-assign-legend' },
    h('h3', { id: 'dk-assign-legend' }, t('desk.assign.legend')),
    field(t('desk.assign.department'), department), field(t('desk.assign.comment'), comment),
    h('div', { class: 'ws-actions' }, h('button', { type: 'submit', class: 'ws-button' }, t('desk.assign.submit'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act(form, 'assign', { department: department.value, comment: comment.value.trim() },
      (done) => t('desk.assign.done', { id: done.trackingId, department: done.department.name }));
  });
  return form;
}

function mergeForm(ctx, report, act) {
  const { t } = ctx;
  const into = h('input', { type: 'text', name: 'into', autocomplete: 'off', spellcheck: 'false', maxlength: '40', required: true });
  const form = h('form', { class: 'dk-action', novalidate: true, 'aria-labelledby': 'dk-merge-legend' },
    h('h3', { id: 'dk-merge-legend' }, t('desk.merge.legend')),
    field(t('desk.merge.into'), into, { hint: t('desk.merge.hint') }),
    h('div', { class: 'ws-actions' }, h('button', { type: 'submit', class: 'ws-button ws-button-danger' }, t('desk.merge.submit'))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const target = into.value.trim().toUpperCase();
    if (!target) {
      showErrors(form, t('desk.error.fields'), [{ field: 'into', message: t('desk.merge.needInto') }]);
      return;
    }
    clearErrors(form);
    if (!await confirmAction(t, 'desk', t('desk.merge.confirm', { id: report.trackingId, into: target }), t('desk.merge.submit'))) return;
    act(form, 'merge', { into: target }, (done) => t('desk.merge.done', { id: done.trackingId, into: done.duplicateOf || target }));
  });
  return form;
}

function approvalForm(ctx, report, act) {
  const { t } = ctx;
  const approved = Boolean(report.approved);
  const form = h('form', { class: 'dk-action', novalidate: true, 'aria-labelledby': 'dk-approve-legend' },
    h('h3', { id: 'dk-approve-legend' }, t('desk.approve.legend')),
    h('p', { class: 'ws-hint' }, t('desk.approve.hint')),
    h('div', { class: 'ws-actions' }, h('button', { type: 'submit', class: approved ? 'ws-button ws-button-danger' : 'ws-button' },
      approved ? t('desk.approve.withdraw') : t('desk.approve.submit'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act(form, 'approval', { approved: !approved },
      (done) => t(done.approved ? 'desk.approve.done' : 'desk.approve.withdrawn', { id: done.trackingId }));
  });
  return form;
}

// ---- the view --------------------------------------------------------------------------------------

export default {
  id: 'report',
  routes: ['#/reports/:tracking'],
  nav: null,
  roles: ['publisher', 'moderator', 'admin'],
  async render(ctx, params) {
    const { t } = ctx;
    const id = params.tracking;
    const path = `/reports/${encodeURIComponent(id)}`;
    const heading = h('h1', { tabindex: '-1' }, id);
    const toActions = h('button', { type: 'button', class: 'ws-button ws-button-quiet dk-to-actions' }, t('desk.case.toActions'));
    ctx.main.append(heading, h('p', { class: 'dk-case-links' }, h('a', { href: '#/reports' }, t('desk.case.back')), ' ', toActions));
    let report;
    const [found] = await Promise.all([
      loadLookups(ctx),
      ctx.api.get(`${path}/case`).then((answer) => { report = answer; }).catch((error) => {
        if (error.status === 404) report = null;
        else throw error;
      }),
    ]);
    if (!report) {
      heading.textContent = t('desk.case.notFound', { id });
      ctx.setTitle(heading.textContent);
      return;
    }
    const facts = h('div');
    const history = h('ol', { class: 'dk-history' });
    const actions = h('div', { class: 'dk-actions' });
    const notice = h('p', { class: 'dk-notice', tabindex: '-1', hidden: true });
    const mapBox = h('div', { class: 'dk-map' });
    const photos = h('div', {}, h('p', { class: 'ws-busy' }, t('desk.case.loading')));
    const section = (title, ...children) => {
      const titleId = uid('dk-section');
      return h('section', { class: 'ws-panel', 'aria-labelledby': titleId }, h('h2', { id: titleId }, title), ...children);
    };
    const coordinates = t('desk.case.coordinates', {
      lat: formatNumber(report.location.lat, { maximumFractionDigits: 6 }),
      lon: formatNumber(report.location.lon, { maximumFractionDigits: 6 }),
    });
    const description = report.description
      ? h('p', { class: 'dk-description', lang: report.language }, report.description)
      : h('p', { class: 'ws-hint' }, t('desk.case.noDescription'));
    ctx.main.append(h('div', { class: 'dk-case' },
      h('div', { class: 'dk-case-main' },
        section(t('desk.case.summary'), facts),
        section(t('desk.case.description'), description),
        section(t('desk.case.photos'), photos),
        section(t('desk.case.history'), history)),
      h('div', { class: 'dk-case-side' },
        section(t('desk.case.map'), mapBox, h('p', { class: 'ws-hint' }, report.address ? `${report.address} · ` : '', coordinates)),
        section(t('desk.actions'), notice, actions))));
    toActions.addEventListener('click', () => { // on a phone the actions come after the history and the map
      const title = ctx.main.querySelector('.dk-case-side .ws-panel:last-child h2');
      title.setAttribute('tabindex', '-1');
      title.focus();
    });

    function say(text, kind) {
      notice.className = `dk-notice ${kind === 'warning' ? 'ws-warning' : 'ws-ok'}`;
      notice.setAttribute('role', kind === 'warning' ? 'alert' : 'status');
      notice.textContent = text;
      notice.hidden = false;
      notice.focus();
    }

    async function act(form, action, body, message) {
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        report = await ctx.api.post(`${path}/${action}`, body);
        paint();
        say(message(report), 'ok');
      } catch (error) {
        button.disabled = false;
        if (error.status === 409) {
          try {
            report = await ctx.api.get(`${path}/case`);
            paint();
          } catch { /* the notice below still says what happened */ }
          say(`${t('desk.conflict')} ${problemText(error)}`, 'warning');
        } else {
          showErrors(form, problemText(error) || t('desk.error.fields'), error.problem && error.problem.errors);
        }
      }
    }

    function paint() {
      heading.textContent = t('desk.case.title', { id: report.trackingId, category: report.category.title });
      ctx.setTitle(heading.textContent);
      replace(facts, summary(ctx, found, report));
      replace(history, report.history.map((entry, i) => historyEntry(ctx, entry, i)));
      const open = OPEN.includes(report.status);
      const moderator = MODERATORS.includes(ctx.principal.role);
      let moving = moveForm(ctx, report, act);
      if (!open && report.status !== 'resolved') {
        moving = h('p', { class: 'ws-hint' }, t('desk.actions.final', { status: statusText(t, report.status) }));
      }
      replace(actions,
        moving,
        replyForm(ctx, act),
        open && moderator ? assignForm(ctx, report, act) : null,
        open && moderator ? mergeForm(ctx, report, act) : null,
        moderator ? approvalForm(ctx, report, act) : null);
    }
    paint();
    drawPhotos(ctx, photos, report.trackingId);
    drawMap(ctx, mapBox, report).catch((error) => {
      console.warn('the map could not be drawn', error); // the address and coordinates stay below it
      mapBox.remove();
    });
  },
};
