// The proposal's definition form: identifier, titles and descriptions in kk/ru/en, keywords, the
// schema as a table (with the key), access, style with its preview, licence and attribution.
import { clear, h } from '../../dom.js';
import {
  errorBoxFor, FieldRegistry, radioGroup, textField,
} from './fields.js';
import { stylePreview } from './preview.js';

export const LANGUAGES = ['kk', 'ru', 'en'];
const TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'datetime'];

function identitySection(ctx, registry, definition) {
  const title = definition.title || {};
  const description = definition.description || {};
  const geometry = definition.geometry_type;
  return h('section', { class: 'prop-section', 'aria-labelledby': 'prop-identity' },
    h('h2', { id: 'prop-identity' }, ctx.t('prop.section.identity')),
    textField(registry, 'id', {
      id: 'prop-id', label: ctx.t('prop.field.id'), value: definition.id, hint: ctx.t('prop.field.id.hint'), required: true,
    }),
    geometry ? h('p', { class: 'prop-readout' }, h('span', { class: 'prop-readout-label' }, `${ctx.t('prop.field.geometry')}: `),
      ctx.t(`prop.geometry.${geometry}`)) : null,
    h('div', { class: 'prop-languages' }, LANGUAGES.map((code) => textField(registry, `title.${code}`, {
      id: `prop-title-${code}`, label: ctx.t(`prop.field.title.${code}`), value: title[code], lang: code, required: true,
    }))),
    h('div', { class: 'prop-languages' }, LANGUAGES.map((code) => textField(registry, `description.${code}`, {
      id: `prop-description-${code}`, label: ctx.t(`prop.field.description.${code}`), value: description[code],
      lang: code, multiline: true, required: true,
    }))),
    textField(registry, 'keywords', {
      id: 'prop-keywords', label: ctx.t('prop.field.keywords'), value: (definition.keywords || []).join(', '),
      hint: ctx.t('prop.field.keywords.hint'),
    }));
}

function columnOf(columns, name) {
  return columns.find((column) => column.name === name)
    || columns.find((column) => String(column.name).toLowerCase() === String(name).toLowerCase())
    || null;
}

function attributeRow(ctx, registry, attribute, index, column) {
  const source = attribute.column || attribute.name; // the file's column: it names the row's fields
  const cellLabel = (field) => ctx.t('prop.schema.cell', { attribute: source, field });
  const idBase = `prop-attr-${index}`;

  function cellControl(path, control, label) {
    const errorBox = errorBoxFor(control.id);
    registry.add(path, { control, label: cellLabel(label), errorBox });
    return [control, errorBox];
  }

  const name = h('input', {
    type: 'text', id: `${idBase}-name`, value: attribute.name, class: 'prop-attr-name', spellcheck: 'false',
    autocapitalize: 'none', 'aria-label': cellLabel(ctx.t('prop.schema.name')),
  });
  const type = h('select', { id: `${idBase}-type`, 'aria-label': cellLabel(ctx.t('prop.schema.type')) },
    TYPES.map((value) => h('option', { value }, ctx.t(`prop.type.${value}`))));
  type.value = TYPES.includes(attribute.type) ? attribute.type : 'string';
  const required = h('input', {
    type: 'checkbox', id: `${idBase}-required`, checked: Boolean(attribute.required),
    'aria-label': cellLabel(ctx.t('prop.schema.required')),
  });
  const restricted = h('input', {
    type: 'checkbox', id: `${idBase}-restricted`, checked: Boolean(attribute.restricted),
    'aria-label': cellLabel(ctx.t('prop.schema.restricted')),
  });
  const titles = LANGUAGES.map((code) => {
    const label = ctx.t(`prop.field.title.${code}`);
    const input = h('input', {
      type: 'text', id: `${idBase}-title-${code}`, lang: code, value: (attribute.title || {})[code] || '',
      'aria-label': cellLabel(label),
    });
    return h('div', { class: 'prop-cell-field' },
      h('span', { class: 'prop-mini-label', 'aria-hidden': 'true' }, code.toUpperCase()),
      cellControl(`attributes.${index}.title.${code}`, input, label));
  });
  const description = h('input', {
    type: 'text', id: `${idBase}-description`, value: attribute.description || '',
    'aria-label': cellLabel(ctx.t('prop.schema.description')),
  });
  const samples = column && Array.isArray(column.samples) && column.samples.length
    ? ctx.t('prop.schema.samples', { values: column.samples.slice(0, 3).map(String).join(', ') })
    : ctx.t('prop.schema.noSamples');
  const row = h('tr', { 'data-attribute': source },
    h('th', { scope: 'row', 'data-label': ctx.t('prop.schema.name') },
      cellControl(`attributes.${index}.name`, name, ctx.t('prop.schema.name')),
      h('span', { class: 'prop-samples' }, ctx.t('prop.schema.column', { column: source })),
      h('span', { class: 'prop-samples' }, samples)),
    h('td', { 'data-label': ctx.t('prop.schema.type') }, cellControl(`attributes.${index}.type`, type, ctx.t('prop.schema.type'))),
    h('td', { 'data-label': ctx.t('prop.schema.required'), class: 'prop-check' },
      cellControl(`attributes.${index}.required`, required, ctx.t('prop.schema.required'))),
    h('td', { 'data-label': ctx.t('prop.schema.restricted'), class: 'prop-check' },
      cellControl(`attributes.${index}.restricted`, restricted, ctx.t('prop.schema.restricted'))),
    h('td', { 'data-label': ctx.t('prop.schema.titles'), class: 'prop-titles' }, titles),
    h('td', { 'data-label': ctx.t('prop.schema.description') },
      cellControl(`attributes.${index}.description`, description, ctx.t('prop.schema.description'))),
  );
  registry.add(`attributes.${index}`, { control: name, label: source, errorBox: row.querySelector('.prop-field-error') });
  return {
    row,
    nameInput: name,
    name: () => name.value.trim(),
    read() {
      const title = Object.fromEntries(LANGUAGES.map((code) => [code, row.querySelector(`#${idBase}-title-${code}`).value.trim()]));
      return {
        ...attribute,
        name: name.value.trim(),
        column: source,
        type: type.value,
        required: required.checked,
        restricted: restricted.checked,
        title: LANGUAGES.some((code) => title[code]) ? title : null,
        description: description.value.trim(),
      };
    },
  };
}

/** The key: a select of the attributes' current names (kept in step when one is renamed). */
function keyField(ctx, registry, definition, columns, rows) {
  const select = h('select', { id: 'prop-key', 'aria-describedby': 'prop-key-hint' });
  const attributes = definition.attributes || [];

  function fill(selectedIndex) {
    clear(select);
    select.append(h('option', { value: '' }, ctx.t('prop.key.none')));
    rows.forEach((row, index) => {
      const column = columnOf(columns, attributes[index].column || attributes[index].name);
      const unique = column && column.unique && !column.nulls;
      const name = row.name();
      select.append(h('option', { value: name, 'data-index': String(index) },
        unique ? ctx.t('prop.key.unique', { name }) : name));
    });
    select.selectedIndex = selectedIndex >= 0 ? selectedIndex + 1 : 0;
  }

  fill(attributes.findIndex((attribute) => attribute.name === definition.key));
  for (const row of rows) {
    row.nameInput.addEventListener('input', () => fill(select.selectedIndex - 1));
  }
  const errorBox = errorBoxFor('prop-key');
  registry.add('key', { control: select, label: ctx.t('prop.field.key'), errorBox, hintId: 'prop-key-hint' });
  return h('div', { class: 'ws-field prop-field' },
    h('label', { for: 'prop-key' }, ctx.t('prop.field.key')),
    h('p', { class: 'ws-hint', id: 'prop-key-hint' }, ctx.t('prop.field.key.hint')),
    select, errorBox);
}

function schemaSection(ctx, registry, definition, columns) {
  const attributes = definition.attributes || [];
  registry.attributeNames = attributes.map((attribute) => attribute.name);
  const rows = attributes.map((attribute, index) => attributeRow(
    ctx, registry, attribute, index, columnOf(columns, attribute.column || attribute.name),
  ));
  const headers = ['prop.schema.name', 'prop.schema.type', 'prop.schema.required', 'prop.schema.restricted',
    'prop.schema.titles', 'prop.schema.description'];
  const section = h('section', { class: 'prop-section', 'aria-labelledby': 'prop-schema' },
    h('h2', { id: 'prop-schema' }, ctx.t('prop.section.schema')),
    h('p', {}, ctx.t('prop.schema.intro')),
    h('table', { class: 'ws-table prop-schema' },
      h('caption', { class: 'ws-visually-hidden' }, ctx.t('prop.schema.caption')),
      h('thead', {}, h('tr', {}, headers.map((key) => h('th', { scope: 'col' }, ctx.t(key))))),
      h('tbody', {}, rows.map((row) => row.row))),
    keyField(ctx, registry, definition, columns, rows));
  return { section, readAttributes: () => rows.map((row) => row.read()) };
}

function accessSection(ctx, registry, definition) {
  const radios = radioGroup(ctx, registry, 'access', {
    id: 'prop-access',
    legend: ctx.t('prop.field.access'),
    value: definition.access || 'public',
    options: ['public', 'restricted'].map((value) => ({ value, label: ctx.t(`prop.access.${value}`) })),
  });
  return { section: h('section', { class: 'prop-section' }, radios.group), read: radios.value };
}

function styleSection(ctx, registry, definition, templates, preview) {
  const style = definition.style || {};
  const geometry = definition.geometry_type || '';
  const fitting = templates.templates.filter((template) => !template.geometryTypes
    || !geometry || template.geometryTypes.includes(geometry));
  const choices = fitting.length ? fitting : templates.templates;
  if (style.template && !choices.some((template) => template.id === style.template)) {
    choices.push({ id: style.template, title: {} });
  }
  const template = h('select', { id: 'prop-template' }, choices.map((choice) => h('option', {
    value: choice.id,
  }, (choice.title || {})[ctx.lang] || (choice.title || {}).en || choice.id)));
  if (style.template) template.value = style.template;
  const templateError = errorBoxFor('prop-template');
  registry.add('style.template', { control: template, label: ctx.t('prop.field.template'), errorBox: templateError });

  const colours = [...templates.colours];
  if (style.colour && !colours.includes(style.colour)) colours.unshift(style.colour);
  const colourRadios = radioGroup(ctx, registry, 'style.colour', {
    id: 'prop-colour',
    legend: ctx.t('prop.field.colour'),
    value: style.colour || colours[0],
    className: 'prop-colours',
    options: colours.map((colour) => {
      const chip = h('span', { class: 'prop-chip', 'aria-hidden': 'true' });
      chip.style.backgroundColor = colour; // CSSOM, not a style attribute: allowed by the CSP
      return { value: colour, label: h('span', { class: 'ws-visually-hidden' }, ctx.t('prop.colour.option', { value: colour })), decoration: chip };
    }),
  });
  if (!colourRadios.value() && colourRadios.inputs[0]) colourRadios.inputs[0].checked = true;

  const redraw = () => preview.update(template.value, colourRadios.value());
  template.addEventListener('change', redraw);
  for (const input of colourRadios.inputs) input.addEventListener('change', redraw);
  redraw();

  const section = h('section', { class: 'prop-section', 'aria-labelledby': 'prop-style' },
    h('h2', { id: 'prop-style' }, ctx.t('prop.section.style')),
    h('div', { class: 'prop-style-grid' },
      h('div', {},
        h('div', { class: 'ws-field prop-field' },
          h('label', { for: 'prop-template' }, ctx.t('prop.field.template')), template, templateError),
        colourRadios.group),
      preview.element));
  return { section, read: () => ({ ...style, template: template.value || null, colour: colourRadios.value() }) };
}

function licenseSection(ctx, registry, definition) {
  const license = definition.license || {};
  return h('section', { class: 'prop-section', 'aria-labelledby': 'prop-license' },
    h('h2', { id: 'prop-license' }, ctx.t('prop.section.license')),
    textField(registry, 'license.name', { id: 'prop-license-name', label: ctx.t('prop.field.licenseName'), value: license.name }),
    textField(registry, 'license.url', { id: 'prop-license-url', label: ctx.t('prop.field.licenseUrl'), value: license.url }),
    textField(registry, 'attribution', {
      id: 'prop-attribution', label: ctx.t('prop.field.attribution'), value: definition.attribution,
      hint: ctx.t('prop.field.attribution.hint'),
    }));
}

async function layerTemplates(ctx, definition) {
  try {
    const answer = await ctx.api.get('/layer-templates');
    return { templates: answer.templates || [], colours: answer.colours || [] };
  } catch (error) {
    const style = definition.style || {};
    return { templates: style.template ? [{ id: style.template, title: {} }] : [], colours: style.colour ? [style.colour] : [] };
  }
}

/**
 * The form of `proposal`'s definition (its fields disabled unless `editable`), and what the view
 * needs of it: the field `registry` (to show errors), `collect()` (the definition as edited) and
 * `startPreview()` (draws the style's preview once the form is in the page).
 */
export async function definitionForm(ctx, proposal, { editable, legend }) {
  const definition = proposal.definition || {};
  const columns = (proposal.file || {}).columns || [];
  const registry = new FieldRegistry();
  const templates = await layerTemplates(ctx, definition);
  const preview = stylePreview(ctx, proposal);
  const schema = schemaSection(ctx, registry, definition, columns);
  const access = accessSection(ctx, registry, definition);
  const style = styleSection(ctx, registry, definition, templates, preview);
  const form = h('form', { class: 'prop-form', id: 'prop-form', novalidate: true },
    h('fieldset', { class: 'prop-form-body', disabled: !editable },
      h('legend', { class: 'ws-visually-hidden' }, legend),
      identitySection(ctx, registry, definition),
      schema.section,
      access.section,
      style.section,
      licenseSection(ctx, registry, definition)));

  function collect() {
    const value = (id) => form.querySelector(`#${id}`).value.trim();
    const text = (prefix) => Object.fromEntries(LANGUAGES.map((code) => [code, value(`prop-${prefix}-${code}`)]));
    return {
      ...definition,
      id: value('prop-id'),
      title: text('title'),
      description: text('description'),
      keywords: value('prop-keywords').split(/[,;]/).map((word) => word.trim()).filter(Boolean),
      attributes: schema.readAttributes(),
      key: form.querySelector('#prop-key').value || null,
      access: access.read(),
      style: style.read(),
      license: { ...(definition.license || {}), name: value('prop-license-name'), url: value('prop-license-url') },
      attribution: value('prop-attribution'),
    };
  }

  return { form, registry, collect, startPreview: () => preview.load() };
}
