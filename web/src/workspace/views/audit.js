// My department's audit trail (#/audit): who did what to its layers and when, newest first, a
// page at a time (GET /auth/audit), each action said in the page language.
import { h } from '../dom.js';
import { failureBlock, labelCells, myLayers, scrollTable, when } from './publish/common.js';

const PAGE = 25;
const DETAIL_KEYS = ['import', 'version', 'previous', 'source', 'mode', 'choice', 'conflict', 'features'];

function actionText(ctx, action) {
  const key = `pub.audit.action.${action}`;
  const text = ctx.t(key);
  return text === key ? action : text;
}

function detailText(ctx, entry) {
  const detail = entry.detail || {};
  const parts = [];
  for (const name of DETAIL_KEYS) {
    if (detail[name] === undefined || detail[name] === null || typeof detail[name] === 'object') continue;
    const key = `pub.audit.detail.${name}`;
    parts.push(ctx.t(key, { value: String(detail[name]) }));
  }
  if (detail.confirmedRemoval) parts.push(ctx.t('pub.audit.detail.confirmedRemoval', { n: detail.confirmedRemoval.removed }));
  if (detail.mapping && Object.keys(detail.mapping).length) {
    parts.push(Object.entries(detail.mapping).map(([column, attribute]) => `${column} → ${attribute}`).join(', '));
  }
  if (Array.isArray(detail.ignore) && detail.ignore.length) parts.push(ctx.t('pub.audit.detail.ignore', { value: detail.ignore.join(', ') }));
  return parts.join('; ');
}

export default {
  id: 'audit',
  routes: ['#/audit'],
  nav: { order: 30, text: 'pub.nav.audit', roles: ['publisher', 'admin'] },
  async render(ctx) {
    ctx.main.append(h('h1', {}, ctx.t('pub.audit.title')), h('p', { class: 'ws-lead' }, ctx.t('pub.audit.intro')));
    const titles = Object.fromEntries((await myLayers(ctx).catch(() => [])).map((c) => [c.id, c.title]));
    const body = h('tbody', {});
    const table = scrollTable(ctx.t('pub.audit.title'), h('table', { class: 'ws-table pub-audit' },
      h('caption', { class: 'ws-visually-hidden' }, ctx.t('pub.audit.title')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, ctx.t('pub.report.when')), h('th', { scope: 'col' }, ctx.t('pub.report.by')),
        h('th', { scope: 'col' }, ctx.t('pub.audit.action')), h('th', { scope: 'col' }, ctx.t('pub.audit.layer')),
        h('th', { scope: 'col' }, ctx.t('pub.audit.detail')))),
      body));
    const status = h('p', { class: 'ws-visually-hidden', role: 'status' });
    const more = h('button', { type: 'button', class: 'ws-button', id: 'pub-audit-more', hidden: true }, ctx.t('pub.audit.more'));
    const problem = h('div', {});
    ctx.main.append(table, status, h('div', { class: 'ws-actions' }, more), problem);
    let next = `/auth/audit?limit=${PAGE}`;
    let shown = 0;

    async function page() {
      const answer = await ctx.api.get(next);
      const entries = answer.entries || [];
      const first = body.rows.length;
      for (const entry of entries) {
        body.append(h('tr', { 'data-action': entry.action, 'data-entry': String(entry.id) },
          h('td', {}, when(ctx, entry.at)),
          h('td', {}, entry.user || ctx.t('pub.audit.system')),
          h('td', {}, actionText(ctx, entry.action)),
          h('td', {}, entry.layer ? (titles[entry.layer] || entry.layer) : ''),
          h('td', {}, detailText(ctx, entry))));
      }
      shown += entries.length;
      next = answer.next;
      more.hidden = !next;
      status.textContent = ctx.t('pub.audit.shown', { n: shown });
      if (!shown) body.append(h('tr', {}, h('td', { colspan: '5' }, ctx.t('pub.audit.none'))));
      labelCells(table);
      return first;
    }

    more.addEventListener('click', async () => {
      more.disabled = true;
      try {
        const first = await page();
        const row = body.rows[first];
        if (row) {
          row.cells[0].setAttribute('tabindex', '-1');
          row.cells[0].focus();
        }
      } catch (error) {
        problem.replaceChildren(failureBlock(ctx, error));
      } finally {
        more.disabled = false;
      }
    });
    await page();
  },
};
