// The accessible route panel: from and to (search, a point on the map, or the device's
// location), a profile and its limits, then GET /api/route drawn on the map with its warnings,
// summed up, charted, told step by step, and once more as plain text for screen readers.
// The hash keeps from, to and profile, so a route can be shared and survives a reload.

import {
  ApiError, announce, api, bus, config, element, formatNumber, hashParams, openPanel, reducedMotion,
  setHashParam, t,
} from './core.js';
import { fitTo, flyTo, mapReady, pickPoint, removeMarker, removeOverlay, setMarker, showOverlay } from './map.js';
import { createPlaceSearch } from './search.js';
import { clearInclineChart, drawInclineChart } from './profile-chart.js';
import { pointAt, readRoute, sliceLine } from './route-model.js';

const ENDS = ['from', 'to'];
const NUMBER_LIMITS = ['max_incline_up', 'max_incline_down', 'max_kerb_cm', 'user_width_cm'];
const CHECK_LIMITS = ['avoid_steps', 'avoid_rough', 'prefer_lit', 'prefer_signalised'];
const PROFILE_KEY = 'geohub.routeProfile';
const TEXT_VIEW_KEY = 'geohub.routeTextView';
const OVERLAY = 'route';
const STEP_ZOOM = 17;
const COLOURS = { line: '#0b4f8a', casing: '#ffffff', warning: '#b3261e', label: '#7a1712', relaxed: '#4a5560' };

const root = document.getElementById('route');
const $ = (id) => document.getElementById(id);
const profiles = config.routingProfiles || [];
const state = { from: null, to: null, answer: null, model: null, controller: null, avoided: [], searches: {} };

// ---- formatting ----------------------------------------------------------------------------------

/** A distance as people say it: metres under 1 km, else kilometres with one decimal. */
export function distanceText(m) {
  if (m >= 1000) return t('route.kilometers', { n: formatNumber(m / 1000, { maximumFractionDigits: 1 }) });
  return t('route.meters', { n: formatNumber(Math.round(m)) });
}

/** A duration in whole minutes (at least 1), hours past 60. */
export function durationText(seconds) {
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) return t('route.minutes', { n: minutes });
  return t('route.hours', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

const pct = (value) => formatNumber(value, { maximumFractionDigits: 1 });
const climbText = ({ up, down }) => t('route.climbValue', { up: distanceText(up), down: distanceText(down) });

// ---- the ends ------------------------------------------------------------------------------------

function pointLabel({ lon, lat }) {
  const digits = { minimumFractionDigits: 5, maximumFractionDigits: 5 };
  return t('route.point', { lat: formatNumber(lat, digits), lon: formatNumber(lon, digits) });
}

async function labelOf(point) {
  try {
    const answer = await api('/api/geocode/reverse', { query: { lon: point.lon, lat: point.lat } });
    return answer?.properties?.label || pointLabel(point);
  } catch {
    return pointLabel(point);
  }
}

function setEnd(which, place, { quiet = false, plan = true } = {}) {
  const end = { lon: Number(place.lon), lat: Number(place.lat), label: place.label || pointLabel(place) };
  state[which] = end;
  state.searches[which]?.setValue(end.label);
  $(`route-${which}-value`).textContent = t('route.chosen', { label: end.label });
  $(`route-${which}`).dataset.chosen = 'true';
  mapReady.then(() => setMarker(`route-${which}`, end, { label: t(`marker.${which}`, { label: end.label }), kind: which }))
    .catch(() => {});
  writeHash();
  if (!quiet) announce(t(`route.${which}Set`, { label: end.label }));
  if (plan && state.from && state.to) planRoute();
}

async function pickEnd(which, button) {
  const point = await pickPoint(t(which === 'from' ? 'route.pickFromPrompt' : 'route.pickToPrompt'));
  if (point) setEnd(which, { ...point, label: await labelOf(point) });
  button.focus({ preventScroll: true });
}

function locateEnd(which, button) {
  const value = $(`route-${which}-value`);
  if (!navigator.geolocation) {
    showError([element('p', {}, t('route.locateFailed'))]);
    return;
  }
  button.setAttribute('aria-busy', 'true');
  value.textContent = t('route.locating');
  navigator.geolocation.getCurrentPosition((position) => {
    button.removeAttribute('aria-busy');
    const { longitude: lon, latitude: lat } = position.coords;
    setEnd(which, { lon, lat, label: t('route.myLocation') });
  }, () => {
    button.removeAttribute('aria-busy');
    value.textContent = state[which] ? t('route.chosen', { label: state[which].label }) : t('route.notChosen');
    showError([element('p', {}, t('route.locateFailed'))]);
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
}

function swapEnds() {
  const { from, to } = state;
  for (const [which, end] of [['from', to], ['to', from]]) {
    state[which] = null;
    if (end) setEnd(which, end, { quiet: true, plan: false });
    else clearEnd(which);
  }
  announce(t('route.swapped'));
  if (state.from && state.to && state.answer) planRoute();
}

function clearEnd(which) {
  state[which] = null;
  state.searches[which]?.clear();
  $(`route-${which}-value`).textContent = t('route.notChosen');
  delete $(`route-${which}`).dataset.chosen;
  mapReady.then(() => removeMarker(`route-${which}`)).catch(() => {});
  writeHash();
}

// ---- profile and limits --------------------------------------------------------------------------

function profileById(id) {
  return profiles.find((p) => p.id === id) || profiles.find((p) => p.id === 'pedestrian') || profiles[0];
}

function chosenProfile() {
  return profileById($('route-profile').value);
}

function renderProfiles(selected) {
  const select = $('route-profile');
  select.replaceChildren(...profiles.map((profile) => element('option', { value: profile.id }, profile.title)));
  select.value = selected.id;
  describeProfile(selected);
}

function describeProfile(profile) {
  $('route-profile-description').textContent = profile.description || '';
}

function setLimitsOpen(open) {
  $('route-limits-toggle').setAttribute('aria-expanded', String(open));
  $('route-limits-body').hidden = !open;
}

function limitField(name) {
  return $(`route-limit-${name}`);
}

function fillLimits(profile) {
  for (const name of NUMBER_LIMITS) {
    const value = profile.limits[name];
    limitField(name).value = value === null || value === undefined ? '' : String(value);
  }
  for (const name of CHECK_LIMITS) limitField(name).checked = Boolean(profile.limits[name]);
  markChangedLimits();
}

function limitsChanged(profile) {
  const numbers = NUMBER_LIMITS.some((name) => {
    const value = limitField(name).value.trim();
    const preset = profile.limits[name];
    return value === '' ? preset !== null && preset !== undefined : Number(value) !== preset;
  });
  return numbers || CHECK_LIMITS.some((name) => limitField(name).checked !== Boolean(profile.limits[name]));
}

function markChangedLimits() {
  $('route-limits-brief').textContent = limitsChanged(chosenProfile()) ? `(${t('route.limitsChanged')})` : '';
}

function limitQuery(profile) {
  const query = {};
  for (const name of NUMBER_LIMITS) {
    const field = limitField(name);
    const value = field.value.trim();
    if (value !== '') query[name] = value;
    else if (profile.limits[name] !== null && profile.limits[name] !== undefined) query[name] = field.max; // no limit
  }
  for (const name of CHECK_LIMITS) query[name] = String(limitField(name).checked);
  return query;
}

// ---- the hash --------------------------------------------------------------------------------------

const coordinate = (end) => `${end.lon.toFixed(6)},${end.lat.toFixed(6)}`;

function writeHash() {
  for (const which of ENDS) {
    const end = state[which];
    setHashParam(which, end ? coordinate(end) : null);
    setHashParam(`${which}Name`, end ? end.label : null);
  }
  setHashParam('profile', state.from || state.to ? $('route-profile').value : null);
}

function parseCoordinate(text) {
  const [lon, lat] = String(text || '').split(',').map(Number);
  return Number.isFinite(lon) && Number.isFinite(lat) ? { lon, lat } : null;
}

async function readHash() {
  const params = hashParams();
  const ends = ENDS.map((which) => [which, parseCoordinate(params.get(which)), params.get(`${which}Name`)]);
  for (const [which, point, name] of ends) {
    if (point) setEnd(which, { ...point, label: name || pointLabel(point) }, { quiet: true, plan: false });
  }
  if (state.from && state.to) planRoute();
  for (const [which, point, name] of ends) { // a link without names: the nearest addresses
    if (point && !name) {
      const label = await labelOf(point);
      if (state[which] && state[which].lon === point.lon && state[which].lat === point.lat) {
        setEnd(which, { ...point, label }, { quiet: true, plan: false });
        if (state.model) renderTextView(state.model);
      }
    }
  }
}

// ---- errors and status -----------------------------------------------------------------------------

function showError(children) {
  $('route-error').replaceChildren(...children);
}

function showProblem(error) {
  const problem = error.problem || {};
  if (error.status === 422 && problem.constraint) {
    showNoRoute(problem);
    return;
  }
  const fields = (problem.errors || []).map((e) => e.message).filter((m) => m && m !== error.message);
  showError([element('p', {}, error.message), ...fields.map((m) => element('p', {}, m))]);
}

function showNoRoute(problem) {
  const constraint = problem.constraint;
  const field = limitField(constraint);
  const children = [
    element('p', { className: 'route-error-title' }, t('route.noRoute')),
    element('p', {}, problem.detail || ''),
  ];
  if (constraint !== 'several' && problem.relaxed?.geometry?.type === 'LineString') {
    showRelaxed(problem.relaxed);
    children.push(element('p', {}, t('route.relaxedShown', { distance: distanceText(problem.relaxed.properties.distance_m) })));
  }
  if (field) {
    children.push(element('p', {}, t('route.relax', { limit: t(`route.limit.${constraint}`) })));
    children.push(element('button', {
      type: 'button', className: 'route-button route-relax',
      onclick: () => {
        setLimitsOpen(true);
        field.focus();
      },
    }, t('route.relaxButton')));
    field.setAttribute('aria-invalid', 'true');
  } else {
    children.push(element('p', {}, t(constraint === 'reports' ? 'route.relaxReports' : 'route.relaxSeveral')));
  }
  showError(children);
  announce(problem.detail || t('route.noRoute'));
}

/** The route without the blocking limit: grey and dotted, for the user to judge. */
async function showRelaxed(relaxed) {
  await mapReady;
  const line = { type: 'Feature', geometry: relaxed.geometry, properties: { part: 'relaxed' } };
  showOverlay(OVERLAY, { type: 'FeatureCollection', features: [line] }, OVERLAY_LAYERS);
  fitTo(line);
}

// ---- planning ---------------------------------------------------------------------------------------

async function planRoute({ focusAnswer = false } = {}) {
  const form = $('route-form');
  showError([]);
  for (const field of root.querySelectorAll('[aria-invalid]')) field.removeAttribute('aria-invalid');
  for (const which of ENDS) {
    if (!state[which]) {
      showError([element('p', {}, t(which === 'from' ? 'route.missingFrom' : 'route.missingTo'))]);
      state.searches[which]?.focus();
      return;
    }
  }
  state.controller?.abort();
  const controller = new AbortController();
  state.controller = controller;
  const profile = chosenProfile();
  const query = { from: coordinate(state.from), to: coordinate(state.to), profile: profile.id, ...limitQuery(profile) };
  form.setAttribute('aria-busy', 'true');
  $('route-status').textContent = t('route.busy');
  try {
    const answer = await api('/api/route', { query, signal: controller.signal });
    if (controller.signal.aborted) return;
    await showRoute(answer);
    const { distance_m: distance, duration_s: duration } = answer.properties;
    announce(t('route.found', { distance: distanceText(distance), duration: durationText(duration) }));
    if (focusAnswer) $('route-answer-title').focus({ preventScroll: true });
    scrollToAnswer();
  } catch (error) {
    if (error.name === 'AbortError') return;
    hideRoute();
    if (error instanceof ApiError) showProblem(error);
    else showError([element('p', {}, t('error.generic'))]);
  } finally {
    if (state.controller === controller) {
      form.removeAttribute('aria-busy');
      $('route-status').textContent = '';
      state.controller = null;
    }
  }
}

/** Bring the answer to the top of the panel (on a phone the form would hide it). */
function scrollToAnswer() {
  const section = $('route-answer');
  const body = section.closest('.panel-body');
  if (!body || section.hidden) return;
  const top = section.getBoundingClientRect().top - body.getBoundingClientRect().top + body.scrollTop - 8;
  body.scrollTo({ top, behavior: reducedMotion() ? 'auto' : 'smooth' });
}

// ---- the answer -------------------------------------------------------------------------------------

async function showRoute(answer) {
  const model = readRoute(answer);
  state.answer = answer;
  state.model = model;
  state.avoided = (answer.properties.avoided_reports || []).map((r) => ({ ...r, title: r.category, location: null }));
  $('route-answer').hidden = false;
  $('route-clear').hidden = false;
  renderSummary(model);
  renderInclineText(model);
  renderSteps(model);
  renderWarnings(model);
  renderUnknown(model);
  renderAvoided();
  renderTextView(model);
  const drawn = await drawInclineChart($('route-chart'), model.pieces, model.properties.distance_m, model.properties.limits);
  $('route-chart').dataset.drawn = String(drawn);
  if (!drawn) $('route-chart-summary').prepend(element('p', {}, t('route.chartUnavailable')));
  await drawOnMap(model);
  loadAvoided(answer);
  bus.dispatchEvent(new CustomEvent('route-shown', { detail: { route: answer } }));
}

function hideRoute() {
  state.answer = null;
  state.model = null;
  $('route-answer').hidden = true;
  clearInclineChart($('route-chart'));
  mapReady.then(() => {
    removeOverlay(OVERLAY);
    for (let i = 0; i < state.avoided.length; i += 1) removeMarker(`route-avoided-${i}`);
    state.avoided = [];
  }).catch(() => {});
}

function renderSummary(model) {
  const { distance_m: distance, duration_s: duration } = model.properties;
  const rows = [
    ['route.distance', distanceText(distance), 'distance'],
    ['route.duration', durationText(duration), 'duration'],
    ['route.climb', climbText(model.climb), 'climb'],
    ['route.warningCount', formatNumber(model.warnings.length), 'warnings'],
  ];
  $('route-summary').replaceChildren(...rows.map(([key, value, name]) => element('div', {
    className: `route-summary-item route-summary-${name}`,
  }, element('dt', {}, t(key)), element('dd', {}, value))));
}

function inclineSentences(model) {
  const { up, down, unknown, flat, flatPct } = model.steepest;
  const sentences = [];
  const stretch = (s, key) => t(key, { pct: pct(s.pct), length: distanceText(s.length), start: distanceText(s.start) });
  if (flat) sentences.push(t('route.inclineFlat', { pct: pct(flatPct) }));
  else {
    if (up) sentences.push(stretch(up, 'route.inclineUp'));
    if (down) sentences.push(stretch(down, 'route.inclineDown'));
  }
  if (unknown >= 1) sentences.push(t('route.inclineUnknown', { length: distanceText(unknown) }));
  return sentences;
}

function renderInclineText(model) {
  $('route-chart-summary').replaceChildren(...inclineSentences(model).map((s) => element('p', {}, s)));
}

function stepStart(model, index) {
  const [lon, lat] = pointAt(model.coords, model.along, model.ranges[index].start);
  return { lon, lat };
}

function renderSteps(model) {
  const steps = model.properties.instructions || [];
  $('route-steps').replaceChildren(...steps.map((step, i) => {
    const warnings = model.warnings.filter((w) => w.step === i);
    const button = element('button', {
      type: 'button', className: 'route-step',
      onclick: () => flyTo(stepStart(model, step.distance_m > 0 ? i : Math.max(0, i - 1)), STEP_ZOOM),
    },
    element('span', { className: 'route-step-text' }, step.text),
    step.distance_m > 0 ? element('span', { className: 'route-step-distance' }, distanceText(step.distance_m)) : null,
    ...warnings.map((w) => element('span', { className: 'route-step-warning' },
      element('span', { className: 'route-badge', 'aria-hidden': 'true' }, `⚠ ${w.n}`),
      element('span', { className: 'visually-hidden' }, `${t('route.warningNumber', { n: w.n })}: `),
      w.text)));
    return element('li', { dataset: { distanceM: String(step.distance_m) } }, button);
  }));
}

function fromStartText(distance) {
  return distance < 1 ? t('route.atStart') : t('route.warningAt', { start: distanceText(distance) });
}

function renderWarnings(model) {
  const list = $('route-warnings');
  if (!model.warnings.length) {
    list.replaceChildren(element('li', { className: 'route-none' }, t('route.noWarnings')));
    return;
  }
  list.replaceChildren(...model.warnings.map((w) => {
    const [lon, lat] = w.at;
    return element('li', { dataset: { kind: w.kind } }, element('button', {
      type: 'button', className: 'route-warning', onclick: () => flyTo({ lon, lat }, STEP_ZOOM),
    },
    element('span', { className: 'route-badge', 'aria-hidden': 'true' }, `⚠ ${w.n}`),
    element('span', { className: 'visually-hidden' }, `${t('route.warningNumber', { n: w.n })}: `),
    element('span', { className: 'route-warning-text' }, w.text),
    element('span', { className: 'route-warning-at' }, fromStartText(w.distance))));
  }));
}

function renderUnknown(model) {
  const warned = new Set(model.warnings.map((w) => w.kind));
  const unknown = (model.properties.unknown || []).filter((u) => !warned.has(`unknown_${u.attribute}`));
  $('route-unknown').hidden = !unknown.length;
  $('route-unknown-list').replaceChildren(...unknown.map((u) => element('li', {}, u.text)));
}

function avoidedText(report) {
  return t('route.avoidedItem', { category: report.title, id: report.trackingId });
}

function renderAvoided() {
  const items = state.avoided.length
    ? state.avoided.map((r) => element('li', {}, avoidedText(r)))
    : [element('li', { className: 'route-none' }, t('route.noAvoided'))];
  $('route-avoided').replaceChildren(...items);
  if (state.model) renderTextView(state.model);
}

async function loadAvoided(answer) {
  if (!state.avoided.length) return;
  const reports = await Promise.all(state.avoided.map((r) => api(`/reports/${encodeURIComponent(r.trackingId)}`)
    .then((status) => ({ ...r, title: status.category?.title || r.category, location: status.location }))
    .catch(() => r)));
  if (state.answer !== answer) return;
  state.avoided = reports;
  renderAvoided();
  await mapReady;
  reports.forEach((r, i) => {
    if (r.location) setMarker(`route-avoided-${i}`, r.location, { label: t('route.markerReport', { label: avoidedText(r) }), kind: 'report' });
  });
}

// ---- the text view ----------------------------------------------------------------------------------

function renderTextView(model) {
  const { distance_m: distance, duration_s: duration, instructions = [] } = model.properties;
  const summary = t('route.textSummary', {
    from: state.from?.label || '', to: state.to?.label || '',
    distance: distanceText(distance), duration: durationText(duration), climb: climbText(model.climb),
  });
  const steps = instructions.map((step, i) => {
    const parts = [step.distance_m > 0 ? t('route.stepDistance', { text: step.text, distance: distanceText(step.distance_m) }) : step.text];
    for (const w of model.warnings.filter((x) => x.step === i)) {
      parts.push(t('route.textWarning', { text: `${w.text} (${fromStartText(w.distance)})` }));
    }
    return element('li', { dataset: { distanceM: String(step.distance_m) } }, parts.join(' '));
  });
  const avoided = state.avoided.length
    ? element('ul', { className: 'route-text-avoided' }, state.avoided.map((r) => element('li', {}, avoidedText(r))))
    : element('p', {}, t('route.noAvoided'));
  $('route-text').replaceChildren(
    element('p', {}, summary),
    ...inclineSentences(model).map((s) => element('p', {}, s)),
    element('h4', { className: 'route-subheading', id: 'route-text-steps-title' }, t('route.steps')),
    element('ol', { className: 'route-text-steps', 'aria-labelledby': 'route-text-steps-title' }, steps),
    element('h4', { className: 'route-subheading' }, t('route.avoided')),
    avoided,
  );
}

function setTextView(on) {
  $('route-text-toggle').setAttribute('aria-pressed', String(on));
  $('route-visual').hidden = on;
  $('route-text').hidden = !on;
  try { localStorage.setItem(TEXT_VIEW_KEY, on ? '1' : ''); } catch { /* private mode */ }
}

// ---- the map ----------------------------------------------------------------------------------------

function overlayData(model) {
  const features = [{ type: 'Feature', geometry: { type: 'LineString', coordinates: model.coords }, properties: { part: 'route' } }];
  const [first, last] = [model.coords[0], model.coords[model.coords.length - 1]];
  for (const [end, onLine] of [[state.from, first], [state.to, last]]) {
    if (end) { // the walk from the chosen point to the nearest way
      features.push({ type: 'Feature', properties: { part: 'connector' },
        geometry: { type: 'LineString', coordinates: [[end.lon, end.lat], onLine] } });
    }
  }
  for (const w of model.warnings) {
    const { start, end } = w.stretch;
    if (end > start) {
      features.push({
        type: 'Feature', properties: { part: 'warning', n: w.n },
        geometry: { type: 'LineString', coordinates: sliceLine(model.coords, model.along, start, end) },
      });
    }
    features.push({
      type: 'Feature', properties: { part: 'label', n: w.n, label: `⚠ ${w.n}` },
      geometry: { type: 'Point', coordinates: end > start ? pointAt(model.coords, model.along, (start + end) / 2) : w.at },
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

async function drawOnMap(model) {
  await mapReady;
  showOverlay(OVERLAY, overlayData(model), OVERLAY_LAYERS);
  const ends = ENDS.map((which) => state[which]).filter(Boolean).map((end) => [end.lon, end.lat]);
  fitTo({ type: 'Feature', geometry: { type: 'MultiPoint', coordinates: [...model.coords, ...ends] }, properties: {} });
}

// ---- wiring -----------------------------------------------------------------------------------------

function clearAll() {
  state.controller?.abort();
  hideRoute();
  for (const which of ENDS) clearEnd(which);
  showError([]);
  $('route-clear').hidden = true;
  writeHash();
  state.searches.from?.focus();
}

function wire() {
  for (const which of ENDS) {
    state.searches[which] = createPlaceSearch($(`route-${which}-search`), {
      label: t(which === 'from' ? 'route.fromSearch' : 'route.toSearch'),
      id: `route-${which}-place`,
      onPick: (place) => setEnd(which, place),
    });
  }
  root.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-which]');
    if (!button) return;
    if (button.classList.contains('route-pick')) pickEnd(button.dataset.which, button);
    else if (button.classList.contains('route-locate')) locateEnd(button.dataset.which, button);
  });
  $('route-swap').addEventListener('click', swapEnds);
  $('route-profile').addEventListener('change', () => {
    const profile = chosenProfile();
    describeProfile(profile);
    fillLimits(profile);
    try { localStorage.setItem(PROFILE_KEY, profile.id); } catch { /* private mode */ }
    writeHash();
    if (state.answer) planRoute();
  });
  $('route-limits-toggle').addEventListener('click', () => {
    setLimitsOpen($('route-limits-toggle').getAttribute('aria-expanded') !== 'true');
  });
  $('route-limits-body').addEventListener('input', markChangedLimits);
  $('route-limits-body').addEventListener('change', markChangedLimits);
  $('route-limits-reset').addEventListener('click', () => fillLimits(chosenProfile()));
  $('route-form').addEventListener('submit', (event) => {
    event.preventDefault();
    planRoute({ focusAnswer: true });
  });
  $('route-clear').addEventListener('click', clearAll);
  $('route-text-toggle').addEventListener('click', () => {
    setTextView($('route-text-toggle').getAttribute('aria-pressed') !== 'true');
  });
  bus.addEventListener('route-endpoint', (event) => {
    const { which, place } = event.detail || {};
    if (!ENDS.includes(which) || !place) return;
    openPanel('route');
    setEnd(which, place);
  });
}

function init() {
  let stored = null;
  try { stored = localStorage.getItem(PROFILE_KEY); } catch { /* private mode */ }
  const fromHash = hashParams().get('profile');
  const profile = profileById(fromHash || stored);
  renderProfiles(profile);
  fillLimits(profile);
  wire();
  let textView = false;
  try { textView = Boolean(localStorage.getItem(TEXT_VIEW_KEY)); } catch { /* private mode */ }
  setTextView(textView);
  readHash().catch(() => {});
}

if (root) init();
