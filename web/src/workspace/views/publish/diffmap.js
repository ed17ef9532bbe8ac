// The diff map of an import: its added, changed and removed features (GET .../imports/{n}/changes)
// over the plain basemap, drawn in three styles that differ by shape and line, not colour alone
// (points: a filled disc, a ring, a cross; lines: solid, dashed, dotted; areas: filled, dashed
// outline, hatched), with a legend drawn the same way and the same changes as a text list.
import { formatNumber, h } from '../../dom.js';

export const CHANGES = ['added', 'changed', 'removed'];
const COLOURS = { added: '#1b7837', changed: '#0b4f8a', removed: '#a3221b' };
const LIST_LIMIT = 50; // entries per kind in the text list
const SVG = 'http://www.w3.org/2000/svg';
let cssLinked = false;

function svg(tag, attrs, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/** The legend's swatch of `change`: the point symbol beside the line (or outline) style. */
function swatch(change) {
  const colour = COLOURS[change];
  const marks = {
    added: [svg('circle', { cx: 10, cy: 10, r: 6, fill: colour, stroke: '#fff', 'stroke-width': 2 })],
    changed: [svg('circle', { cx: 10, cy: 10, r: 5.5, fill: '#fff', stroke: colour, 'stroke-width': 3 })],
    removed: [
      svg('path', { d: 'M5 5 15 15M15 5 5 15', stroke: '#fff', 'stroke-width': 6, 'stroke-linecap': 'round' }),
      svg('path', { d: 'M5 5 15 15M15 5 5 15', stroke: colour, 'stroke-width': 3, 'stroke-linecap': 'round' }),
    ],
  }[change];
  const dash = { added: null, changed: '6 3', removed: '1.5 3' }[change];
  const line = svg('path', { d: 'M26 10H54', stroke: colour, 'stroke-width': 3, fill: 'none', 'stroke-linecap': 'round', ...(dash ? { 'stroke-dasharray': dash } : {}) });
  return svg('svg', { viewBox: '0 0 60 20', width: 60, height: 20, 'aria-hidden': 'true', focusable: 'false', class: 'pub-swatch' }, ...marks, line);
}

/** An RGBA image drawn on a canvas (for map.addImage: no URL, nothing for the CSP to refuse). */
function icon(draw, size = 24, ratio = 2) {
  const canvas = document.createElement('canvas');
  canvas.width = size * ratio;
  canvas.height = size * ratio;
  const context = canvas.getContext('2d');
  context.scale(ratio, ratio);
  draw(context, size);
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  return { image: { width: canvas.width, height: canvas.height, data: new Uint8Array(data.buffer) }, ratio };
}

function icons() {
  const c = COLOURS;
  return {
    'diff-added': icon((x, s) => {
      x.beginPath(); x.arc(s / 2, s / 2, 7, 0, 2 * Math.PI);
      x.fillStyle = c.added; x.fill(); x.lineWidth = 2.5; x.strokeStyle = '#fff'; x.stroke();
    }),
    'diff-changed': icon((x, s) => {
      x.beginPath(); x.arc(s / 2, s / 2, 7, 0, 2 * Math.PI);
      x.fillStyle = 'rgba(255,255,255,0.9)'; x.fill();
      x.lineWidth = 3.5; x.strokeStyle = c.changed; x.stroke();
    }),
    'diff-removed': icon((x, s) => {
      x.lineCap = 'round';
      for (const [width, colour] of [[7, '#fff'], [3.5, c.removed]]) {
        x.beginPath(); x.moveTo(6, 6); x.lineTo(s - 6, s - 6); x.moveTo(s - 6, 6); x.lineTo(6, s - 6);
        x.lineWidth = width; x.strokeStyle = colour; x.stroke();
      }
    }),
    'diff-hatch': icon((x, s) => {
      x.strokeStyle = c.removed; x.lineWidth = 2;
      for (let k = -s; k < s; k += 6) { x.beginPath(); x.moveTo(k, s); x.lineTo(k + s, 0); x.stroke(); }
    }, 12),
  };
}

const is = (change) => ['==', ['get', 'change'], change];
const kind = (type) => ['match', ['geometry-type'], type === 'Polygon' ? ['Polygon', 'MultiPolygon'] : type === 'LineString' ? ['LineString', 'MultiLineString'] : ['Point', 'MultiPoint'], true, false];

function diffLayers() {
  const c = COLOURS;
  return [
    { id: 'diff-area-added', type: 'fill', filter: ['all', kind('Polygon'), is('added')], paint: { 'fill-color': c.added, 'fill-opacity': 0.35 } },
    { id: 'diff-area-removed', type: 'fill', filter: ['all', kind('Polygon'), is('removed')], paint: { 'fill-pattern': 'diff-hatch' } },
    { id: 'diff-edge-added', type: 'line', filter: ['all', ['!', kind('Point')], is('added')], paint: { 'line-color': c.added, 'line-width': 3 } },
    { id: 'diff-edge-changed', type: 'line', filter: ['all', ['!', kind('Point')], is('changed')], paint: { 'line-color': c.changed, 'line-width': 3, 'line-dasharray': [2, 1] } },
    { id: 'diff-edge-removed', type: 'line', filter: ['all', ['!', kind('Point')], is('removed')], paint: { 'line-color': c.removed, 'line-width': 3, 'line-dasharray': [0.5, 1.5] } },
    ...CHANGES.map((change) => ({
      id: `diff-point-${change}`,
      type: 'symbol',
      filter: ['all', kind('Point'), is(change)],
      layout: { 'icon-image': `diff-${change}`, 'icon-allow-overlap': true, 'icon-ignore-placement': true },
    })),
  ];
}

function bounds(features) {
  let box = null;
  const visit = (coords) => {
    if (typeof coords[0] === 'number') {
      const [x, y] = coords;
      box = box ? [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)] : [x, y, x, y];
    } else coords.forEach(visit);
  };
  for (const feature of features) if (feature.geometry) visit(feature.geometry.coordinates);
  return box;
}

function label(feature) {
  const p = feature.properties || {};
  const name = p.name || p.title || p.name_ru || p.name_kk || p.name_en || '';
  return name ? `${feature.id} — ${name}` : String(feature.id);
}

function textList(ctx, collection) {
  const groups = CHANGES.map((change) => {
    const features = collection.features.filter((f) => f.properties.change === change);
    const total = collection.counts[change];
    if (!total) return null;
    const shown = features.slice(0, LIST_LIMIT);
    const more = total - shown.length;
    return h('div', { class: `pub-diff-group pub-diff-group-${change}`, 'data-change': change },
      h('h4', {}, swatch(change), ' ', ctx.t(`pub.diff.${change}.count`, { n: total })),
      h('ul', { class: 'pub-diff-keys' }, shown.map((f) => h('li', { class: 'ws-code' }, label(f)))),
      more > 0 ? h('p', { class: 'ws-hint' }, ctx.t('pub.diff.more', { n: more })) : null);
  }).filter(Boolean);
  return h('div', { class: 'pub-diff-list', id: 'pub-diff-list' },
    h('h3', {}, ctx.t('pub.diff.listTitle')),
    groups.length ? groups : h('p', {}, ctx.t('pub.diff.none')));
}

function mapLocale(ctx) {
  return Object.fromEntries(Object.keys(ctx.config.texts)
    .filter((key) => key.startsWith('pub.maplibre.'))
    .map((key) => [key.slice('pub.maplibre.'.length), ctx.t(key)]));
}

/** The diff map of import `importId` of `layerId`: loads its changes and draws them. */
export async function diffMap(ctx, layerId, importId) {
  const collection = await ctx.api.get(`/collections/${encodeURIComponent(layerId)}/imports/${importId}/changes`);
  const legend = h('ul', { class: 'pub-legend', 'aria-label': ctx.t('pub.diff.legend') },
    CHANGES.map((change) => h('li', { 'data-change': change }, swatch(change), ' ',
      h('span', {}, ctx.t(`pub.diff.${change}`), ': ', h('span', { class: 'ws-hint' }, ctx.t(`pub.diff.${change}.style`)), ' ',
        h('strong', {}, formatNumber(collection.counts[change]))))));
  const container = h('div', {
    class: 'pub-diff-map', id: 'pub-diff-map', role: 'region', 'data-state': 'loading',
    'aria-label': ctx.t('pub.diff.mapLabel', { added: collection.counts.added, changed: collection.counts.changed, removed: collection.counts.removed }),
    'aria-describedby': 'pub-diff-list',
  });
  const section = h('div', { class: 'pub-diff' },
    collection.truncated ? h('p', { class: 'ws-notice' }, ctx.t('pub.diff.truncated')) : null,
    legend, container, textList(ctx, collection));
  if (!cssLinked) {
    document.head.append(h('link', { rel: 'stylesheet', href: ctx.config.urls.maplibreCss }));
    cssLinked = true;
  }
  const features = collection.features.filter((f) => f.geometry);
  const box = bounds(features);
  // the map is drawn once the section is in the page (MapLibre needs its container's size)
  requestAnimationFrame(async () => {
    const { Map: MapLibreMap, NavigationControl } = await import(ctx.config.urls.maplibre);
    const previous = window.geohubDiffMap;
    if (previous && !document.contains(previous.getContainer())) previous.remove(); // free its WebGL context
    const map = new MapLibreMap({
      container,
      style: ctx.config.urls.basemapStyle,
      bounds: box ? [[box[0], box[1]], [box[2], box[3]]] : undefined,
      fitBoundsOptions: { padding: 40, maxZoom: 16 },
      center: box ? undefined : [76.95, 43.25],
      zoom: box ? undefined : 11,
      attributionControl: { compact: true },
      locale: mapLocale(ctx),
      cooperativeGestures: false,
    });
    map.addControl(new NavigationControl({ showCompass: false }));
    map.on('load', () => {
      for (const [name, { image, ratio }] of Object.entries(icons())) map.addImage(name, image, { pixelRatio: ratio });
      map.addSource('diff', { type: 'geojson', data: { type: 'FeatureCollection', features } });
      for (const layer of diffLayers()) map.addLayer({ ...layer, source: 'diff' });
      map.once('idle', () => { container.dataset.state = 'idle'; });
    });
    map.on('error', (event) => { console.error(event && event.error ? event.error : event); });
    window.geohubDiffMap = map; // for tests and the curious
    section.diffMap = map;
  });
  return section;
}
