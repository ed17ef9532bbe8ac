// Shared pieces of the publisher's views (layers.js, layer.js, audit.js): the layer list of one's
// department, failures as text, a confirmation dialog, and small formatting helpers.
import { ApiError } from '../../api.js';
import { formatDate, formatNumber, h } from '../../dom.js';

/** The message of a failed call: the server's problem detail (already in the page language). */
export function failureText(ctx, error) {
  if (error instanceof ApiError) return error.message;
  return ctx.t('ws.error.generic');
}

/** A failure as an alert paragraph, with the problem's field errors listed under it. */
export function failureBlock(ctx, error) {
  const errors = (error && error.problem && Array.isArray(error.problem.errors)) ? error.problem.errors : [];
  return h('div', { class: 'ws-error', role: 'alert' },
    h('p', { class: 'pub-flat' }, failureText(ctx, error)),
    errors.length ? h('ul', {}, errors.map((e) => h('li', {}, e.field ? `${e.field}: ${e.message}` : e.message))) : null);
}

/** The layers (collections JSON, in the page language) the account publishes: its department's,
 *  every layer for an admin. */
export async function myLayers(ctx) {
  const answer = await ctx.api.get('/collections?f=json');
  const all = (answer && answer.collections) || [];
  if (ctx.principal.role === 'admin') return all;
  return all.filter((c) => c.department && c.department.id === ctx.principal.department);
}

/** "12 Dec 2026, 03:00" or the text for "never". */
export function when(ctx, iso) {
  return iso ? formatDate(iso) : ctx.t('pub.never');
}

export function count(n) {
  return typeof n === 'number' ? formatNumber(n) : '—';
}

/** A definition list from [label, value] pairs (values: text or nodes; empty ones skipped). */
export function facts(pairs, className = 'pub-facts') {
  return h('dl', { class: className },
    pairs.filter(([, value]) => value !== null && value !== undefined && value !== '')
      .map(([label, value]) => h('div', {}, h('dt', {}, label), h('dd', {}, value))));
}

/** Each body cell of `table` gets its column's name (data-label), for the stacked phone layout. */
export function labelCells(table) {
  const names = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
  for (const row of table.querySelectorAll('tbody tr')) {
    [...row.cells].forEach((cell, index) => { if (names[index] && cell.colSpan === 1) cell.dataset.label = names[index]; });
  }
}

/** A table in a labelled box the keyboard can reach (it scrolls sideways when it must); on a
 *  phone its rows are stacked, each cell under its column's name (layers.css, .pub-stack). */
export function scrollTable(label, table) {
  labelCells(table);
  table.classList.add('pub-stack');
  return h('div', { class: 'ws-table-wrap', tabindex: '0', role: 'region', 'aria-label': label }, table);
}

let dialogCount = 0;

/**
 * Ask before something that cannot be undone quietly: a modal <dialog> with `question`, an
 * optional `detail`, and two buttons. Resolves true when confirmed. Focus returns to the opener.
 */
export function confirmAction(ctx, { question, detail = '', confirm, danger = true }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    dialogCount += 1;
    const titleId = `pub-dialog-title-${dialogCount}`;
    const detailId = `pub-dialog-detail-${dialogCount}`;
    const dialog = h('dialog', { class: 'pub-dialog', 'aria-labelledby': titleId, 'aria-describedby': detail ? detailId : null });
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      if (opener && document.contains(opener)) opener.focus();
      resolve(answer);
    };
    const yes = h('button', { type: 'button', class: danger ? 'ws-button ws-button-danger' : 'ws-button ws-button-primary', onclick: () => finish(true) }, confirm);
    const no = h('button', { type: 'button', class: 'ws-button ws-button-quiet', onclick: () => finish(false) }, ctx.t('pub.cancel'));
    dialog.append(
      h('h2', { id: titleId }, question),
      detail ? h('p', { id: detailId }, detail) : null,
      h('div', { class: 'ws-actions' }, yes, no),
    );
    dialog.addEventListener('cancel', (event) => { event.preventDefault(); finish(false); });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}
