// The list view, the map's text alternative: the features and reports in the visible part of the
// map, grouped by layer with counts, kept in step with the map (after it stops moving). Each item
// is a button that brings the map there and opens the feature's details.
import {
  announce, bus, config, currentPanel, element, onPanelOpen, t,
} from './core.js';
import { featureId, featureName, showDetails } from './details.js';
import {
  flyTo, groupOf, layerGroups, mapReady,
} from './map.js';

const PER_LAYER = 25;
const DEBOUNCE_MS = 400;
const countLine = document.getElementById('inview-count');
const listBox = document.getElementById('inview-list');
const layerInfo = new Map(config.layers.map((layer, index) => [layer.id, { ...layer, index }]));
let timer = null;
let lastCount = null;

function centreOf(geometry) {
  if (!geometry) return null;
  if (geometry.type === 'Point') return { lon: geometry.coordinates[0], lat: geometry.coordinates[1] };
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (coords) => {
    if (typeof coords[0] === 'number') {
      w = Math.min(w, coords[0]); s = Math.min(s, coords[1]);
      e = Math.max(e, coords[0]); n = Math.max(n, coords[1]);
    } else {
      coords.forEach(visit);
    }
  };
  visit(geometry.coordinates);
  return Number.isFinite(w) ? { lon: (w + e) / 2, lat: (s + n) / 2 } : null;
}

/** The distinct named features in view per layer: Map(layer -> {items, unnamed}). */
export function featuresInView(map) {
  const layers = map.getStyle().layers
    .filter((layer) => layer.source === 'city' && (layer.layout || {}).visibility !== 'none')
    .map((layer) => layer.id);
  const groups = new Map();
  const seen = new Set();
  for (const feature of map.queryRenderedFeatures(undefined, { layers })) {
    const layer = groupOf(feature.layer);
    if (!layerInfo.has(layer)) continue;
    const id = featureId(feature.properties, layer, feature.id);
    const key = `${layer}/${id ?? JSON.stringify(feature.properties)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!groups.has(layer)) groups.set(layer, { items: [], unnamed: 0 });
    const group = groups.get(layer);
    const name = featureName(feature.properties, layer);
    const named = name !== t('details.unnamed', { layer: layerInfo.get(layer).title });
    if (!named) {
      group.unnamed += 1;
      continue;
    }
    group.items.push({
      layer, id, name, properties: feature.properties, centre: centreOf(feature.geometry),
    });
  }
  return groups;
}

function itemButton(item) {
  return element('li', {}, element('button', {
    type: 'button',
    className: 'inview-item',
    dataset: { layer: item.layer, id: item.id || '' },
    onclick: () => {
      if (item.centre) flyTo(item.centre);
      showDetails({ layer: item.layer, id: item.id, properties: item.properties, geometry: null });
    },
  }, element('span', {}, item.name)));
}

async function refresh() {
  if (currentPanel() !== 'list') return;
  const map = await mapReady;
  const groups = featuresInView(map);
  const order = layerGroups(); // topmost first, as the layer list
  const ordered = [...groups.entries()].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
  let total = 0;
  const sections = [];
  for (const [layer, group] of ordered) {
    const count = group.items.length + group.unnamed;
    total += count;
    group.items.sort((a, b) => a.name.localeCompare(b.name, config.lang));
    const shown = group.items.slice(0, PER_LAYER);
    const more = count - shown.length;
    const headingId = `inview-${layer}`;
    const section = element('section', { className: 'inview-group', 'aria-labelledby': headingId, dataset: { layer } },
      element('h3', { id: headingId }, t('list.group', { layer: layerInfo.get(layer).title, n: count })));
    if (shown.length) section.append(element('ul', {}, shown.map(itemButton)));
    if (more > 0) section.append(element('p', { className: 'inview-more' }, t('list.more', { n: more })));
    sections.push(section);
  }
  countLine.textContent = total ? t('list.count', { n: total }) : t('list.none');
  listBox.replaceChildren(...sections);
  listBox.dataset.state = 'ready';
  listBox.dataset.count = String(total);
  if (total !== lastCount) announce(countLine.textContent);
  lastCount = total;
}

function scheduleRefresh() {
  clearTimeout(timer);
  timer = setTimeout(refresh, DEBOUNCE_MS);
}

onPanelOpen('list', () => {
  lastCount = null;
  mapReady.then((map) => {
    if (map.loaded()) refresh();
    else map.once('idle', refresh);
  });
});
mapReady.then((map) => {
  map.on('moveend', scheduleRefresh);
  map.on('idle', () => { if (currentPanel() === 'list' && listBox.dataset.state !== 'ready') refresh(); });
});
bus.addEventListener('layers-changed', scheduleRefresh);
bus.addEventListener('style-changed', () => mapReady.then((map) => map.once('idle', scheduleRefresh)));
