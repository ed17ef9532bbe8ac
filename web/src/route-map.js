// The route on the map: the line over a white casing, the stretches with a warning dashed, red
// and numbered (never colour alone), dotted walks from the chosen points to the nearest way, the
// route a blocking limit forbids (grey, dotted), and markers for the reports the route avoided.

import { fitTo, mapReady, removeMarker, removeOverlay, setMarker, showOverlay } from './map.js';
import { pointAt, sliceLine } from './route-model.js';

const OVERLAY = 'route';
const COLOURS = { line: '#0b4f8a', casing: '#ffffff', warning: '#b3261e', label: '#7a1712', relaxed: '#4a5560' };
let marked = 0; // avoided-report markers on the map

function overlayData(model, ends) {
  const features = [{ type: 'Feature', geometry: { type: 'LineString', coordinates: model.coords }, properties: { part: 'route' } }];
  const [first, last] = [model.coords[0], model.coords[model.coords.length - 1]];
  for (const [end, onLine] of [[ends.from, first], [ends.to, last]]) {
    if (end) { // the walk from the chosen point to the nearest way
      features.push({ type: 'Feature', properties: { part: 'connector' },
        geometry: { type: 'LineString', coordinates: [[end.lon, end.lat], onLine] } });
    }
  }
  const labels = new Map(); // one label per place: warnings on the same stretch share it ("⚠ 1, 2")
  for (const w of model.warnings) {
    const { start, end } = w.stretch;
    if (end > start) {
      features.push({
        type: 'Feature', properties: { part: 'warning', n: w.n },
        geometry: { type: 'LineString', coordinates: sliceLine(model.coords, model.along, start, end) },
      });
    }
    const at = end > start ? pointAt(model.coords, model.along, (start + end) / 2) : w.at;
    const key = at.map((v) => v.toFixed(6)).join();
    if (!labels.has(key)) labels.set(key, { at, numbers: [] });
    labels.get(key).numbers.push(w.n);
  }
  for (const { at, numbers } of labels.values()) {
    features.push({
      type: 'Feature', properties: { part: 'label', n: numbers[0], label: `⚠ ${numbers.join(', ')}` },
      geometry: { type: 'Point', coordinates: at },
    });
  }
  return { type: 'FeatureCollection', features };
}

const OVERLAY_LAYERS = [
  { id: 'relaxed', type: 'line', filter: ['==', ['get', 'part'], 'relaxed'],
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': COLOURS.relaxed, 'line-width': 4, 'line-dasharray': [0.1, 1.6] } },
  { id: 'connector', type: 'line', filter: ['==', ['get', 'part'], 'connector'],
    layout: { 'line-cap': 'round' },
    paint: { 'line-color': COLOURS.line, 'line-width': 2.5, 'line-dasharray': [0.1, 2] } },
  { id: 'casing', type: 'line', filter: ['==', ['get', 'part'], 'route'],
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': COLOURS.casing, 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 7, 18, 14] } },
  { id: 'line', type: 'line', filter: ['==', ['get', 'part'], 'route'],
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': COLOURS.line, 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 4, 18, 9] } },
  { id: 'warning', type: 'line', filter: ['==', ['get', 'part'], 'warning'],
    layout: { 'line-join': 'round', 'line-cap': 'butt' },
    paint: { 'line-color': COLOURS.warning, 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 5, 18, 11],
      'line-dasharray': [1.4, 1] } },
  { id: 'label', type: 'symbol', filter: ['==', ['get', 'part'], 'label'],
    layout: { 'text-field': ['get', 'label'], 'text-font': ['DejaVu Sans Bold'], 'text-size': 14,
      'text-offset': [0, -1.2], 'text-anchor': 'bottom', 'symbol-sort-key': ['get', 'n'], 'text-padding': 1 },
    paint: { 'text-color': COLOURS.label, 'text-halo-color': '#ffffff', 'text-halo-width': 2.5 } },
];

/** Draw the route of `model` (readRoute's) and the walks to the ends ({from, to}); fit the map to it. */
export async function drawRoute(model, ends) {
  await mapReady;
  showOverlay(OVERLAY, overlayData(model, ends), OVERLAY_LAYERS);
  const points = [ends.from, ends.to].filter(Boolean).map((end) => [end.lon, end.lat]);
  fitTo({ type: 'Feature', geometry: { type: 'MultiPoint', coordinates: [...model.coords, ...points] }, properties: {} });
}

/** The route without the blocking limit: grey and dotted, for the user to judge. */
export async function drawRelaxed(relaxed) {
  await mapReady;
  const line = { type: 'Feature', geometry: relaxed.geometry, properties: { part: 'relaxed' } };
  showOverlay(OVERLAY, { type: 'FeatureCollection', features: [line] }, OVERLAY_LAYERS);
  fitTo(line);
}

/** Mark the avoided reports ({location, …}) labelled by `label(report)`; earlier marks go. */
export async function markAvoided(reports, label) {
  await mapReady;
  clearAvoided();
  reports.forEach((report, i) => {
    if (!report.location) return;
    setMarker(`route-avoided-${i}`, report.location, { label: label(report), kind: 'report' });
    marked += 1;
  });
}

function clearAvoided() {
  for (let i = 0; i < marked; i += 1) removeMarker(`route-avoided-${i}`);
  marked = 0;
}

/** Remove the route and the avoided reports from the map. */
export async function clearRouteMap() {
  await mapReady;
  removeOverlay(OVERLAY);
  clearAvoided();
}
