// Feature details: a click or tap on the map (or a choice in the list view) opens the feature's
// attributes, labelled in the page language from the layer's schema, with its layer, department,
// last update and attribution, and links to its page and its data. Several features under the
// pointer: a list to choose from. The chosen feature is highlighted on the map.
import {
  announce, api, bus, busyWhile, config, element, formatDate, formatNumber, lang, openPanel, t,
} from './core.js';
import {
  groupOf, isPicking, mapReady, removeOverlay, showOverlay,
} from './map.js';

const body = document.getElementById('details-body');
const layerInfo = new Map(config.layers.map((layer) => [layer.id, layer]));
const schemas = new Map(); // layer id -> Promise<schema|null>
const collections = new Map(); // layer id -> Promise<collection|null>
const LANG_SUFFIX = /_(kk|ru|en)$/;
const HIDDEN = new Set(['geometry']);
const HIGHLIGHT = 'highlight';
let lastChoices = null;
let shown = null;

// ---- naming ------------------------------------------------------------------------------------

/** A feature's name in the page language: its name, address or category, else "<layer> (no name)". */
export function featureName(properties, layerId) {
  const p = properties || {};
  const pick = (base) => p[`${base}_${lang}`] || p[base];
  const street = pick('street');
  const address = street && p.housenumber ? `${street}, ${p.housenumber}` : (p.address || null);
  const name = pick('name') || address || pick('category') || p.tracking_id;
  return name ? String(name) : t('details.unnamed', { layer: layerTitle(layerId) });
}

function layerTitle(layerId) {
  return (layerInfo.get(layerId) || {}).title || layerId;
}

/** The id GeoHub's API knows a feature by (the layer's key attribute, else the tile's id). */
export function featureId(properties, layerId, fallback) {
  const key = (layerInfo.get(layerId) || {}).key;
  const value = key && properties ? properties[key] : null;
  return value !== null && value !== undefined ? String(value) : (fallback !== undefined ? String(fallback) : null);
}

// ---- reading what GeoHub knows about a layer -----------------------------------------------------

function schemaOf(layerId) {
  if (!schemas.has(layerId)) {
    schemas.set(layerId, api(`/collections/${encodeURIComponent(layerId)}/schema`).catch(() => null));
  }
  return schemas.get(layerId);
}

function collectionOf(layerId) {
  if (!collections.has(layerId)) {
    collections.set(layerId, api(`/collections/${encodeURIComponent(layerId)}`, { query: { f: 'json' } }).catch(() => null));
  }
  return collections.get(layerId);
}

// ---- values ------------------------------------------------------------------------------------

function safeLink(value) {
  try {
    const url = new URL(String(value), window.location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

// Identifiers are written as they are, never grouped like quantities ("3072130", not "3 072 130")
const IDENTIFIER = /(^|_)(id|ref|osm|code|number|no)(_|$)/;

/** A value as the page language writes it: numbers, dates, yes/no, http(s) links; text otherwise. */
function formatValue(value, property = {}, name = '') {
  if (value === null || value === undefined || value === '') return t('details.none');
  if (Array.isArray(value)) {
    const parts = value.map((each) => formatValue(each, {}));
    const node = element('span');
    parts.forEach((part, index) => { if (index) node.append(', '); node.append(part); });
    return node;
  }
  if (typeof value === 'boolean' || property.type === 'boolean') {
    const truthy = value === true || value === 'true' || value === 1 || value === 'yes';
    return t(truthy ? 'details.yes' : 'details.no');
  }
  if (typeof value === 'number' && IDENTIFIER.test(name)) return String(value);
  if (typeof value === 'number') {
    return formatNumber(value, { maximumFractionDigits: Number.isInteger(value) ? 0 : 2 });
  }
  const text = String(value);
  if (property.format === 'date' || property.format === 'date-time' || /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    return formatDate(text);
  }
  if (/^https?:\/\//i.test(text) || (property.format === 'uri' && text.startsWith('/'))) {
    const url = safeLink(text);
    if (url) return element('a', { href: url.href, rel: 'noopener noreferrer' }, text);
  }
  if (text === 'yes' || text === 'no') return t(text === 'yes' ? 'details.yes' : 'details.no');
  return text;
}

// Codes some attributes hold, said in words: a report's status (the report part's texts), a district
// by its name in the page language (from the districts layer).
const VALUE_TEXTS = { 'reports/status': 'report.status.' };
let districts = null;

function districtNames() {
  if (!districts) {
    districts = api('/collections/districts/items', {
      query: { f: 'json', skipGeometry: 'true', limit: 100, properties: `slug,name,name_${lang}` },
    }).then((answer) => new Map(answer.features.map((feature) => {
      const p = feature.properties;
      return [p.slug, p[`name_${lang}`] || p.name];
    }))).catch(() => new Map());
  }
  return districts;
}

function valueInWords(layer, name, value, districtsByCode) {
  const prefix = VALUE_TEXTS[`${layer}/${name}`];
  if (prefix && typeof value === 'string') {
    const text = t(`${prefix}${value}`);
    if (text !== `${prefix}${value}`) return text;
  }
  if (name === 'district' && districtsByCode.has(value)) return districtsByCode.get(value);
  return value;
}

/** Rows [label, value] of the attributes: a `name` shown in the page language, not once per language. */
function attributeRows(layer, properties, schema, districtsByCode) {
  const described = (schema && schema.properties) || {};
  const names = Object.keys(properties);
  const bases = new Set(names.filter((name) => LANG_SUFFIX.test(name)).map((name) => name.replace(LANG_SUFFIX, '')));
  const rows = [];
  const order = Object.keys(described).filter((name) => name in properties);
  for (const name of [...order, ...names.filter((n) => !(n in described))]) {
    if (HIDDEN.has(name)) continue;
    const base = name.replace(LANG_SUFFIX, '');
    if (LANG_SUFFIX.test(name) && bases.has(base) && (base in properties || name !== `${base}_${lang}`)) continue;
    let value = properties[name];
    let property = described[name] || {};
    const localized = `${name}_${lang}`;
    if (bases.has(name) && properties[localized]) {
      // the value in the page language, under its title without "(in Kazakh)"
      value = properties[localized];
      const title = (described[localized] || {}).title;
      if (title) property = { ...property, title: title.replace(/\s*\([^)]*\)\s*$/, '') };
    }
    if (value === null || value === undefined || value === '') continue;
    rows.push([property.title || name, formatValue(valueInWords(layer, name, value, districtsByCode), property, name)]);
  }
  return rows;
}

// ---- the panel ---------------------------------------------------------------------------------

function highlight(geometry) {
  if (!geometry) {
    removeOverlay(HIGHLIGHT);
    return;
  }
  showOverlay(HIGHLIGHT, { type: 'Feature', geometry, properties: {} }, [
    { id: 'fill', type: 'fill', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#ffd21f', 'fill-opacity': 0.25 } },
    { id: 'casing', type: 'line', filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': '#1a1f24', 'line-width': 7, 'line-opacity': 0.85 } },
    { id: 'line', type: 'line', filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': '#ffd21f', 'line-width': 3.5 } },
    { id: 'point', type: 'circle', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 11, 'circle-color': 'rgba(255,210,31,0.35)', 'circle-stroke-color': '#1a1f24', 'circle-stroke-width': 3 } },
  ]);
}

function aboutBlock(layerId, collection) {
  const info = layerInfo.get(layerId) || {};
  const fresh = collection && collection['geohub:freshness'];
  const rows = [
    [t('details.layer'), info.title || layerId],
    [t('details.department'), info.department || (collection && collection.department) || ''],
    [t('details.updated'), fresh && fresh.published ? formatDate(fresh.published) : t('layers.unpublished')],
    [t('details.attribution'), info.attribution || (collection && collection.attribution) || ''],
  ];
  const licence = info.license && info.license.name;
  const list = element('dl');
  for (const [term, value] of rows) if (value) list.append(element('dt', {}, term), element('dd', {}, value));
  if (licence) {
    const url = info.license.url && safeLink(info.license.url);
    list.append(element('dt', {}, t('details.licence')),
      element('dd', {}, url ? element('a', { href: url.href, rel: 'noopener noreferrer' }, licence) : licence));
  }
  return element('section', { className: 'details-about', 'aria-label': t('details.about') }, list);
}

/** Show one feature {layer, id, properties, geometry}: fetched in full, labelled from its schema. */
export async function showDetails(feature, { fromChoices = false } = {}) {
  openPanel('details');
  shown = feature;
  const { layer } = feature;
  const base = `/collections/${encodeURIComponent(layer)}/items/${encodeURIComponent(feature.id)}`;
  body.replaceChildren(element('p', { className: 'busy' }, t('busy')));
  const [schema, collection, item, districtsByCode] = await busyWhile(body, Promise.all([
    schemaOf(layer),
    collectionOf(layer),
    feature.id ? api(base, { query: { f: 'json' } }).catch(() => null) : Promise.resolve(null),
    districtNames(),
  ]));
  if (shown !== feature) return;
  const properties = (item && item.properties) || feature.properties || {};
  const name = featureName(properties, layer);
  const table = element('table', { className: 'details-table' },
    element('caption', { className: 'visually-hidden' }, t('details.attributes')),
    element('tbody', {}, attributeRows(layer, properties, schema, districtsByCode).map(([label, value]) => element('tr', {},
      element('th', { scope: 'row' }, label), element('td', {}, value)))));
  const links = element('ul', { className: 'details-links' });
  if (feature.id) {
    links.append(
      element('li', {}, element('a', { href: `${base}?f=html&lang=${lang}` }, t('details.page'))),
      element('li', {}, element('a', { href: `${base}?f=json`, type: 'application/geo+json' }, t('details.json'))),
    );
  }
  const parts = [];
  if (fromChoices && lastChoices) {
    parts.push(element('button', { type: 'button', className: 'link-button', onclick: () => showChoices(lastChoices) },
      `← ${t('details.back')}`));
  }
  parts.push(
    element('p', { className: 'details-layer' }, layerTitle(layer)),
    element('h3', { className: 'details-name' }, name),
    table,
    aboutBlock(layer, collection),
    links,
  );
  body.replaceChildren(...parts);
  highlight((item && item.geometry) || feature.geometry || null);
  announce(t('details.opened', { name }));
}

/** Several features under the pointer: a list of buttons, one per feature. */
export function showChoices(features) {
  lastChoices = features;
  shown = null;
  openPanel('details');
  highlight(null);
  const items = features.map((feature) => element('li', {}, element('button', {
    type: 'button',
    className: 'details-choice',
    onclick: () => showDetails(feature, { fromChoices: true }),
  }, element('span', {}, featureName(feature.properties, feature.layer)), element('small', {}, layerTitle(feature.layer)))));
  body.replaceChildren(
    element('p', {}, t('details.choose', { n: features.length })),
    element('ul', { className: 'details-choices' }, items),
  );
  announce(t('details.choose', { n: features.length }));
}

// ---- clicks on the map ---------------------------------------------------------------------------

/** The distinct overlay features rendered around a point (by layer and id). */
export function featuresAt(map, point, radius = 5) {
  const box = [[point.x - radius, point.y - radius], [point.x + radius, point.y + radius]];
  const layers = map.getStyle().layers.filter((layer) => layer.source === 'city').map((layer) => layer.id);
  const seen = new Map();
  for (const feature of map.queryRenderedFeatures(box, { layers })) {
    const layer = groupOf(feature.layer);
    if (!layerInfo.has(layer)) continue;
    const id = featureId(feature.properties, layer, feature.id);
    const key = `${layer}/${id ?? JSON.stringify(feature.properties)}`;
    if (!seen.has(key)) seen.set(key, { layer, id, properties: feature.properties, geometry: null });
  }
  return [...seen.values()];
}

mapReady.then((map) => {
  map.on('click', (event) => {
    if (isPicking()) return;
    const features = featuresAt(map, event.point);
    if (features.length === 1) showDetails(features[0]);
    else if (features.length > 1) showChoices(features.slice(0, 20));
  });
  const layers = () => map.getStyle().layers.filter((layer) => layer.source === 'city').map((layer) => layer.id);
  map.on('mousemove', (event) => {
    if (isPicking()) return;
    const hit = map.queryRenderedFeatures(event.point, { layers: layers() }).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
});

bus.addEventListener('panel-close', (event) => {
  if (event.detail.name === 'details') {
    shown = null;
    highlight(null);
  }
});
