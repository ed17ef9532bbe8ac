// The proposal form's fields and their errors: a registry of fields by their path in the
// definition (`title.kk`, `attributes.2.type`), so a 422 error's `field` finds its input, its label
// and its error box; labelled text fields, radio groups, and lists of links to fields.
import { clear, h } from '../../dom.js';

/** The form's fields by their path in the definition (`title.kk`, `attributes.2.type`), so a
 *  422 error's `field` finds its input, its label and its error box. */
export class FieldRegistry {
  constructor() {
    this.fields = new Map();
    this.attributeNames = [];
  }

  add(path, { control, label, errorBox, hintId = null, group = null }) {
    this.fields.set(path, { control, label, errorBox, hintId, group });
  }

  /** The registered path an error's `field` names: exact, the first field under it, or a parent's. */
  resolve(given) {
    let path = String(given || '').replace(/^definition\./, '').replace(/\[(\d+)\]/g, '.$1');
    const named = /^attributes\.([^.]+)(\..*)?$/.exec(path);
    if (named && !/^\d+$/.test(named[1])) {
      const index = this.attributeNames.indexOf(named[1]);
      if (index >= 0) path = `attributes.${index}${named[2] || ''}`;
    }
    while (path) {
      if (this.fields.has(path)) return path;
      const child = [...this.fields.keys()].find((key) => key.startsWith(`${path}.`));
      if (child) return child;
      path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
    }
    return null;
  }

  clearErrors() {
    for (const field of this.fields.values()) {
      clear(field.errorBox);
      field.errorBox.hidden = true;
      const target = field.group || field.control;
      target.removeAttribute('aria-invalid');
      if (field.hintId) target.setAttribute('aria-describedby', field.hintId);
      else target.removeAttribute('aria-describedby');
    }
  }

  /** Show each error beside its field; the errors, each with its field's path or null. */
  showErrors(errors) {
    this.clearErrors();
    return errors.map((error) => {
      const path = this.resolve(error.field);
      if (path) {
        const field = this.fields.get(path);
        field.errorBox.append(h('span', {}, error.message));
        field.errorBox.hidden = false;
        const target = field.group || field.control;
        if (!field.group) target.setAttribute('aria-invalid', 'true');
        const described = [field.errorBox.id, field.hintId].filter(Boolean).join(' ');
        target.setAttribute('aria-describedby', described);
      }
      return { ...error, path };
    });
  }

  focus(path) {
    const field = this.fields.get(path);
    if (!field) return;
    field.control.scrollIntoView({ block: 'center' });
    field.control.focus();
  }
}

export function errorBoxFor(id) {
  return h('p', { class: 'prop-field-error', id: `${id}-error`, hidden: true });
}

/** A labelled text input or textarea with an optional hint and its error box. */
export function textField(registry, path, { id, label, value, hint = null, lang = null, multiline = false, required = false }) {
  const hintId = hint ? `${id}-hint` : null;
  const control = h(multiline ? 'textarea' : 'input', {
    id,
    name: path,
    type: multiline ? null : 'text',
    lang,
    rows: multiline ? '3' : null,
    value: value ?? '',
    'aria-describedby': hintId,
    'aria-required': required ? 'true' : null,
  });
  const errorBox = errorBoxFor(id);
  registry.add(path, { control, label, errorBox, hintId });
  return h('div', { class: 'ws-field prop-field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'ws-hint', id: hintId }, hint) : null,
    control,
    errorBox);
}

/** A list of links to the fields that `errors` name (errors without a field are listed as text). */
export function errorLinks(ctx, registry, errors) {
  return h('ul', {}, errors.map((error) => {
    const path = error.path === undefined ? registry.resolve(error.field) : error.path;
    if (!path) return h('li', {}, error.message);
    const field = registry.fields.get(path);
    const text = ctx.t('prop.errors.field', { field: field.label, message: error.message });
    return h('li', {}, h('a', {
      href: `#${field.control.id}`,
      onclick: (event) => {
        event.preventDefault(); // the hash routes the workspace: move the focus instead
        registry.focus(path);
      },
    }, text));
  }));
}

/** Radio buttons in a fieldset with its legend; `value()` is the checked one's. */
export function radioGroup(ctx, registry, path, { id, legend, options, value, className = '' }) {
  const errorBox = errorBoxFor(id);
  const inputs = options.map((option, index) => h('input', {
    type: 'radio', name: id, id: `${id}-${index}`, value: option.value, checked: option.value === value,
  }));
  const group = h('fieldset', { class: `prop-radios ${className}`, id },
    h('legend', {}, legend),
    errorBox,
    options.map((option, index) => h('div', { class: 'prop-radio' }, inputs[index],
      h('label', { for: `${id}-${index}` }, option.decoration || null, option.label))));
  registry.add(path, { control: inputs[0], label: legend, errorBox, group });
  return { group, inputs, value: () => (inputs.find((input) => input.checked) || {}).value || null };
}
