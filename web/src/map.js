// The map: MapLibre GL JS (served by GeoHub) with the `city` style, its high-contrast twin one
// switch away, overlays and markers that survive the switch, and position, layers and panel kept
// in the URL hash. Other modules use its exports; tests use window.geohubMap.
import {
  announce, bus, config, hashParams, lang, reducedMotion, setHashParam, t,
} from './core.js';

export const MAP_LIBRARY = await import(config.urls.maplibre);

const CONTRAST_KEY = 'geohub.highContrast';
// The relief shading (from a 90 m DEM, smooth at any zoom) is drawn from tiles one zoom coarser:
// it looks the same and the first load fetches a quarter of its tiles (~300 kB less).
const HILLSHADE_SOURCE = 'hillshade';
const container = document.getElementById('map');
const overlays = new Map(); // id -> {source, layers}
const markers = new Map(); // id -> maplibre Marker
const hiddenGroups = new Set(); // source-layers the user turned off
let defaultVisible = null; // source-layers visible in the style as it comes

// ---- high contrast -----------------------------------------------------------------------------

function prefersHighContrast() {
  const stored = window.localStorage.getItem(CONTRAST_KEY);
  if (stored === '1' || stored === '0') return stored === '1';
  return window.matchMedia('(prefers-contrast: more)').matches;
}

let highContrast = prefersHighContrast();
document.documentElement.classList.toggle('high-contrast', highContrast);

function styleUrl() {
  return highContrast ? config.styles.highContrast : config.styles.normal;
}

// ---- MapLibre's own texts in the page language -------------------------------------------------

function mapLibreLocale() {
  const entries = Object.keys(config.texts)
    .filter((key) => key.startsWith('maplibre.'))
    .map((key) => [key.slice('maplibre.'.length), t(key)]);
  return { ...Object.fromEntries(entries), 'Map.Title': t('map.label') };
}

// ---- layers hidden from the URL (layers=a,b lists those shown) -----------------------------------

const knownLayers = new Set(config.layers.map((layer) => layer.id));

/** The layer a style layer draws: its source-layer, a label-point layer (`districts_labels`)
 *  counted with the layer it names; null for the basemap. */
export function groupOf(styleLayer) {
  const sourceLayer = styleLayer['source-layer'] || styleLayer.sourceLayer;
  if (!sourceLayer || styleLayer.source !== 'city') return null;
  const base = sourceLayer.replace(/_labels$/, '');
  return base !== sourceLayer && knownLayers.has(base) ? base : sourceLayer;
}

function overlayGroups(style) {
  const groups = [];
  for (const layer of style.layers) {
    const group = groupOf(layer);
    if (group && !groups.includes(group)) groups.push(group);
  }
  return groups;
}

const initialHash = hashParams();

/** The style as it comes, with the hidden groups hidden and the overlays added. */
function transformStyle(previous, next) {
  const groups = overlayGroups(next);
  if (defaultVisible === null) {
    defaultVisible = groups.filter((group) => next.layers.some(
      (layer) => groupOf(layer) === group && (layer.layout || {}).visibility !== 'none',
    ));
    if (initialHash.has('layers')) {
      const shown = new Set(initialHash.get('layers').split(',').filter(Boolean));
      for (const group of groups) if (!shown.has(group)) hiddenGroups.add(group);
    }
  }
  const layers = next.layers.map((layer) => {
    if (!hiddenGroups.has(groupOf(layer))) return layer;
    return { ...layer, layout: { ...(layer.layout || {}), visibility: 'none' } };
  });
  const sources = { ...next.sources };
  const relief = sources[HILLSHADE_SOURCE];
  if (relief && relief.type === 'raster' && (relief.tileSize || 512) < 512) {
    sources[HILLSHADE_SOURCE] = { ...relief, tileSize: 512 };
  }
  for (const [id, overlay] of overlays) {
    sources[`overlay-${id}`] = { type: 'geojson', data: overlay.data };
    layers.push(...overlay.layers);
  }
  return { ...next, sources, layers };
}

// ---- the map -----------------------------------------------------------------------------------

function cityBounds() {
  const [w, s, e, n] = config.bounds;
  const padLon = (e - w) * 0.6;
  const padLat = (n - s) * 0.6;
  return [[w - padLon, s - padLat], [e + padLon, n + padLat]];
}

function createMap() {
  const { Map: MapLibreMap } = MAP_LIBRARY;
  const map = new MapLibreMap({
    container,
    style: styleUrl(),
    transformStyle,
    center: config.center,
    zoom: config.zoom,
    minZoom: 9,
    maxZoom: 19,
    maxBounds: cityBounds(),
    hash: 'map',
    locale: mapLibreLocale(),
    attributionControl: { compact: true },
    maplibreLogo: false,
    fadeDuration: reducedMotion() ? 0 : 300,
    dragRotate: false,
    pitchWithRotate: false,
    cooperativeGestures: false,
  });
  map.touchZoomRotate.disableRotation();
  const { NavigationControl, GeolocateControl, ScaleControl } = MAP_LIBRARY;
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new GeolocateControl({
    positionOptions: { enableHighAccuracy: true, timeout: 10000 },
    trackUserLocation: false,
    fitBoundsOptions: { maxZoom: 16, animate: !reducedMotion() },
  }), 'top-right');
  map.addControl(new ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-left');
  const canvas = map.getCanvas();
  canvas.setAttribute('aria-label', t('map.label'));
  canvas.setAttribute('aria-describedby', 'map-help');
  map.once('load', () => {
    // on a phone the attribution starts folded (its ⓘ button opens it): two lines over a small map
    if (window.matchMedia('(max-width: 767px)').matches) {
      const attribution = container.querySelector('.maplibregl-ctrl-attrib.maplibregl-compact');
      if (attribution) attribution.classList.remove('maplibregl-compact-show');
    }
  });
  map.on('dataloading', () => { container.dataset.state = 'loading'; });
  map.on('idle', () => { container.dataset.state = 'idle'; });
  map.on('error', (event) => {
    console.warn('map:', event.error && event.error.message);
  });
  return map;
}

const map = createMap();
window.geohubMap = map;

/** The map once its style has loaded. */
export const mapReady = new Promise((resolve) => {
  map.once('load', () => {
    announce(t('map.ready'));
    bus.dispatchEvent(new CustomEvent('map-ready', { detail: { map } }));
    resolve(map);
  });
});

// ---- high contrast switch ----------------------------------------------------------------------

/** Whether the high-contrast style is on. */
export function isHighContrast() {
  return highContrast;
}

/** Switch the high-contrast style on or off (remembered on this device). */
export function setHighContrast(on) {
  if (on === highContrast) return;
  highContrast = on;
  window.localStorage.setItem(CONTRAST_KEY, on ? '1' : '0');
  document.documentElement.classList.toggle('high-contrast', on);
  container.dataset.state = 'loading';
  map.setStyle(styleUrl(), { diff: false, transformStyle });
  map.once('style.load', () => bus.dispatchEvent(new CustomEvent('style-changed', { detail: { map, highContrast: on } })));
  announce(t(on ? 'map.contrastOn' : 'map.contrastOff'));
}

// ---- layer groups (source-layers) --------------------------------------------------------------

/** The overlay groups (source-layers) of the current style, topmost first (as a layer list reads:
 *  reports and accessibility above districts and land plots), by the last style layer each has. */
export function layerGroups() {
  const style = map.getStyle();
  const top = new Map();
  style.layers.forEach((layer, index) => {
    const group = groupOf(layer);
    if (group) top.set(group, index);
  });
  return [...top.keys()].sort((a, b) => top.get(b) - top.get(a));
}

/** Whether a group is shown. */
export function isGroupVisible(group) {
  return !hiddenGroups.has(group);
}

/** Show or hide every style layer of a group; the URL says which groups are shown. */
export function setGroupVisible(group, visible) {
  if (visible) hiddenGroups.delete(group);
  else hiddenGroups.add(group);
  const style = map.getStyle();
  for (const layer of (style && style.layers) || []) {  // a style still loading gets it from transformStyle
    if (groupOf(layer) === group) map.setLayoutProperty(layer.id, 'visibility', visible ? 'visible' : 'none');
  }
  writeLayersToHash();
  bus.dispatchEvent(new CustomEvent('layers-changed', { detail: { group, visible } }));
}

function writeLayersToHash() {
  const shown = layerGroups().filter((group) => !hiddenGroups.has(group));
  const unchanged = defaultVisible && shown.length === defaultVisible.length
    && shown.every((group) => defaultVisible.includes(group));
  setHashParam('layers', unchanged ? null : shown.join(','));
}

// ---- overlays ----------------------------------------------------------------------------------

function overlayLayers(id, layers) {
  const prefix = `overlay-${id}-`;
  return layers.map((layer) => ({
    ...layer,
    id: layer.id.startsWith(prefix) ? layer.id : `${prefix}${layer.id}`,
    source: `overlay-${id}`,
  }));
}

/** Show GeoJSON as source `overlay-<id>` drawn by `layers` (their ids prefixed); kept on a style switch. */
export function showOverlay(id, geojson, layers) {
  const prefixed = overlayLayers(id, layers);
  const existing = overlays.get(id);
  const sameLayers = existing && existing.layers.map((l) => l.id).join() === prefixed.map((l) => l.id).join();
  overlays.set(id, { data: geojson, layers: prefixed });
  const apply = () => {
    const source = map.getSource(`overlay-${id}`);
    if (source && sameLayers) {
      source.setData(geojson);
      return;
    }
    removeFromStyle(id, existing);
    map.addSource(`overlay-${id}`, { type: 'geojson', data: geojson });
    for (const layer of prefixed) map.addLayer(layer);
  };
  // (isStyleLoaded() is false while tiles load too: only a style being (re)loaded must wait; the
  // new style then gets the overlay through transformStyle, or here once it has loaded)
  try {
    apply();
  } catch (error) {
    map.once('style.load', () => { if (overlays.has(id) && !map.getSource(`overlay-${id}`)) apply(); });
  }
}

function removeFromStyle(id, overlay) {
  try {
    if (overlay) for (const layer of overlay.layers) if (map.getLayer(layer.id)) map.removeLayer(layer.id);
    if (map.getSource(`overlay-${id}`)) map.removeSource(`overlay-${id}`);
  } catch (error) {
    // a style being loaded: transformStyle leaves out what is no longer in `overlays`
  }
}

/** Remove overlay `id` and its layers. */
export function removeOverlay(id) {
  const overlay = overlays.get(id);
  overlays.delete(id);
  removeFromStyle(id, overlay);
}

// ---- markers -----------------------------------------------------------------------------------

const SVG = 'http://www.w3.org/2000/svg';
const MARKER_SHAPES = {
  // kind: [shape path in a 32x40 box, fill colour, letter], shape AND colour differ
  from: ['M16 2a14 14 0 1 0 0 28 14 14 0 1 0 0-28Z', '#1b6e37', 'A'],
  to: ['M3 3h26v26H3Z', '#a3221b', 'B'],
  report: ['M16 2 31 29H1Z', '#9a4a00', '!'],
  place: ['M16 1C8.3 1 2 7.1 2 14.6 2 25 16 39 16 39s14-14 14-24.4C30 7.1 23.7 1 16 1Z', '#0b4f8a', ''],
};

function markerElement(kind, label) {
  const [path, colour, letter] = MARKER_SHAPES[kind] || MARKER_SHAPES.place;
  const wrapper = document.createElement('div');
  wrapper.className = `geohub-marker geohub-marker-${kind}`;
  wrapper.setAttribute('role', 'img');
  wrapper.setAttribute('aria-label', label);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 32 40');
  svg.setAttribute('width', '32');
  svg.setAttribute('height', '40');
  svg.setAttribute('aria-hidden', 'true');
  const shape = document.createElementNS(SVG, 'path');
  shape.setAttribute('d', path);
  shape.setAttribute('fill', colour);
  shape.setAttribute('stroke', '#ffffff');
  shape.setAttribute('stroke-width', '2.5');
  svg.append(shape);
  const text = document.createElementNS(SVG, 'text');
  text.setAttribute('x', '16');
  text.setAttribute('y', kind === 'report' ? '26' : '21');
  text.setAttribute('text-anchor', 'middle');
  text.setAttribute('font-size', '14');
  text.setAttribute('font-weight', '700');
  text.setAttribute('fill', '#ffffff');
  text.setAttribute('font-family', 'system-ui, sans-serif');
  text.textContent = letter;
  if (kind === 'place') {
    const dot = document.createElementNS(SVG, 'circle');
    dot.setAttribute('cx', '16');
    dot.setAttribute('cy', '14.5');
    dot.setAttribute('r', '5');
    dot.setAttribute('fill', '#ffffff');
    svg.append(dot);
  } else {
    svg.append(text);
  }
  wrapper.append(svg);
  return wrapper;
}

/** Put (or move) marker `id` at {lon, lat}: kind from, to, report or place; `label` is what it says. */
export function setMarker(id, { lon, lat }, { label = '', kind = 'place' } = {}) {
  removeMarker(id);
  const anchor = kind === 'place' ? 'bottom' : 'center';
  const marker = new MAP_LIBRARY.Marker({ element: markerElement(kind, label), anchor })
    .setLngLat([lon, lat])
    .addTo(map);
  markers.set(id, marker);
  return marker;
}

/** Remove marker `id` (nothing when there is none). */
export function removeMarker(id) {
  const marker = markers.get(id);
  if (marker) marker.remove();
  markers.delete(id);
}

// ---- moving the map ----------------------------------------------------------------------------

/** Room the open panel takes over the map (side column on desktop, bottom sheet on phones). */
export function panelPadding() {
  const padding = { top: 40, bottom: 40, left: 40, right: 40 };
  const panel = document.querySelector('.panel:not([hidden])');
  if (!panel) return padding;
  const mapBox = container.getBoundingClientRect();
  const box = panel.getBoundingClientRect();
  if (box.width < mapBox.width * 0.9) padding.left += Math.max(0, box.right - mapBox.left);
  else padding.bottom += Math.max(0, mapBox.bottom - box.top);
  return padding;
}

function bboxOf(geojson) {
  let bbox = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (coords) => {
    if (typeof coords[0] === 'number') {
      bbox = [Math.min(bbox[0], coords[0]), Math.min(bbox[1], coords[1]),
        Math.max(bbox[2], coords[0]), Math.max(bbox[3], coords[1])];
    } else {
      coords.forEach(visit);
    }
  };
  const walk = (node) => {
    if (!node) return;
    if (node.type === 'FeatureCollection') node.features.forEach(walk);
    else if (node.type === 'Feature') walk(node.geometry);
    else if (node.type === 'GeometryCollection') node.geometries.forEach(walk);
    else if (node.coordinates) visit(node.coordinates);
  };
  walk(geojson);
  return bbox;
}

/** Fit the map to a bbox [w, s, e, n] or to a GeoJSON object, clear of the open panel. */
export function fitTo(target) {
  const bbox = Array.isArray(target) ? target : bboxOf(target);
  if (!bbox.every(Number.isFinite)) return;
  map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], {
    padding: panelPadding(), maxZoom: 17, animate: !reducedMotion(), duration: 800,
  });
}

/** Fly to {lon, lat} (a jump when the user asked for less motion). */
export function flyTo({ lon, lat }, zoom = Math.max(map.getZoom(), 16)) {
  const options = { center: [lon, lat], zoom, padding: panelPadding() };
  if (reducedMotion()) map.jumpTo(options);
  else map.flyTo({ ...options, duration: 900, essential: false });
}

// ---- picking a point ---------------------------------------------------------------------------

const banner = document.getElementById('map-banner');
const bannerText = document.getElementById('map-banner-text');
const bannerCancel = document.getElementById('map-banner-cancel');
let picking = null;

/** Whether a pickPoint is waiting (map clicks then belong to it, not to the details). */
export function isPicking() {
  return picking !== null;
}

/** The next map click (or Enter on the focused map: its centre) as {lon, lat}; null when cancelled. */
export function pickPoint(prompt) {
  if (picking) picking.finish(null);
  return new Promise((resolve) => {
    const canvas = map.getCanvas();
    const onClick = (event) => finish({ lon: event.lngLat.lng, lat: event.lngLat.lat }, t('map.picked'));
    const onKey = (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        finish(null);
      } else if (event.key === 'Enter' && event.target === canvas) {
        event.preventDefault();
        const centre = map.getCenter();
        finish({ lon: centre.lng, lat: centre.lat }, t('map.pickCentre'));
      }
    };
    const onCancel = () => finish(null);
    function finish(point, message) {
      map.off('click', onClick);
      document.removeEventListener('keydown', onKey, true);
      bannerCancel.removeEventListener('click', onCancel);
      container.classList.remove('picking');
      banner.hidden = true;
      picking = null;
      if (message) announce(message);
      resolve(point);
    }
    picking = { finish };
    container.classList.add('picking');
    bannerText.textContent = `${prompt} ${t('map.pickHelp')}`;
    banner.hidden = false;
    map.on('click', onClick);
    document.addEventListener('keydown', onKey, true);
    bannerCancel.addEventListener('click', onCancel);
    announce(`${prompt} ${t('map.pickHelp')}`);
  });
}

// ---- the reports tiles follow new reports ------------------------------------------------------

const baseTiles = new WeakMap(); // a source -> its tile URLs as the style gave them

/** Fetch the city tiles again, past the browser's cache (tiles are cached for a minute). */
function reloadCityTiles() {
  const source = map.getSource('city');
  if (!source || !source.tiles) return;
  if (!baseTiles.has(source)) baseTiles.set(source, source.tiles.slice());
  const stamp = Date.now().toString(36);
  source.setTiles(baseTiles.get(source).map((url) => `${url}${url.includes('?') ? '&' : '?'}v=${stamp}`));
}

bus.addEventListener('reports-changed', () => {
  reloadCityTiles();
  setTimeout(reloadCityTiles, 3000); // the reports layer is published just after the answer
});

export { lang };
