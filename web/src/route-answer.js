// The route answer in the panel: the summary, the incline in words, the steps (each flies the
// map there), the warnings, the avoided reports, and the plain text view of the same route.

import { element, formatNumber, t } from './core.js';
import { flyTo } from './map.js';
import { pointAt } from './route-model.js';

const STEP_ZOOM = 17;
const $ = (id) => document.getElementById(id);

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

/** The incline in sentences: the steepest stretches up and down, or flat, and what is not known. */
export function inclineSentences(model) {
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
      onclick: () => flyTo(stepStart(model, i), STEP_ZOOM), // the arrival: the end
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

/** One avoided report in words: its category and tracking id. */
export function avoidedText(report) {
  return t('route.avoidedItem', { category: report.title, id: report.trackingId });
}

/** The reports the route went round ({trackingId, title}), in the list and the text view. */
export function renderAvoided(model, avoided, ends) {
  const items = avoided.length
    ? avoided.map((r) => element('li', {}, avoidedText(r)))
    : [element('li', { className: 'route-none' }, t('route.noAvoided'))];
  $('route-avoided').replaceChildren(...items);
  renderTextView(model, avoided, ends);
}

function renderTextView(model, avoided, ends) {
  const { distance_m: distance, duration_s: duration, instructions = [] } = model.properties;
  const summary = t('route.textSummary', {
    from: ends.from?.label || '', to: ends.to?.label || '',
    distance: distanceText(distance), duration: durationText(duration), climb: climbText(model.climb),
  });
  const steps = instructions.map((step, i) => {
    const parts = [step.distance_m > 0 ? t('route.stepDistance', { text: step.text, distance: distanceText(step.distance_m) }) : step.text];
    for (const w of model.warnings.filter((x) => x.step === i)) {
      parts.push(t('route.textWarning', { text: `${w.text} (${fromStartText(w.distance)})` }));
    }
    return element('li', { dataset: { distanceM: String(step.distance_m) } }, parts.join(' '));
  });
  const reports = avoided.length
    ? element('ul', { className: 'route-text-avoided' }, avoided.map((r) => element('li', {}, avoidedText(r))))
    : element('p', {}, t('route.noAvoided'));
  $('route-text').replaceChildren(
    element('p', {}, summary),
    ...inclineSentences(model).map((s) => element('p', {}, s)),
    element('h4', { className: 'route-subheading', id: 'route-text-steps-title' }, t('route.steps')),
    element('ol', { className: 'route-text-steps', 'aria-labelledby': 'route-text-steps-title' }, steps),
    element('h4', { className: 'route-subheading' }, t('route.avoided')),
    reports,
  );
}

/** Fill the panel with `model` (readRoute's), the ends ({from, to} with labels) and the avoided reports. */
export function renderAnswer(model, ends, avoided) {
  renderSummary(model);
  renderInclineText(model);
  renderSteps(model);
  renderWarnings(model);
  renderUnknown(model);
  renderAvoided(model, avoided, ends);
}
