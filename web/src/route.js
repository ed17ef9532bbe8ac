// The accessible route panel: from and to (search, a point on the map, or the device's
// location), a profile and its limits, then GET /api/route drawn on the map with its warnings,
// summed up, charted, told step by step, and once more as plain text for screen readers.
// The hash keeps from, to and profile, so a route can be shared and survives a reload.

import {
  ApiError, announce, api, bus, config, element, formatNumber, hashParams, openPanel, reducedMotion,
  setHashParam, t,
} from './core.js';
import { mapReady, pickPoint, removeMarker, setMarker } from './map.js';
import { createPlaceSearch } from './search.js';
import { clearInclineChart, drawInclineChart } from './profile-chart.js';
import { readRoute } from './route-model.js';
import { avoidedText, distanceText, durationText, renderAnswer, renderAvoided } from './route-answer.js';
import { clearRouteMap, drawRelaxed, drawRoute, markAvoided } from './route-map.js';

const ENDS = ['from', 'to'];
const NUMBER_LIMITS = ['max_incline_up', 'max_incline_down', 'max_kerb_cm', 'user_width_cm'];
const CHECK_LIMITS = ['avoid_steps', 'avoid_rough', 'prefer_lit', 'prefer_signalised'];
const PROFILE_KEY = 'geohub.routeProfile';
const TEXT_VIEW_KEY = 'geohub.routeTextView';

const root = document.getElementById('route');
const $ = (id) => document.getElementById(id);
const profiles = config.routingProfiles || [];
const state = { from: null, to: null, answer: null, model: null, controller: null, avoided: [], searches: {} };

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
  mapReady.then(() => setMarker(`route-${which}`, end, { label: t(`route.${which}Set`, { label: end.label }), kind: which }))
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
        if (state.model) renderAvoided(state.model, state.avoided, ends());
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
  const errors = problem.errors || [];
  const messages = [...new Set(errors.map((e) => e.message))].filter((m) => m && m !== error.message);
  showError([element('p', {}, error.message), ...messages.map((m) => element('p', {}, m))]);
  for (const { field: name } of errors) { // a limit the server refused: open the limits, mark it
    const field = limitField(name);
    if (!field) continue;
    setLimitsOpen(true);
    field.setAttribute('aria-invalid', 'true');
  }
}

function showNoRoute(problem) {
  const constraint = problem.constraint;
  const field = limitField(constraint);
  const children = [
    element('p', { className: 'route-error-title' }, t('route.noRoute')),
    element('p', {}, problem.detail || ''),
  ];
  if (constraint !== 'several' && problem.relaxed?.geometry?.type === 'LineString') {
    drawRelaxed(problem.relaxed);
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

const ends = () => ({ from: state.from, to: state.to });

async function showRoute(answer) {
  const model = readRoute(answer);
  state.answer = answer;
  state.model = model;
  state.avoided = (answer.properties.avoided_reports || []).map((r) => ({ ...r, title: r.category, location: null }));
  $('route-answer').hidden = false;
  $('route-clear').hidden = false;
  renderAnswer(model, ends(), state.avoided);
  const { pieces, properties } = model;
  const drawn = await drawInclineChart($('route-chart'), pieces, properties.distance_m, properties.limits);
  if (state.answer !== answer) return; // a newer route came meanwhile
  $('route-chart').dataset.drawn = String(drawn);
  if (!drawn && pieces.length) $('route-chart-summary').prepend(element('p', {}, t('route.chartUnavailable')));
  await drawRoute(model, ends());
  await loadAvoided(answer);
  bus.dispatchEvent(new CustomEvent('route-shown', { detail: { route: answer } }));
}

function hideRoute() {
  state.answer = null;
  state.model = null;
  state.avoided = [];
  $('route-answer').hidden = true;
  clearInclineChart($('route-chart'));
  clearRouteMap().catch(() => {});
}

/** The avoided reports' categories (in the page language) and places, then their markers. */
async function loadAvoided(answer) {
  await markAvoided([], () => '');
  if (!state.avoided.length) return;
  const reports = await Promise.all(state.avoided.map((r) => api(`/reports/${encodeURIComponent(r.trackingId)}`)
    .then((status) => ({ ...r, title: status.category?.title || r.category, location: status.location }))
    .catch(() => r)));
  if (state.answer !== answer) return;
  state.avoided = reports;
  renderAvoided(state.model, reports, ends());
  await markAvoided(reports, (r) => t('route.markerReport', { label: avoidedText(r) }));
}

function setTextView(on) {
  $('route-text-toggle').setAttribute('aria-pressed', String(on));
  $('route-visual').hidden = on;
  $('route-text').hidden = !on;
  try { localStorage.setItem(TEXT_VIEW_KEY, on ? '1' : ''); } catch { /* private mode */ }
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
    scrollToAnswer();
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
