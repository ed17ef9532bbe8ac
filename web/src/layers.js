// The layer list: every overlay of the style, grouped by its source-layer, with the layer's title,
// an on/off checkbox, a legend drawn from the style itself (colours, and icons cut from the
// sprite), its department and how fresh its data is. The basemap always stays.
import {
  announce, api, bus, config, element, formatDate, onPanelOpen, t,
} from './core.js';
import {
  groupOf, isGroupVisible, layerGroups, mapReady, setGroupVisible,
} from './map.js';

const list = document.getElementById('layer-list');
const layerInfo = new Map(config.layers.map((layer) => [layer.id, layer]));
let freshness = null; // layer id -> geohub:freshness, once fetched
let sprite = null; // {index, url}

/** A layer's title in the page language (the id when GeoHub does not know it). */
export function layerTitle(id) {
  return (layerInfo.get(id) || {}).title || id;
}

// ---- legend rows from the style ------------------------------------------------------------------

function textOr(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

function humanize(values) {
  const list = (Array.isArray(values) ? values : [values]).map((value) => String(value).replace(/_/g, ' '));
  return list.length > 3 ? `${list.slice(0, 3).join(', ')}…` : list.join(', ');
}

/** Rows {label, value} of a paint/layout value: one per match/case/step output, or one. */
function rowsOf(styleLayer, value, fallbackLabel) {
  const id = styleLayer.id;
  if (!Array.isArray(value) || typeof value[0] !== 'string') {
    return [{ label: textOr(`legend.${id}`, fallbackLabel), value }];
  }
  const [operator] = value;
  const rows = [];
  if (operator === 'match') {
    for (let i = 2; i < value.length - 1; i += 2) {
      const inputs = value[i];
      const first = Array.isArray(inputs) ? inputs[0] : inputs;
      rows.push({ label: textOr(`legend.${id}.${first}`, humanize(inputs)), value: value[i + 1] });
    }
    rows.push({ label: textOr(`legend.${id}.other`, t('layers.other')), value: value[value.length - 1] });
  } else if (operator === 'case') {
    for (let i = 1; i < value.length - 1; i += 2) {
      rows.push({ label: textOr(`legend.${id}.${rows.length}`, fallbackLabel), value: value[i + 1] });
    }
    rows.push({ label: textOr(`legend.${id}.other`, t('layers.other')), value: value[value.length - 1] });
  } else if (operator === 'step') {
    rows.push({ label: textOr(`legend.${id}.start`, fallbackLabel), value: value[2] });
    for (let i = 3; i < value.length - 1; i += 2) {
      rows.push({ label: textOr(`legend.${id}.${value[i]}`, `≥ ${value[i]}`), value: value[i + 1] });
    }
  } else {
    return [{ label: textOr(`legend.${id}`, fallbackLabel), value: null }];
  }
  return rows;
}

function paint(styleLayer, name) {
  return (styleLayer.paint || {})[name];
}

/** The legend rows of one group: fills (with their outline), lines, circles and icons. */
function legendRows(group, styleLayers) {
  const title = layerTitle(group);
  const layers = styleLayers.filter((layer) => groupOf(layer) === group);
  const hasFill = layers.some((layer) => layer.type === 'fill');
  const outline = layers.find((layer) => layer.type === 'line' && typeof paint(layer, 'line-color') === 'string');
  const rows = [];
  for (const layer of layers) {
    if (layer.type === 'fill') {
      const border = outline ? paint(outline, 'line-color') : null;
      for (const row of rowsOf(layer, paint(layer, 'fill-color'), title)) rows.push({ ...row, kind: 'fill', border });
    } else if (layer.type === 'line' && !(hasFill && layer === outline)) {
      const dashed = Boolean(paint(layer, 'line-dasharray'));
      for (const row of rowsOf(layer, paint(layer, 'line-color'), title)) rows.push({ ...row, kind: 'line', dashed });
    } else if (layer.type === 'circle') {
      for (const row of rowsOf(layer, paint(layer, 'circle-color'), title)) rows.push({ ...row, kind: 'circle' });
    } else if (layer.type === 'symbol' && (layer.layout || {})['icon-image']) {
      const icon = layer.layout['icon-image'];
      if (hasFill && typeof icon === 'string') continue; // the fill says it already
      for (const row of rowsOf(layer, icon, title)) rows.push({ ...row, kind: 'icon' });
    }
  }
  const seen = new Set();
  return rows.filter((row) => {
    const key = `${row.kind}|${row.label}|${JSON.stringify(row.value)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function colour(value) {
  return typeof value === 'string' ? value : null;
}

function swatch(row) {
  const box = element('span', { className: `swatch swatch-${row.kind}`, 'aria-hidden': 'true' });
  const fill = colour(row.value);
  if (row.kind === 'fill' && fill) {
    box.style.backgroundColor = fill;
    box.style.borderColor = colour(row.border) || fill;
  } else if (row.kind === 'line' && fill) {
    box.style.borderTopColor = fill;
    if (row.dashed) box.style.borderTopStyle = 'dashed';
  } else if (row.kind === 'circle' && fill) {
    box.style.backgroundColor = fill;
  } else if (row.kind === 'icon' && typeof row.value === 'string' && sprite && sprite.index[row.value]) {
    const icon = sprite.index[row.value];
    box.style.backgroundImage = `url("${sprite.url}")`;
    box.style.backgroundPosition = `-${icon.x}px -${icon.y}px`;
    box.style.width = `${icon.width}px`;
    box.style.height = `${icon.height}px`;
  }
  return box;
}

// ---- freshness -----------------------------------------------------------------------------------

function freshnessText(fresh) {
  if (!fresh) return [];
  const parts = [];
  parts.push(fresh.published ? t('layers.updated', { date: formatDate(fresh.published) }) : t('layers.unpublished'));
  if (fresh.lastAttempt && fresh.lastAttempt.failed) parts.push({ failed: t('layers.syncFailed') });
  return parts;
}

async function loadFreshness() {
  try {
    const answer = await api('/collections', { query: { f: 'json' } });
    freshness = new Map(answer.collections.map((collection) => [collection.id, collection['geohub:freshness']]));
  } catch (error) {
    console.warn('layer freshness:', error.message);
    freshness = new Map();
  }
}

async function loadSprite() {
  try {
    const response = await fetch(`${config.urls.sprite}.json`);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const index = await response.json();
    sprite = { index, url: `${config.urls.sprite}.png` };
  } catch (error) {
    console.warn('sprite:', error.message);
    sprite = null;
  }
}

// ---- the list --------------------------------------------------------------------------------------

function layerItem(group, styleLayers) {
  const title = layerTitle(group);
  const info = layerInfo.get(group) || {};
  const visible = isGroupVisible(group);
  const checkbox = element('input', {
    type: 'checkbox', id: `layer-toggle-${group}`, dataset: { layer: group }, 'aria-describedby': `layer-meta-${group}`,
  });
  checkbox.checked = visible;
  const item = element('div', { className: 'layer-item', dataset: { layer: group, visible: String(visible) } },
    element('div', { className: 'layer-row' }, element('label', { for: checkbox.id }, checkbox, title)));
  const rows = legendRows(group, styleLayers);
  if (rows.length) {
    item.append(element('ul', { className: 'legend', 'aria-label': t('layers.legend', { layer: title }) },
      rows.map((row) => element('li', {}, swatch(row), row.label))));
  }
  const meta = element('p', { className: 'layer-meta', id: `layer-meta-${group}` });
  if (info.department) meta.append(element('span', {}, t('layers.department', { department: info.department })));
  for (const part of freshnessText(freshness && freshness.get(group))) {
    meta.append(typeof part === 'string' ? element('span', {}, part) : element('span', { className: 'failed' }, part.failed));
  }
  if (meta.childNodes.length) item.append(meta);
  checkbox.addEventListener('change', () => {
    setGroupVisible(group, checkbox.checked);
    item.dataset.visible = String(checkbox.checked);
    announce(t(checkbox.checked ? 'layers.shown' : 'layers.hidden', { layer: title }));
  });
  return item;
}

async function render() {
  const map = await mapReady;
  const styleLayers = map.getStyle().layers;
  const focusedId = document.activeElement && document.activeElement.id;
  list.replaceChildren(...layerGroups().map((group) => layerItem(group, styleLayers)));
  list.dataset.state = 'ready';
  list.setAttribute('aria-busy', 'false');
  if (focusedId && focusedId.startsWith('layer-toggle-')) {
    const again = document.getElementById(focusedId);
    if (again) again.focus();
  }
}

let loaded = null;

function ensureLoaded() {
  if (!loaded) {
    loaded = Promise.all([loadFreshness(), loadSprite(), mapReady]).then(render).catch((error) => {
      list.replaceChildren(element('p', { className: 'panel-error', role: 'alert' }, t('layers.unavailable')));
      list.dataset.state = 'failed';
      list.setAttribute('aria-busy', 'false');
      loaded = null;
      console.error(error);
    });
  }
  return loaded;
}

onPanelOpen('layers', () => { ensureLoaded(); });
bus.addEventListener('style-changed', () => { if (loaded) loaded.then(render); });
