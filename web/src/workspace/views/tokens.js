// Administrators' tokens (#/admin/tokens, #/admin/tokens/<account>): sign-ins and API tokens, newest
// first, never their secrets; revoke one (after a confirmation). GET /admin/tokens, DELETE
// /admin/tokens/<id> (geohub/admin/routes.py).

import { h, formatDate } from '../dom.js';
import { confirmAction, dataTable, field, options, problemText, replace } from './desk/kit.js';

function stateOf(t, row) {
  if (row.revoked) return h('span', { class: 'dk-state dk-state-off' }, t('admin.tokens.revoked'));
  if (!row.active) return h('span', { class: 'dk-state dk-state-off' }, t('admin.tokens.inactive'));
  return h('span', { class: 'dk-state dk-state-on' }, t('admin.tokens.active'));
}

export default {
  id: 'tokens',
  routes: ['#/admin/tokens', '#/admin/tokens/:account'],
  nav: { order: 81, text: 'admin.nav.tokens', roles: ['admin'] },
  async render(ctx, params) {
    const { t } = ctx;
    ctx.main.append(h('h1', { tabindex: '-1' }, t('admin.tokens.title')), h('p', { class: 'ws-lead' }, t('admin.tokens.intro')));
    const notice = h('div');
    const list = h('div', {}, h('p', { class: 'ws-busy' }, t('admin.loading')));
    const names = (await ctx.api.get('/admin/accounts')).accounts.map((a) => a.name);
    const account = h('select', { name: 'account' },
      options([['', t('admin.tokens.anyAccount')], ...names.map((n) => [n, n])], params.account || ''));
    const activeOnly = h('input', { type: 'checkbox', name: 'active', checked: true });
    const filters = h('form', { class: 'dk-filters', 'aria-labelledby': 'dk-tokens-filter' },
      h('fieldset', {}, h('legend', { id: 'dk-tokens-filter' }, t('admin.tokens.filter')),
        h('div', { class: 'dk-filter-grid' }, field(t('admin.tokens.account'), account)),
        field(t('admin.tokens.activeOnly'), activeOnly),
        h('div', { class: 'ws-actions' }, h('button', { type: 'submit', class: 'ws-button ws-button-primary' }, t('admin.tokens.apply')))));
    filters.addEventListener('submit', async (event) => {
      event.preventDefault();
      await load();
      ctx.announce(t('admin.tokens.caption', { n: rows.length }));
    });
    let rows = [];

    function say(text, kind = 'ok') {
      const box = h('p', { class: kind === 'error' ? 'ws-error' : 'ws-ok', role: kind === 'error' ? 'alert' : 'status', tabindex: '-1' }, text);
      replace(notice, box);
      box.focus();
    }

    async function revoke(button, row) {
      const own = row.kind === 'session' && row.account === ctx.principal.user;
      const question = t('admin.tokens.revokeConfirm', { id: row.id, name: row.account });
      if (!await confirmAction(t, 'admin', own ? `${question} ${t('admin.tokens.revokeOwn')}` : question,
        t('admin.tokens.revoke', { id: row.id }))) return;
      button.disabled = true;
      try {
        await ctx.api.delete(`/admin/tokens/${encodeURIComponent(row.id)}`);
        await load();
        say(t('admin.tokens.revoked.done', { id: row.id }));
      } catch (error) {
        button.disabled = false;
        say(problemText(error), 'error');
      }
    }

    async function load() {
      const query = new URLSearchParams();
      if (account.value) query.set('account', account.value);
      if (activeOnly.checked) query.set('active', 'true');
      rows = (await ctx.api.get(`/admin/tokens?${query}`)).tokens;
      if (!rows.length) {
        replace(list, h('p', { class: 'dk-empty' }, t('admin.tokens.empty')));
        return;
      }
      const headers = [t('admin.tokens.id'), t('admin.tokens.account'), t('admin.tokens.kind'), t('admin.tokens.created'),
        t('admin.tokens.expires'), t('admin.tokens.lastUsed'), t('admin.tokens.state'), t('admin.actions')];
      replace(list, dataTable(t('admin.tokens.caption', { n: rows.length }), headers, rows.map((row) => [
        h('code', { class: 'ws-code' }, row.id),
        row.account,
        t(`admin.tokens.kind.${row.kind}`),
        formatDate(row.createdAt),
        row.expiresAt ? formatDate(row.expiresAt) : t('admin.never'),
        row.lastUsedAt ? formatDate(row.lastUsedAt) : t('admin.never'),
        stateOf(t, row),
        row.revoked ? '' : h('button', { type: 'button', class: 'ws-button ws-button-danger', 'data-token': row.id,
          'aria-label': t('admin.tokens.revoke', { id: row.id }), onclick: (e) => revoke(e.currentTarget, row) }, t('admin.tokens.revokeShort')),
      ]), { className: 'dk-tokens' }));
    }

    ctx.main.append(filters, notice, list);
    await load();
  },
};
