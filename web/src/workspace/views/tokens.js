// Administrators' tokens (#/admin/tokens, #/admin/tokens/<account>): sign-ins and API tokens, newest
// first, never their secrets; revoke one (after a confirmation); create an API token for an account
// (a script's or a sync's), shown once. GET /admin/tokens, POST /admin/accounts/<name>/tokens,
// DELETE /admin/tokens/<id> (geohub/admin/routes.py).

import { h, formatDate } from '../dom.js';
import { clearErrors, confirmAction, dataTable, field, options, problemText, replace, secretPanel, showErrors } from './desk/kit.js';

const EXPIRY_DAYS = [['30', 30], ['90', 90], ['365', 365], ['', null]]; // '' : never

function createForm(ctx, names, chosen, onCreated) {
  const { t } = ctx;
  const account = h('select', { name: 'account' }, options(names.map((n) => [n, n]), chosen || names[0]));
  const expires = h('select', { name: 'expiresDays' }, options(EXPIRY_DAYS.map(([value, days]) => [value,
    days === null ? t('admin.tokens.never') : t('admin.tokens.days', { n: days })]), '90'));
  const submit = h('button', { type: 'submit', class: 'ws-button ws-button-primary' }, t('admin.tokens.createSubmit'));
  const form = h('form', { class: 'ws-panel dk-action', novalidate: true, 'aria-labelledby': 'dk-token-legend' },
    h('h2', { id: 'dk-token-legend' }, t('admin.tokens.create')),
    h('p', { class: 'ws-hint' }, t('admin.tokens.createHint')),
    h('div', { class: 'dk-form-grid' }, field(t('admin.tokens.account'), account), field(t('admin.tokens.expiresIn'), expires)),
    h('div', { class: 'ws-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      const days = EXPIRY_DAYS.find(([value]) => value === expires.value)[1];
      await onCreated(await ctx.api.post(`/admin/accounts/${encodeURIComponent(account.value)}/tokens`, { expiresDays: days }));
    } catch (error) {
      showErrors(form, problemText(error) || t('admin.error.fields'), error.problem && error.problem.errors);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

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

    const create = createForm(ctx, names, params.account, async (created) => {
      await load();
      const panel = secretPanel(t, t('admin.tokens.secret', { name: created.account }), created.token);
      replace(notice, h('p', { class: 'ws-ok', role: 'status' }, t('admin.tokens.created.done', { id: created.id, name: created.account })), panel);
      panel.focus();
    });
    ctx.main.append(notice, filters, list, create);
    await load();
  },
};
