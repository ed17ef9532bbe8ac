// The report queue (#/reports): the citizen reports a department's staff work on (publishers their
// department's, moderators and admins every department's), filtered, sorted and paged, from the
// staff reports API (GET /reports, geohub/report_desk/routes.py).

import { h, formatDate, formatNumber } from '../dom.js';
import { dataTable, field, options, problemText, replace } from './desk/kit.js';

export const STATUSES = ['registered', 'accepted', 'in_progress', 'resolved', 'closed', 'reopened', 'rejected', 'duplicate'];
export const OPEN = ['registered', 'accepted', 'in_progress', 'reopened'];
const PAGE_SIZE = 25;
const SORTS = { due: 'due', created: '-created', updated: '-updated', supporters: '-supporters' };
const FRESH = { status: 'open', category: '', district: '', department: '', overdue: false, sort: 'due', offset: 0 };
const STATE_KEY = 'geohub.workspace.reportQueue';
// the filters, kept for the tab (sessionStorage): back from a case, or after a reload, the same queue
const state = { ...FRESH, ...restored() };

function restored() {
  try {
    const kept = JSON.parse(window.sessionStorage.getItem(STATE_KEY) || '{}');
    return Object.fromEntries(Object.entries(kept).filter(([key, value]) => key in FRESH && typeof value === typeof FRESH[key]));
  } catch {
    return {};
  }
}

function keep() {
  try { window.sessionStorage.setItem(STATE_KEY, JSON.stringify(state)); } catch { /* the filters last this page */ }
}

let lookups = null; // the categories and districts, read once per page load

/** Report categories ({code: title}) and districts ({slug: name}) in the page language. */
export async function loadLookups(ctx) {
  if (lookups) return lookups;
  const [services, districts] = await Promise.all([
    ctx.api.get('/open311/v2/services.json').catch(() => []),
    ctx.api.get('/collections/districts/items?f=json&limit=50&skipGeometry=true').catch(() => null),
  ]);
  const serviceList = Array.isArray(services) ? services : (services && services.services) || [];
  const categories = Object.fromEntries(serviceList.map((s) => [s.service_code, s.service_name]));
  const names = {};
  for (const feature of (districts && districts.features) || []) {
    const p = feature.properties || {};
    if (p.slug) names[p.slug] = p[`name_${ctx.lang}`] || p.name || p.slug;
  }
  lookups = { categories, districts: names };
  return lookups;
}

/** A status as staff read it. */
export function statusText(t, status) {
  return t(`desk.status.${status}`);
}

function isStaffOfOne(principal) {
  return principal.role === 'publisher';
}

function departmentName(ctx, id) {
  return (ctx.config.departments && ctx.config.departments[id]) || id;
}

function queuePath(ctx) {
  keep();
  const query = new URLSearchParams();
  if (state.status === 'open') query.set('status', OPEN.join(','));
  else if (state.status !== 'all') query.set('status', state.status);
  if (state.category) query.set('category', state.category);
  if (state.district) query.set('district', state.district);
  if (state.department && !isStaffOfOne(ctx.principal)) query.set('department', state.department);
  if (state.overdue) query.set('overdue', 'true');
  query.set('sort', SORTS[state.sort] || 'due');
  query.set('limit', String(PAGE_SIZE));
  query.set('offset', String(state.offset));
  return `/reports?${query}`;
}

function filterForm(ctx, found, onChange) {
  const { t, principal } = ctx;
  const statusPairs = [['open', t('desk.filter.open')], ['all', t('desk.filter.all')],
    ...STATUSES.map((s) => [s, statusText(t, s)])];
  const status = h('select', { name: 'status' }, options(statusPairs, state.status));
  const category = h('select', { name: 'category' }, options([['', t('desk.filter.anyCategory')],
    ...Object.entries(found.categories)], state.category));
  const district = h('select', { name: 'district' }, options([['', t('desk.filter.anyDistrict')],
    ...Object.entries(found.districts)], state.district));
  const sort = h('select', { name: 'sort' }, options(Object.keys(SORTS).map((key) => [key, t(`desk.sort.${key}`)]), state.sort));
  const overdue = h('input', { type: 'checkbox', name: 'overdue', checked: state.overdue });
  let department = null;
  if (!isStaffOfOne(principal)) {
    const mine = principal.department
      ? [[principal.department, t('desk.filter.mine', { department: departmentName(ctx, principal.department) })]] : [];
    const others = Object.entries(ctx.config.departments || {}).filter(([id]) => id !== principal.department);
    department = h('select', { name: 'department' },
      options([['', t('desk.filter.anyDepartment')], ...mine, ...others], state.department));
  }
  const form = h('form', {
    class: 'dk-filters',
    'aria-label': t('desk.filter.legend'),
    onsubmit(event) {
      event.preventDefault();
      Object.assign(state, {
        status: status.value,
        category: category.value,
        district: district.value,
        department: department ? department.value : '',
        overdue: overdue.checked,
        sort: sort.value,
        offset: 0,
      });
      onChange(true);
    },
  },
  h('fieldset', {},
    h('legend', {}, t('desk.filter.legend')),
    h('div', { class: 'dk-filter-grid' },
      field(t('desk.filter.status'), status),
      department && field(t('desk.filter.department'), department),
      field(t('desk.filter.category'), category),
      field(t('desk.filter.district'), district),
      field(t('desk.filter.sort'), sort)),
    field(t('desk.filter.overdue'), overdue),
    h('div', { class: 'ws-actions' },
      h('button', { type: 'submit', class: 'ws-button ws-button-primary' }, t('desk.filter.apply')),
      h('button', {
        type: 'button',
        class: 'ws-button',
        onclick() {
          Object.assign(state, FRESH);
          onChange(true, true);
        },
      }, t('desk.filter.reset')))));
  return form;
}

function countsLine(ctx, page, onChange) {
  const { t } = ctx;
  const pick = (status) => {
    Object.assign(state, { status, offset: 0 });
    onChange(true, true);
  };
  const items = STATUSES.filter((s) => page.counts[s]).map((s) => h('li', {},
    h('button', { type: 'button', class: 'dk-count', 'aria-pressed': String(state.status === s), onclick: () => pick(s) },
      h('span', { class: `dk-status dk-status-${s}` }, statusText(t, s)), ' ', formatNumber(page.counts[s]))));
  if (page.overdue) items.push(h('li', { class: 'dk-overdue' }, t('desk.countsOverdue', { n: page.overdue })));
  return h('section', { class: 'dk-counts', 'aria-labelledby': 'dk-counts-title' },
    h('h2', { id: 'dk-counts-title', class: 'dk-small-heading' }, t('desk.counts')),
    h('ul', { class: 'dk-inline-list' }, items));
}

/** A date and time that breaks between the two only (not inside "17 дек. 2026 г."). */
export function dateCell(iso) {
  const text = formatDate(iso);
  const comma = text.lastIndexOf(', ');
  if (comma < 0) return h('span', { class: 'dk-nowrap' }, text);
  return h('span', {}, h('span', { class: 'dk-nowrap' }, text.slice(0, comma + 1)), ' ',
    h('span', { class: 'dk-nowrap' }, text.slice(comma + 2)));
}

function place(ctx, found, report) {
  if (report.address) return report.address;
  if (report.district) return found.districts[report.district] || report.district;
  return ctx.t('desk.case.coordinates', {
    lat: formatNumber(report.location.lat, { maximumFractionDigits: 5 }),
    lon: formatNumber(report.location.lon, { maximumFractionDigits: 5 }),
  });
}

function reportsTable(ctx, found, page) {
  const { t } = ctx;
  const withDepartment = !isStaffOfOne(ctx.principal);
  const headers = [t('desk.table.tracking'), t('desk.table.category'), t('desk.table.status'), t('desk.table.place'),
    withDepartment && t('desk.table.department'), t('desk.table.created'), t('desk.table.due'),
    t('desk.table.supporters')].filter(Boolean);
  const rows = page.reports.map((report) => [
    h('a', { href: `#/reports/${encodeURIComponent(report.trackingId)}`, class: 'dk-tracking' }, report.trackingId),
    report.category.title,
    h('span', { class: `dk-status dk-status-${report.status}` }, statusText(t, report.status)),
    place(ctx, found, report),
    withDepartment && report.department.name,
    dateCell(report.createdAt),
    h('span', {}, dateCell(report.dueAt),
      report.overdue ? [' ', h('strong', { class: 'dk-badge dk-badge-overdue' }, t('desk.overdue'))] : null),
    formatNumber(report.supporters),
  ].filter((cell) => cell !== false));
  const first = state.offset + 1;
  const last = state.offset + page.numberReturned;
  const caption = t('desk.table.caption', { first: formatNumber(first), last: formatNumber(last), total: formatNumber(page.numberMatched) });
  return dataTable(caption, headers, rows, { className: 'dk-queue', numeric: [headers.length - 1] });
}

function pager(ctx, page, onChange) {
  const { t } = ctx;
  const pages = Math.max(1, Math.ceil(page.numberMatched / PAGE_SIZE));
  if (pages <= 1) return null;
  const current = Math.floor(state.offset / PAGE_SIZE) + 1;
  const go = (offset) => {
    state.offset = offset;
    onChange(true, false, true);
  };
  return h('nav', { class: 'dk-pager', 'aria-label': t('desk.page.label') },
    h('button', { type: 'button', class: 'ws-button', disabled: current <= 1, onclick: () => go(Math.max(0, state.offset - PAGE_SIZE)) },
      t('desk.page.previous')),
    h('span', {}, t('desk.page.of', { page: current, pages })),
    h('button', { type: 'button', class: 'ws-button', disabled: current >= pages, onclick: () => go(state.offset + PAGE_SIZE) },
      t('desk.page.next')));
}

export default {
  id: 'reports',
  routes: ['#/reports'],
  nav: { order: 40, text: 'desk.nav', roles: ['publisher', 'moderator', 'admin'] },
  async render(ctx) {
    const { t, principal } = ctx;
    ctx.setTitle(t('desk.queue.title'));
    const intro = isStaffOfOne(principal)
      ? t('desk.queue.introDepartment', { department: departmentName(ctx, principal.department) })
      : t('desk.queue.introAll');
    const results = h('div', { class: 'dk-results', 'aria-busy': 'true' }, h('p', {}, t('desk.loading')));
    ctx.main.append(h('h1', { tabindex: '-1' }, t('desk.queue.title')), h('p', { class: 'dk-intro' }, intro));
    const found = await loadLookups(ctx);
    let counter = 0;
    async function load(announce = false, reset = false, focusTable = false) {
      const mine = ++counter;
      results.setAttribute('aria-busy', 'true');
      if (reset) form.replaceWith(form = filterForm(ctx, found, load));
      let page;
      try {
        page = await ctx.api.get(queuePath(ctx));
      } catch (error) {
        if (mine !== counter) return;
        results.setAttribute('aria-busy', 'false');
        replace(results, h('p', { class: 'ws-error', role: 'alert' }, problemText(error)));
        return;
      }
      if (mine !== counter) return; // a later request won
      if (!page.reports.length && state.offset > 0) { // the last page emptied meanwhile
        state.offset = 0;
        load(announce);
        return;
      }
      results.setAttribute('aria-busy', 'false');
      const table = page.reports.length ? reportsTable(ctx, found, page) : h('p', { class: 'dk-empty' }, t('desk.empty'));
      replace(results, countsLine(ctx, page, load), table, pager(ctx, page, load));
      if (announce) ctx.announce(t('desk.found', { n: page.numberMatched }));
      if (focusTable && page.reports.length) table.focus();
    }
    let form = filterForm(ctx, found, load);
    ctx.main.append(form, results);
    await load();
  },
};
