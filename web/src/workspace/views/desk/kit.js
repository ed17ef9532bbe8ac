// Pieces the report desk and the administrators' views share: labelled fields whose errors are tied
// to them (aria-describedby, aria-invalid), a confirmation dialog, a secret shown once with a copy
// button, and tables with a caption and scoped headers. Not a view: it lives below views/ so the
// shell does not list it.

import { h, clear } from '../../dom.js';

let counter = 0;

/** A new element id, unique in the page. */
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

function describedBy(control, add, remove) {
  const ids = new Set((control.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean));
  if (remove) ids.delete(remove);
  if (add) ids.add(add);
  if (ids.size) control.setAttribute('aria-describedby', [...ids].join(' '));
  else control.removeAttribute('aria-describedby');
}

/**
 * A labelled field: `control` (an input, select or textarea with a `name`) gets an id, a label,
 * an optional hint and a hidden error line, both tied to it by aria-describedby.
 */
export function field(labelText, control, { hint = null, className = '' } = {}) {
  if (!control.id) control.id = uid(`f-${control.name || 'field'}`);
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) describedBy(control, hintId);
  const error = h('p', { class: 'dk-error', id: `${control.id}-error`, hidden: true });
  const isCheck = control.type === 'checkbox' || control.type === 'radio';
  const label = h('label', { for: control.id }, labelText);
  return h('div', { class: ['ws-field', isCheck && 'dk-field-check', className] },
    isCheck ? [control, label] : [label, hint && h('p', { class: 'ws-hint', id: hintId }, hint), control],
    isCheck && hint ? h('p', { class: 'ws-hint', id: hintId }, hint) : null,
    error);
}

/** Options for a <select>: [[value, text], ...], `selected` marked. */
export function options(pairs, selected) {
  return pairs.map(([value, text]) => h('option', { value, selected: String(value) === String(selected) }, text));
}

/** Forget the errors shown on `form` (its fields' and its summary). */
export function clearErrors(form) {
  for (const control of form.querySelectorAll('[aria-invalid="true"]')) {
    control.removeAttribute('aria-invalid');
    describedBy(control, null, `${control.id}-error`);
  }
  for (const line of form.querySelectorAll('.dk-error')) {
    line.hidden = true;
    line.textContent = '';
  }
  const summary = form.querySelector('.dk-form-error');
  if (summary) summary.remove();
}

/**
 * Show `errors` ([{field, message}]) beside their fields (`fieldNames` maps a server field to the
 * control's name) and `summary` at the top of the form; focus the first marked field (or the
 * summary when no field matched). Returns whether a field was marked.
 */
export function showErrors(form, summary, errors = [], fieldNames = {}) {
  clearErrors(form);
  let first = null;
  for (const { field: name, message } of errors || []) {
    const controlName = fieldNames[name] || name;
    const control = controlName && form.elements.namedItem(controlName);
    if (!control || !control.id) continue;
    const line = document.getElementById(`${control.id}-error`);
    if (!line) continue;
    line.textContent = message;
    line.hidden = false;
    control.setAttribute('aria-invalid', 'true');
    describedBy(control, line.id);
    first ||= control;
  }
  const box = h('div', { class: 'ws-error dk-form-error', role: 'alert', tabindex: '-1' }, summary);
  form.prepend(box);
  (first || box).focus();
  return Boolean(first);
}

/** The error's text for a person: the server's problem detail (already in the page language). */
export function problemText(error) {
  return (error && error.problem && (error.problem.detail || error.problem.title)) || (error && error.message) || '';
}

/**
 * Ask before a destructive action in a modal <dialog> (focus stays inside it, Escape cancels);
 * resolves true when confirmed. Focus returns where it was.
 */
export function confirmAction(t, prefix, text, okText) {
  const before = document.activeElement;
  const titleId = uid('dk-confirm-title');
  const textId = uid('dk-confirm-text');
  const cancel = h('button', { type: 'button', class: 'ws-button ws-button-quiet', value: 'cancel' }, t(`${prefix}.confirm.cancel`));
  const ok = h('button', { type: 'button', class: 'ws-button ws-button-danger', value: 'ok' }, okText);
  const dialog = h('dialog', { class: 'dk-dialog', 'aria-labelledby': titleId, 'aria-describedby': textId },
    h('h2', { id: titleId }, t(`${prefix}.confirm.title`)),
    h('p', { id: textId }, text),
    h('div', { class: 'dk-dialog-buttons' }, cancel, ok));
  return new Promise((resolve) => {
    cancel.addEventListener('click', () => dialog.close('cancel'));
    ok.addEventListener('click', () => dialog.close('ok'));
    dialog.addEventListener('close', () => {
      const confirmed = dialog.returnValue === 'ok';
      dialog.remove();
      if (before && before.isConnected && typeof before.focus === 'function') before.focus();
      resolve(confirmed);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus(); // the safe choice first
  });
}

/**
 * A secret shown once (a generated password, a new key): its label, the value, a copy button and
 * a polite status saying whether copying worked. Focusable, so the view can move focus to it.
 */
export function secretPanel(t, labelText, value) {
  const labelId = uid('dk-secret');
  const code = h('code', { class: 'dk-secret-value', 'aria-labelledby': labelId }, value);
  const status = h('p', { class: 'dk-copy-status', role: 'status' });
  const copy = h('button', {
    type: 'button',
    class: 'ws-button',
    async onclick() {
      try {
        await navigator.clipboard.writeText(value);
        status.textContent = t('admin.copied');
      } catch {
        window.getSelection().selectAllChildren(code);
        status.textContent = t('admin.copyFailed');
      }
    },
  }, t('admin.copy'));
  return h('section', { class: 'dk-secret', tabindex: '-1', 'aria-labelledby': labelId },
    h('h2', { id: labelId, class: 'dk-secret-label' }, labelText),
    h('p', { class: 'dk-secret-row' }, code, ' ', copy),
    h('p', { class: 'ws-hint' }, t('admin.secretOnce')),
    status);
}

/**
 * A table with a caption and scoped column headers, in a focusable scrolling region. On a phone
 * each row is drawn as a card, every cell under its column's name (data-label, reports.css).
 * `rows`: arrays of cells (a node or text); the first cell is the row header. `numeric`: the
 * indexes of the columns of numbers (aligned right).
 */
export function dataTable(captionText, headers, rows, { className = '', numeric = [] } = {}) {
  const captionId = uid('dk-caption');
  const number = (index) => (numeric.includes(index) ? 'ws-number' : null);
  const table = h('table', { class: ['ws-table', 'dk-table', className] },
    h('caption', { id: captionId }, captionText),
    h('thead', {}, h('tr', {}, headers.map((text, index) => h('th', { scope: 'col', class: number(index) }, text)))),
    h('tbody', {}, rows.map((cells) => h('tr', {},
      cells.map((cell, index) => (index === 0
        ? h('th', { scope: 'row' }, cell)
        : h('td', { 'data-label': headers[index], class: number(index) }, cell)))))));
  return h('div', { class: 'ws-table-wrap dk-table-wrap', role: 'region', tabindex: '0', 'aria-labelledby': captionId }, table);
}

/** `element`'s children replaced by `children`. */
export function replace(element, ...children) {
  clear(element);
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}
