// One new layer proposal (#/proposals/<n>): the definition form (id, titles and descriptions in
// kk/ru/en, keywords, the schema as a table, the key, access, style template and colour with a
// live preview, licence and attribution), the server's 422 errors beside each field and in a
// summary linking to them, save, submit and withdraw; for an administrator, approve or reject,
// then links to the new layer on the map and to its collection page.
import { clear, formatDate, formatNumber, h } from '../dom.js';
import {
  departmentName, failure, proposalTitle, statusBadge, uploadedGeoJson,
} from './proposals.js';

const LANGUAGES = ['kk', 'ru', 'en'];
const TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'datetime'];
const EDITABLE = new Set(['draft', 'rejected']);
const WITHDRAWABLE = new Set(['draft', 'submitted', 'rejected']);
const SVG = 'http://www.w3.org/2000/svg';
const PREVIEW_MAX_FEATURES = 2000;

function isAdmin(ctx) {
  return ctx.principal && ctx.principal.role === 'admin';
}

/** A publisher of the proposal's department (or an admin, for editing). */
function ownDepartment(ctx, proposal, { admins = true } = {}) {
  if (admins && isAdmin(ctx)) return true;
  return ['publisher', 'admin'].includes(ctx.principal.role) && ctx.principal.department === proposal.department;
}

/** Where the proposal's sample features are, when the server offers them (GeoJSON in WGS84). */
function featuresUrl(proposal) {
  const links = proposal.links || {};
  const file = proposal.file || {};
  return links.features || file.featuresUrl || null;
}

function templateKind(template, geometryType) {
  const id = String(template || '');
  if (id.startsWith('point')) return 'points';
  if (id.startsWith('line')) return 'lines';
  if (id.startsWith('area')) return 'areas';
  if (/Point/.test(geometryType || '')) return 'points';
  if (/LineString/.test(geometryType || '')) return 'lines';
  return 'areas';
}

// ---- fields and their errors ---------------------------------------------------------------------

/** The form's fields by their path in the definition (`title.kk`, `attributes.2.type`), so a
 *  422 error's `field` finds its input, its label and its error box. */
class FieldRegistry {
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

function errorBoxFor(id) {
  return h('p', { class: 'prop-field-error', id: `${id}-error`, hidden: true });
}

/** A labelled text input or textarea with an optional hint and its error box. */
function textField(registry, path, { id, label, value, hint = null, lang = null, multiline = false, required = false }) {
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
function errorLinks(ctx, registry, errors) {
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

// ---- the style preview: the file's features over the basemap, or a drawn swatch ------------------

let mapLibrary = null;
let previewMap = null; // one preview map at a time: its WebGL context goes when the view does

function removePreviewMap() {
  if (previewMap) previewMap.remove();
  previewMap = null;
}

function loadMapLibrary(ctx) {
  const css = ctx.config.urls.maplibreCss;
  if (css && !document.querySelector(`link[href="${css}"]`)) {
    document.head.append(h('link', { rel: 'stylesheet', href: css }));
  }
  if (!mapLibrary) mapLibrary = import(ctx.config.urls.maplibre);
  return mapLibrary;
}

function previewLayers(kind, colour) {
  if (kind === 'points') {
    return [{
      id: 'proposal-points', type: 'circle', source: 'proposal',
      paint: { 'circle-color': colour, 'circle-radius': 6, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 },
    }];
  }
  if (kind === 'lines') {
    return [{ id: 'proposal-lines', type: 'line', source: 'proposal', paint: { 'line-color': colour, 'line-width': 3 } }];
  }
  return [
    { id: 'proposal-fill', type: 'fill', source: 'proposal', paint: { 'fill-color': colour, 'fill-opacity': 0.35 } },
    { id: 'proposal-outline', type: 'line', source: 'proposal', paint: { 'line-color': colour, 'line-width': 1.5 } },
  ];
}

function svg(tag, attrs) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  return element;
}

function swatch(kind, colour) {
  // decorative: the figure's caption says what it shows
  const picture = svg('svg', { viewBox: '0 0 120 72', width: '120', height: '72', 'aria-hidden': 'true', focusable: 'false' });
  picture.append(svg('rect', { x: 0, y: 0, width: 120, height: 72, fill: '#f2efe9' }));
  if (kind === 'points') {
    for (const [x, y] of [[28, 42], [60, 24], [92, 48]]) {
      picture.append(svg('circle', { cx: x, cy: y, r: 7, fill: colour, stroke: '#ffffff', 'stroke-width': 2 }));
    }
  } else if (kind === 'lines') {
    picture.append(svg('polyline', {
      points: '8,58 40,30 72,44 112,14', fill: 'none', stroke: colour, 'stroke-width': 4, 'stroke-linejoin': 'round',
    }));
  } else {
    picture.append(svg('polygon', {
      points: '14,60 22,14 84,10 108,40 70,64', fill: colour, 'fill-opacity': 0.35, stroke: colour, 'stroke-width': 2,
    }));
  }
  return picture;
}

/** The features of a GeoJSON FeatureCollection that have a geometry, at most PREVIEW_MAX_FEATURES. */
function sampleOf(collection) {
  const features = collection && Array.isArray(collection.features) ? collection.features : [];
  const drawn = features.filter((feature) => feature && feature.geometry && feature.geometry.type)
    .slice(0, PREVIEW_MAX_FEATURES)
    .map((feature) => ({ type: 'Feature', geometry: feature.geometry, properties: {} }));
  return { type: 'FeatureCollection', features: drawn };
}

/** The preview of the chosen template and colour; `update(template, colour)` redraws it. */
function stylePreview(ctx, proposal) {
  const box = h('div', { class: 'prop-preview-box', 'data-kind': 'swatch' });
  const caption = h('figcaption', { class: 'ws-hint' }, ctx.t('prop.preview.swatch'));
  const figure = h('figure', { class: 'prop-preview' }, box, caption);
  const geometryType = (proposal.definition || {}).geometry_type;
  let state = { template: null, colour: '#1b7837' };
  let map = null;
  let mapReady = false; // the basemap loaded and the features' source added

  function drawSwatch() {
    if (map) return;
    clear(box);
    box.dataset.kind = 'swatch';
    caption.textContent = ctx.t('prop.preview.swatch');
    box.append(swatch(templateKind(state.template, geometryType), state.colour));
  }

  function paintMap() {
    if (!map || !mapReady) return;
    for (const id of ['proposal-points', 'proposal-lines', 'proposal-fill', 'proposal-outline']) {
      if (map.getLayer(id)) map.removeLayer(id);
    }
    for (const layer of previewLayers(templateKind(state.template, geometryType), state.colour)) map.addLayer(layer);
  }

  async function startMap(features) {
    const { Map: MapLibreMap } = await loadMapLibrary(ctx);
    const bbox = (proposal.file || {}).bbox;
    clear(box);
    const container = h('div', { class: 'prop-preview-map', 'data-state': 'loading' });
    box.dataset.kind = 'map';
    box.append(container);
    caption.textContent = ctx.t('prop.preview.label');
    const options = {
      container, style: ctx.config.urls.basemapStyle, interactive: false, attributionControl: { compact: true },
      maplibreLogo: false, fadeDuration: 0,
      locale: {
        'Map.Title': ctx.t('prop.preview.label'),
        'AttributionControl.ToggleAttribution': ctx.t('prop.map.attribution'),
      },
    };
    if (Array.isArray(bbox) && bbox.length >= 4 && (bbox[2] > bbox[0] || bbox[3] > bbox[1])) {
      options.bounds = [[bbox[0], bbox[1]], [bbox[2], bbox[3]]];
      options.fitBoundsOptions = { padding: { top: 24, left: 24, right: 24, bottom: 44 }, maxZoom: 16 };
    } else if (Array.isArray(bbox) && bbox.length >= 2) {
      options.center = [bbox[0], bbox[1]];
      options.zoom = 15;
    } else {
      options.center = [76.95, 43.25];
      options.zoom = 11;
    }
    removePreviewMap();
    map = new MapLibreMap(options);
    previewMap = map;
    window.addEventListener('hashchange', removePreviewMap, { once: true });
    map.on('load', () => {
      map.addSource('proposal', { type: 'geojson', data: features });
      mapReady = true;
      paintMap();
    });
    map.on('idle', () => { container.dataset.state = 'idle'; });
  }

  async function load() {
    drawSwatch();
    const url = featuresUrl(proposal);
    const file = uploadedGeoJson.get(proposal.id);
    if ((!url && !file) || !ctx.config.urls || !ctx.config.urls.maplibre) return; // the swatch says enough
    try {
      const features = url ? await ctx.api.get(url) : sampleOf(JSON.parse(await file.text()));
      if (features && features.features.length) await startMap(features);
    } catch (error) {
      console.warn('style preview:', error);
      map = null;
      drawSwatch();
    }
  }

  return {
    element: figure,
    load,
    update(template, colour) {
      state = { template, colour };
      if (map) paintMap();
      else drawSwatch();
    },
  };
}

// ---- the form --------------------------------------------------------------------------------------

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

function radioGroup(ctx, registry, path, { id, legend, options, value, className = '' }) {
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

// ---- parts of the page -----------------------------------------------------------------------------

function metaList(ctx, proposal) {
  const file = proposal.file || {};
  const rows = [
    ['prop.meta.status', statusBadge(ctx, proposal.status)],
    ['prop.meta.department', departmentName(ctx, proposal.department)],
    ['prop.meta.proposedBy', proposal.proposedBy],
    ['prop.meta.created', formatDate(proposal.created)],
    ['prop.meta.updated', formatDate(proposal.updated)],
    ['prop.meta.file', file.name ? ctx.t('prop.meta.fileSummary', {
      name: file.name, n: typeof file.features === 'number' ? formatNumber(file.features) : '?',
    }) : null],
  ];
  if (proposal.decidedBy) {
    rows.push(['prop.decide.title', `${proposal.decidedBy}, ${formatDate(proposal.decided)}`]);
  }
  return h('dl', { class: 'prop-meta', 'aria-label': ctx.t('prop.meta.label') },
    rows.filter(([, value]) => value).map(([key, value]) => h('div', {}, h('dt', {}, ctx.t(key)), h('dd', {}, value))));
}

function mapLink(ctx, proposal) {
  const layer = proposal.layer;
  const bbox = (proposal.file || {}).bbox;
  let place = '';
  if (Array.isArray(bbox) && bbox.length >= 4) {
    const lon = (bbox[0] + bbox[2]) / 2;
    const lat = (bbox[1] + bbox[3]) / 2;
    const span = Math.max(bbox[2] - bbox[0], bbox[3] - bbox[1], 0.002);
    const zoom = Math.max(10, Math.min(16, Math.floor(Math.log2(360 / span))));
    place = `map=${zoom}/${lat.toFixed(5)}/${lon.toFixed(5)}&`;
  }
  return `${ctx.config.urls.map}#${place}layers=${encodeURIComponent(layer)}`;
}

function approvedLinks(ctx, proposal) {
  const base = ctx.config.urls.api || '';
  return h('section', { class: 'prop-section prop-links', 'aria-labelledby': 'prop-links' },
    h('h2', { id: 'prop-links' }, ctx.t('prop.links.title')),
    h('ul', {},
      h('li', {}, h('a', { href: mapLink(ctx, proposal), id: 'prop-map-link' },
        ctx.t('prop.links.map', { title: proposalTitle(ctx, proposal) }))),
      h('li', {}, h('a', { href: `${base}/collections/${encodeURIComponent(proposal.layer)}?f=html`, id: 'prop-collection-link' },
        ctx.t('prop.links.collection')))));
}

// ---- the view ----------------------------------------------------------------------------------------

async function renderProposal(ctx, number) {
  const main = ctx.main;
  const heading = h('h1', { tabindex: '-1' }, ctx.t('prop.loading'));
  main.append(h('p', { class: 'prop-back' }, h('a', { href: '#/proposals' }, ctx.t('prop.back'))), heading);
  let proposal;
  try {
    proposal = await ctx.api.get(`/layer-proposals/${encodeURIComponent(number)}`);
  } catch (error) {
    if (error && error.status === 401) throw error;
    heading.textContent = ctx.t('prop.list.title');
    const detail = (error && error.problem && error.problem.detail) || (error && error.message) || '';
    main.append(h('p', { class: 'ws-error', role: 'alert' }, ctx.t('prop.loadFailed', { detail })));
    return;
  }
  const definition = proposal.definition || {};
  const columns = (proposal.file || {}).columns || [];
  const title = ctx.t('prop.view.title', { n: proposal.id, title: proposalTitle(ctx, proposal) });
  heading.textContent = title;
  ctx.setTitle(title);

  const editable = EDITABLE.has(proposal.status) && ownDepartment(ctx, proposal);
  const registry = new FieldRegistry();
  const summary = h('div', { class: 'prop-error-summary', id: 'prop-error-summary', tabindex: '-1', hidden: true });
  const status = h('p', { class: 'prop-action-status', role: 'status', 'aria-live': 'polite' });
  main.append(summary, metaList(ctx, proposal));

  if (proposal.status === 'rejected' && proposal.reason) {
    main.append(h('div', { class: 'ws-warning prop-reason' },
      h('p', {}, h('strong', {}, `${ctx.t('prop.meta.reason')}: `), h('span', { id: 'prop-reason-text' }, proposal.reason))));
  }
  if (proposal.status === 'approved' && proposal.layer) main.append(approvedLinks(ctx, proposal));
  if (!editable) {
    main.append(h('p', { class: 'ws-notice' },
      ctx.t(proposal.status === 'submitted' ? 'prop.readonlySubmitted' : 'prop.readonly')));
  }

  const problemsBox = h('div', { class: 'prop-problems', id: 'prop-problems' });
  if (editable) main.append(problemsBox);

  const templates = await layerTemplates(ctx, definition);
  const preview = stylePreview(ctx, proposal);
  const schema = schemaSection(ctx, registry, definition, columns);
  const access = accessSection(ctx, registry, definition);
  const style = styleSection(ctx, registry, definition, templates, preview);
  const form = h('form', { class: 'prop-form', id: 'prop-form', novalidate: true },
    h('fieldset', { class: 'prop-form-body', disabled: !editable },
      h('legend', { class: 'ws-visually-hidden' }, title),
      identitySection(ctx, registry, definition),
      schema.section,
      access.section,
      style.section,
      licenseSection(ctx, registry, definition)));
  main.append(form);
  preview.load();

  function showProblems(problems) {
    clear(problemsBox);
    if (!problems || !problems.length) return;
    problemsBox.append(h('h2', { id: 'prop-problems-title' }, ctx.t('prop.problems.title')),
      h('p', {}, ctx.t('prop.problems.intro')), errorLinks(ctx, registry, problems));
  }
  if (editable) showProblems(proposal.problems);

  function showErrors(errors, detail) {
    const shown = registry.showErrors(errors);
    clear(summary);
    const count = Math.max(shown.length, 1);
    summary.append(h('h2', { id: 'prop-error-summary-title' }, ctx.t('prop.errors.title', { n: count })));
    if (shown.length) summary.append(errorLinks(ctx, registry, shown));
    else summary.append(h('p', {}, detail));
    summary.hidden = false;
    summary.focus();
  }

  function clearErrors() {
    registry.clearErrors();
    clear(summary);
    summary.hidden = true;
  }

  function collect() {
    const value = (id) => main.querySelector(`#${id}`).value.trim();
    const text = (prefix) => Object.fromEntries(LANGUAGES.map((code) => [code, value(`prop-${prefix}-${code}`)]));
    return {
      ...definition,
      id: value('prop-id'),
      title: text('title'),
      description: text('description'),
      keywords: value('prop-keywords').split(/[,;]/).map((word) => word.trim()).filter(Boolean),
      attributes: schema.readAttributes(),
      key: main.querySelector('#prop-key').value || null,
      access: access.read(),
      style: style.read(),
      license: { ...(definition.license || {}), name: value('prop-license-name'), url: value('prop-license-url') },
      attribution: value('prop-attribution'),
    };
  }

  /** Run `action`; a 422's errors go beside their fields, anything else into the status line. */
  async function attempt(button, busyText, action, line = status) {
    const buttons = [...main.querySelectorAll('.prop-actions button')];
    buttons.forEach((each) => { each.disabled = true; });
    const label = button.textContent;
    if (busyText) button.textContent = busyText;
    line.className = 'prop-action-status';
    line.textContent = busyText || '';
    try {
      return await action();
    } catch (error) {
      if (error && error.status === 401) throw error;
      const errors = (error && error.problem && Array.isArray(error.problem.errors)) ? error.problem.errors : [];
      if (error && error.status === 422 && errors.length) {
        line.textContent = '';
        showErrors(errors, failure(ctx, error));
      } else {
        line.className = 'prop-action-status ws-error';
        line.textContent = failure(ctx, error);
      }
      return null;
    } finally {
      button.textContent = label;
      buttons.forEach((each) => { each.disabled = false; });
    }
  }

  async function save() {
    const saved = await ctx.api.put(`/layer-proposals/${proposal.id}`, { definition: collect() });
    proposal = saved;
    clearErrors();
    showProblems(saved.problems);
    const titled = ctx.t('prop.view.title', { n: saved.id, title: proposalTitle(ctx, saved) });
    heading.textContent = titled;
    ctx.setTitle(titled);
    return saved;
  }

  const actions = h('div', { class: 'prop-actions', role: 'group', 'aria-label': ctx.t('prop.actions') });
  if (editable) {
    const saveButton = h('button', { type: 'submit', class: 'ws-button', id: 'prop-save' }, ctx.t('prop.save'));
    const submitButton = h('button', { type: 'button', class: 'ws-button ws-button-primary', id: 'prop-submit' }, ctx.t('prop.submit'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const saved = await attempt(saveButton, ctx.t('prop.saving'), save);
      if (saved) {
        status.textContent = ctx.t('prop.saved');
        ctx.announce(ctx.t('prop.saved'));
      }
    });
    submitButton.addEventListener('click', async () => {
      const submitted = await attempt(submitButton, ctx.t('prop.saving'), async () => {
        await save();
        return ctx.api.post(`/layer-proposals/${proposal.id}/submit`, {});
      });
      if (submitted) {
        ctx.navigate(`#/proposals/${proposal.id}`);
        ctx.announce(ctx.t('prop.submitted'));
      }
    });
    actions.append(saveButton, submitButton);
  }
  // an admin withdraws the proposals they made; another department's they reject, with a reason
  const mine = ownDepartment(ctx, proposal, { admins: false }) || proposal.proposedBy === ctx.principal.user;
  if (WITHDRAWABLE.has(proposal.status) && mine) {
    actions.append(withdrawControl(ctx, proposal, attempt));
  }
  if (actions.childNodes.length) form.append(actions, status);
  else form.append(status);
  if (isAdmin(ctx) && proposal.status === 'submitted') main.append(decisionSection(ctx, proposal, attempt));
}

function withdrawControl(ctx, proposal, attempt) {
  const box = h('div', { class: 'prop-withdraw' });
  const start = h('button', { type: 'button', class: 'ws-button ws-button-danger', id: 'prop-withdraw' }, ctx.t('prop.withdraw'));
  const question = h('div', { class: 'prop-confirm', hidden: true, tabindex: '-1', role: 'group', 'aria-labelledby': 'prop-withdraw-question' },
    h('p', { id: 'prop-withdraw-question' }, ctx.t('prop.withdraw.confirm')));
  const yes = h('button', { type: 'button', class: 'ws-button ws-button-danger', id: 'prop-withdraw-yes' }, ctx.t('prop.withdraw.yes'));
  const no = h('button', { type: 'button', class: 'ws-button', id: 'prop-withdraw-no' }, ctx.t('prop.withdraw.no'));
  question.append(h('p', { class: 'prop-confirm-buttons' }, yes, ' ', no));
  start.addEventListener('click', () => {
    start.hidden = true;
    question.hidden = false;
    yes.focus();
  });
  no.addEventListener('click', () => {
    question.hidden = true;
    start.hidden = false;
    start.focus();
  });
  yes.addEventListener('click', async () => {
    const done = await attempt(yes, null, async () => {
      await ctx.api.delete(`/layer-proposals/${proposal.id}`);
      return true;
    });
    if (done) {
      ctx.navigate('#/proposals');
      ctx.announce(ctx.t('prop.withdrawn'));
    }
  });
  box.append(start, question);
  return box;
}

function decisionSection(ctx, proposal, attempt) {
  const reason = h('textarea', { id: 'prop-reject-reason', rows: '3', 'aria-describedby': 'prop-reject-reason-hint' });
  const reasonError = h('p', { class: 'prop-field-error', id: 'prop-reject-reason-error', hidden: true });
  const approve = h('button', { type: 'button', class: 'ws-button ws-button-primary', id: 'prop-approve' }, ctx.t('prop.approve'));
  const reject = h('button', { type: 'button', class: 'ws-button ws-button-danger', id: 'prop-reject' }, ctx.t('prop.reject'));
  const status = h('p', { class: 'prop-action-status', role: 'status', 'aria-live': 'polite' });
  const section = h('section', { class: 'prop-section prop-decision', 'aria-labelledby': 'prop-decision' },
    h('h2', { id: 'prop-decision' }, ctx.t('prop.decide.title')),
    h('div', { class: 'prop-actions' }, approve),
    h('div', { class: 'ws-field prop-field' },
      h('label', { for: 'prop-reject-reason' }, ctx.t('prop.reason')),
      h('p', { class: 'ws-hint', id: 'prop-reject-reason-hint' }, ctx.t('prop.reason.hint')),
      reason, reasonError),
    h('div', { class: 'prop-actions' }, reject),
    status);

  function decided(answer, text) {
    if (!answer) return;
    ctx.navigate(`#/proposals/${proposal.id}`);
    ctx.announce(text);
  }
  const run = (button, busy, action) => attempt(button, busy, action, status);
  approve.addEventListener('click', async () => {
    const answer = await run(approve, ctx.t('prop.approving'), () => ctx.api.post(`/layer-proposals/${proposal.id}/approve`, {}));
    decided(answer, answer ? ctx.t('prop.approved', { id: answer.layer }) : '');
  });
  reject.addEventListener('click', async () => {
    const text = reason.value.trim();
    if (!text) {
      reasonError.textContent = ctx.t('prop.reason.required');
      reasonError.hidden = false;
      reason.setAttribute('aria-invalid', 'true');
      reason.setAttribute('aria-describedby', 'prop-reject-reason-error prop-reject-reason-hint');
      reason.focus();
      return;
    }
    reasonError.hidden = true;
    reason.removeAttribute('aria-invalid');
    reason.setAttribute('aria-describedby', 'prop-reject-reason-hint');
    const answer = await run(reject, null, () => ctx.api.post(`/layer-proposals/${proposal.id}/reject`, { reason: text }));
    decided(answer, ctx.t('prop.rejected'));
  });
  return section;
}

export default {
  id: 'proposal',
  routes: ['#/proposals/:n'],
  roles: ['publisher', 'admin'],
  nav: null,

  async render(ctx, params) {
    await renderProposal(ctx, params.n);
  },
};
