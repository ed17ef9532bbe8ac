// Administrators' app keys (#/admin/keys): every key with its rate limit and use today and in all;
// create one (shown once, with a copy button), change its limit, revoke it (after a confirmation) or
// let it work again. GET /admin/keys, POST /admin/keys, PATCH and DELETE /admin/keys/<id>.

import { h, formatDate, formatNumber } from '../dom.js';
import { clearErrors, confirmAction, dataTable, field, problemText, replace, secretPanel, showErrors } from './desk/kit.js';

const DEFAULT_LIMIT = '1000/hour';

function keyForm(ctx, onCreated) {
  const { t } = ctx;
  const app = h('input', { type: 'text', name: 'app', autocomplete: 'off', required: true, maxlength: '100' });
  const contact = h('input', { type: 'text', name: 'contact', autocomplete: 'off', maxlength: '100' });
  const limit = h('input', { type: 'text', name: 'rateLimit', autocomplete: 'off', value: DEFAULT_LIMIT, maxlength: '100' });
  const submit = h('button', { type: 'submit', class: 'ws-button ws-button-primary' }, t('admin.keys.submit'));
  const form = h('form', { class: 'ws-panel dk-action', novalidate: true, 'aria-labelledby': 'dk-key-legend' },
    h('h2', { id: 'dk-key-legend' }, t('admin.keys.create')),
    h('div', { class: 'dk-form-grid' },
      field(t('admin.keys.app'), app, { hint: t('admin.keys.appHint') }),
      field(t('admin.keys.contact'), contact, { hint: t('admin.keys.contactHint') }),
      field(t('admin.keys.limit'), limit, { hint: t('admin.keys.limitHint') })),
    h('div', { class: 'ws-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!app.value.trim()) {
      showErrors(form, t('admin.error.fields'), [{ field: 'app', message: t('admin.keys.needApp') }]);
      return;
    }
    submit.disabled = true;
    try {
      const created = await ctx.api.post('/admin/keys', {
        app: app.value.trim(), contact: contact.value.trim(), rateLimit: limit.value.trim() || DEFAULT_LIMIT,
      });
      form.reset();
      limit.value = DEFAULT_LIMIT;
      await onCreated(created);
    } catch (error) {
      showErrors(form, problemText(error) || t('admin.error.fields'), error.problem && error.problem.errors);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function limitForm(ctx, key, onDone) {
  const { t } = ctx;
  const limit = h('input', { type: 'text', name: 'rateLimit', autocomplete: 'off', value: key.rateLimit, maxlength: '100', required: true });
  const form = h('form', { class: 'ws-panel dk-action', novalidate: true, 'aria-labelledby': 'dk-limit-legend' },
    h('h2', { id: 'dk-limit-legend', tabindex: '-1' }, t('admin.keys.changeLegend', { app: key.app })),
    field(t('admin.keys.limit'), limit, { hint: t('admin.keys.limitHint') }),
    h('div', { class: 'ws-actions' },
      h('button', { type: 'submit', class: 'ws-button ws-button-primary' }, t('admin.keys.changeSubmit')),
      h('button', { type: 'button', class: 'ws-button ws-button-quiet', onclick: () => onDone(null) }, t('admin.confirm.cancel'))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      onDone(await ctx.api.patch(`/admin/keys/${encodeURIComponent(key.id)}`, { rateLimit: limit.value.trim() }));
    } catch (error) {
      showErrors(form, problemText(error) || t('admin.error.fields'), error.problem && error.problem.errors);
    }
  });
  return form;
}

export default {
  id: 'keys',
  routes: ['#/admin/keys'],
  nav: { order: 82, text: 'admin.nav.keys', roles: ['admin'] },
  async render(ctx) {
    const { t } = ctx;
    ctx.main.append(h('h1', { tabindex: '-1' }, t('admin.keys.title')), h('p', { class: 'ws-lead' }, t('admin.keys.intro')));
    const notice = h('div');
    const editor = h('div');
    const list = h('div', {}, h('p', { class: 'ws-busy' }, t('admin.loading')));

    function say(text, kind = 'ok', extra = null) {
      const box = h('p', { class: kind === 'error' ? 'ws-error' : 'ws-ok', role: kind === 'error' ? 'alert' : 'status', tabindex: '-1' }, text);
      replace(notice, box, extra);
      (extra || box).focus();
    }

    async function change(button, action, message) {
      button.disabled = true;
      try {
        const key = await action();
        await load();
        say(message(key));
      } catch (error) {
        button.disabled = false;
        say(problemText(error), 'error');
      }
    }

    function editLimit(key) {
      replace(editor, limitForm(ctx, key, async (changed) => {
        replace(editor);
        if (!changed) {
          list.querySelector(`[data-key="${CSS.escape(key.id)}"]`)?.focus();
          return;
        }
        await load();
        say(t('admin.keys.changed', { app: changed.app, limit: changed.rateLimit }));
      }));
      editor.querySelector('h2').focus();
    }

    function actions(key) {
      const path = `/admin/keys/${encodeURIComponent(key.id)}`;
      if (key.revoked) {
        return h('button', { type: 'button', class: 'ws-button', 'aria-label': t('admin.keys.restore', { app: key.app }),
          onclick: (e) => change(e.currentTarget, () => ctx.api.patch(path, { revoked: false }),
            (k) => t('admin.keys.restored', { app: k.app })) },
        t('admin.keys.restoreShort'));
      }
      return h('div', { class: 'dk-row-actions' },
        h('button', { type: 'button', class: 'ws-button', 'data-key': key.id, 'aria-label': t('admin.keys.change', { app: key.app }),
          onclick: () => editLimit(key) }, t('admin.keys.changeShort')),
        h('button', { type: 'button', class: 'ws-button ws-button-danger', 'aria-label': t('admin.keys.revoke', { app: key.app }), async onclick(e) {
          const button = e.currentTarget;
          if (!await confirmAction(t, 'admin', t('admin.keys.revokeConfirm', { app: key.app }), t('admin.keys.revoke', { app: key.app }))) return;
          change(button, () => ctx.api.delete(path), (k) => t('admin.keys.revokedDone', { app: k.app }));
        } }, t('admin.keys.revokeShort')));
    }

    async function load() {
      const { keys } = await ctx.api.get('/admin/keys');
      if (!keys.length) {
        replace(list, h('p', { class: 'dk-empty' }, t('admin.keys.empty')));
        return;
      }
      const headers = [t('admin.keys.app'), t('admin.keys.id'), t('admin.keys.contact'), t('admin.keys.limit'), t('admin.keys.today'),
        t('admin.keys.total'), t('admin.keys.created'), t('admin.keys.state'), t('admin.actions')];
      replace(list, dataTable(t('admin.keys.caption', { n: keys.length }), headers, keys.map((key) => [
        key.app,
        h('code', { class: 'ws-code' }, key.id),
        key.contact || '—',
        key.rateLimit,
        formatNumber(key.requestsToday),
        formatNumber(key.requestsTotal),
        formatDate(key.createdAt),
        key.revoked ? h('span', { class: 'dk-state dk-state-off' }, t('admin.keys.revoked'))
          : h('span', { class: 'dk-state dk-state-on' }, t('admin.keys.works')),
        actions(key),
      ]), { className: 'dk-keys', numeric: [4, 5] }));
    }

    const create = keyForm(ctx, async (created) => {
      await load();
      say(t('admin.keys.done', { app: created.app }), 'ok', secretPanel(t, t('admin.keys.secret', { app: created.app }), created.key));
    });
    ctx.main.append(notice, create, editor, list);
    await load();
  },
};
