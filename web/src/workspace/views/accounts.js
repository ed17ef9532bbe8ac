// Administrators' accounts (#/admin/accounts): the accounts with their role, department and last
// activity; create one (its generated password shown once, with a copy button), change its role or
// department, disable or enable it, reset its password. Uses /admin/accounts (geohub/admin/routes.py);
// the last-admin rule's 409 is shown as the server words it.

import { h, formatDate } from '../dom.js';
import { clearErrors, confirmAction, dataTable, field, options, problemText, replace, secretPanel, showErrors } from './desk/kit.js';

const ROLES = ['publisher', 'moderator', 'admin'];
const NAME = /^[a-z0-9][a-z0-9._-]{1,62}$/;

export function roleText(t, role) {
  return t(`ws.role.${role}`); // the shell's names of the roles
}

function departmentPairs(ctx, emptyText) {
  return [['', emptyText], ...Object.entries(ctx.config.departments || {})];
}

function departmentName(ctx, id) {
  if (!id) return ctx.t('admin.none');
  return (ctx.config.departments && ctx.config.departments[id]) || id;
}

/** The message of a failed admin call: the last-admin rule's 409 says why it matters. */
export function adminProblem(t, error, lastAdminRule = false) {
  const detail = problemText(error);
  return lastAdminRule && error && error.status === 409 ? t('admin.lastAdmin', { detail }) : detail;
}

function accountForm(ctx, account, onDone) {
  const { t } = ctx;
  const editing = Boolean(account);
  const name = editing ? null : h('input', { type: 'text', name: 'name', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: '63' });
  const role = h('select', { name: 'role' }, options(ROLES.map((r) => [r, roleText(t, r)]), editing ? account.role : 'publisher'));
  const department = h('select', { name: 'department' },
    options(departmentPairs(ctx, t('admin.create.noDepartment')), editing ? account.department || '' : ''));
  const legendId = editing ? 'dk-edit-legend' : 'dk-create-legend';
  const submit = h('button', { type: 'submit', class: 'ws-button ws-button-primary' }, editing ? t('admin.edit.submit') : t('admin.create.submit'));
  const cancel = editing ? h('button', { type: 'button', class: 'ws-button ws-button-quiet', onclick: () => onDone(null) }, t('admin.confirm.cancel')) : null;
  const form = h('form', { class: 'ws-panel dk-action', novalidate: true, 'aria-labelledby': legendId },
    h('h2', { id: legendId, tabindex: '-1' }, editing ? t('admin.edit.legend', { name: account.name }) : t('admin.create.legend')),
    h('div', { class: 'dk-form-grid' },
      name && field(t('admin.create.name'), name, { hint: t('admin.create.nameHint') }),
      field(t('admin.create.role'), role),
      field(t('admin.create.department'), department, { hint: t('admin.create.departmentHint') })),
    h('div', { class: 'ws-actions' }, submit, cancel));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const problems = [];
    if (name && !name.value.trim()) problems.push({ field: 'name', message: t('admin.create.needName') });
    else if (name && !NAME.test(name.value.trim())) problems.push({ field: 'name', message: t('admin.create.nameHint') });
    if (role.value === 'publisher' && !department.value) problems.push({ field: 'department', message: t('admin.create.needDepartment') });
    if (problems.length) {
      showErrors(form, t('admin.error.fields'), problems);
      return;
    }
    submit.disabled = true;
    try {
      const body = { role: role.value, department: department.value || null };
      if (editing) {
        onDone(await ctx.api.patch(`/admin/accounts/${encodeURIComponent(account.name)}`, body), 'edit');
      } else {
        const created = await ctx.api.post('/admin/accounts', { name: name.value.trim(), ...body });
        submit.disabled = false;
        onDone(created, 'create');
      }
    } catch (error) {
      submit.disabled = false;
      showErrors(form, adminProblem(t, error, editing), error.problem && error.problem.errors);
    }
  });
  return form;
}

export default {
  id: 'accounts',
  routes: ['#/admin/accounts'],
  nav: { order: 80, text: 'admin.nav.accounts', roles: ['admin'] },
  async render(ctx) {
    const { t } = ctx;
    ctx.main.append(h('h1', { tabindex: '-1' }, t('admin.accounts.title')), h('p', { class: 'ws-lead' }, t('admin.accounts.intro')));
    const notice = h('div', { class: 'dk-notice-box' });
    const editor = h('div');
    const list = h('div', {}, h('p', { class: 'ws-busy' }, t('admin.loading')));
    let accounts = [];

    function say(text, kind = 'ok', extra = null) {
      const box = h('div', { class: kind === 'error' ? 'ws-error' : 'ws-ok', role: kind === 'error' ? 'alert' : 'status', tabindex: '-1' },
        h('p', {}, text));
      replace(notice, box, extra);
      (extra || box).focus();
    }

    async function load() {
      accounts = (await ctx.api.get('/admin/accounts')).accounts;
      replace(list, table());
    }

    async function run(button, action, message, secret = null) {
      button.disabled = true;
      try {
        const answer = await action();
        await load();
        const secretValue = secret && secret(answer);
        say(message(answer), 'ok', secretValue ? secretPanel(t, secretValue[0], secretValue[1]) : null);
      } catch (error) {
        button.disabled = false;
        if (error.status === 409) await load();
        say(adminProblem(t, error, true), 'error');
      }
    }

    function edit(account) {
      replace(editor, accountForm(ctx, account, async (changed) => {
        replace(editor);
        if (!changed) {
          list.querySelector(`[data-account="${CSS.escape(account.name)}"]`)?.focus();
          return;
        }
        await load();
        say(t('admin.edit.done', { name: changed.name }));
      }));
      editor.querySelector('h2').focus();
    }

    function rowActions(account) {
      const self = account.name === ctx.principal.user;
      const name = account.name;
      const path = `/admin/accounts/${encodeURIComponent(name)}`;
      const change = h('button', { type: 'button', class: 'ws-button', 'data-account': name, 'aria-label': t('admin.edit.button', { name }),
        onclick: () => edit(account) }, t('admin.edit.short'));
      const toggle = account.disabled
        ? h('button', { type: 'button', class: 'ws-button', 'aria-label': t('admin.enable.button', { name }), onclick: (e) => run(e.currentTarget,
          () => ctx.api.patch(path, { disabled: false }), () => t('admin.enable.done', { name })) }, t('admin.enable.short'))
        : h('button', { type: 'button', class: 'ws-button ws-button-danger', 'aria-label': t('admin.disable.button', { name }), async onclick(e) {
          const button = e.currentTarget;
          if (!await confirmAction(t, 'admin', t('admin.disable.confirm', { name }), t('admin.disable.button', { name }))) return;
          run(button, () => ctx.api.patch(path, { disabled: true }), () => t('admin.disable.done', { name }));
        } }, t('admin.disable.short'));
      const reset = h('button', { type: 'button', class: 'ws-button ws-button-danger', 'aria-label': t('admin.reset.button', { name }), async onclick(e) {
        const button = e.currentTarget;
        if (!await confirmAction(t, 'admin', t('admin.reset.confirm', { name }), t('admin.reset.button', { name }))) return;
        run(button, () => ctx.api.post(`${path}/password`, {}), () => t('admin.reset.done', { name }),
          (answer) => answer.password && [t('admin.reset.password', { name }), answer.password]);
      } }, t('admin.reset.short'));
      const tokens = h('a', { href: `#/admin/tokens/${encodeURIComponent(name)}`, class: 'ws-button ws-button-quiet',
        'aria-label': t('admin.tokens.button', { name }) }, t('admin.tokens.short'));
      return h('div', { class: 'dk-row-actions' }, change, self ? null : toggle, self ? null : reset, tokens);
    }

    function table() {
      const headers = [t('admin.accounts.name'), t('admin.accounts.role'), t('admin.accounts.department'), t('admin.accounts.state'),
        t('admin.accounts.lastSignIn'), t('admin.accounts.lastTokenUse'), t('admin.actions')];
      const rows = accounts.map((account) => [
        account.name === ctx.principal.user ? t('admin.accounts.you', { name: account.name }) : account.name,
        roleText(t, account.role),
        departmentName(ctx, account.department),
        account.disabled
          ? h('span', { class: 'dk-state dk-state-off' }, t('admin.accounts.disabled'))
          : h('span', { class: 'dk-state dk-state-on' }, t('admin.accounts.enabled')),
        account.lastSignInAt ? formatDate(account.lastSignInAt) : t('admin.never'),
        account.lastTokenUseAt ? formatDate(account.lastTokenUseAt) : t('admin.never'),
        rowActions(account),
      ]);
      return dataTable(t('admin.accounts.caption', { n: accounts.length }), headers, rows, { className: 'dk-accounts' });
    }

    const create = accountForm(ctx, null, async (created) => {
      create.reset();
      await load();
      say(t('admin.create.done', { name: created.account.name }), 'ok',
        created.initialPassword ? secretPanel(t, t('admin.create.password', { name: created.account.name }), created.initialPassword) : null);
    });
    ctx.main.append(notice, create, editor, list);
    await load();
  },
};
