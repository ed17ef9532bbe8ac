// Reporting a problem: the place (a map tap, the device's location or a search), a category,
// a description, photos and private contact details, filed as POST /reports (multipart); then
// the duplicate offer, or the tracking number, kept on this device for "My reports".

import { api, announce, bus, config, element, formatNumber, onPanelOpen, openPanel, t } from './core.js';
import { flyTo, pickPoint, removeMarker, setMarker } from './map.js';
import { createPlaceSearch, districtName, loadDistricts } from './search.js';
import { dateText, rememberReport, showReportWhenPublished, statusBadge } from './myreports.js';

const CHOSEN_MARKER = 'report';
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const PHONE = /^\+?[0-9][0-9 ()-]{4,19}$/;
const MEGABYTE = 1024 * 1024;

const maxPhotos = config.maxPhotos ?? 3;
const maxPhotoBytes = config.maxPhotoBytes ?? 8 * MEGABYTE;
const photoTypes = config.photoTypes || ['image/jpeg', 'image/png', 'image/webp'];
const maxDescription = config.maxDescriptionChars || 2000;

const state = { place: null, photos: [], sending: false, placeRequest: 0 };
const $ = (id) => document.getElementById(id);

function wireReportPanel() {
  const form = $('report-form');
  if (!form) return;
  fillCategories();
  const search = createPlaceSearch($('report-place-search'), {
    label: t('report.place.searchLabel'),
    id: 'report-search',
    onPick: (place) => choosePlace(place, { fly: true }),
  });
  state.search = search;

  $('report-pick-map').addEventListener('click', pickOnMap);
  $('report-locate').addEventListener('click', locate);
  $('report-category').addEventListener('change', describeCategory);
  const description = $('report-description');
  description.maxLength = maxDescription;
  description.addEventListener('input', countCharacters);
  countCharacters();
  const photos = $('report-photos');
  photos.accept = photoTypes.join(',');
  photos.addEventListener('change', () => addPhotos(photos));
  $('report-photos-hint').textContent = t('report.photos.hint', { n: maxPhotos, size: megabytes(maxPhotoBytes) });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit(false);
  });
  $('report-file-anyway').addEventListener('click', () => submit(true));
  $('report-duplicates-back').addEventListener('click', () => show('compose', 'report-submit'));
  $('report-copy').addEventListener('click', copyTrackingId);
  $('report-open-mine').addEventListener('click', () => openPanel('myreports'));
  $('report-another').addEventListener('click', startOver);

  bus.addEventListener('report-place', (event) => {
    openPanel('report');
    show('compose');
    choosePlace(event.detail.place, { fly: false });
  });
  onPanelOpen('report', () => {
    if (state.place) setMarker(CHOSEN_MARKER, state.place, { label: t('report.place.chosen'), kind: 'report' });
  });
}

// ---- the place ---------------------------------------------------------------------------------

async function pickOnMap() {
  const button = $('report-pick-map');
  const point = await pickPoint(t('report.place.mapPrompt'));
  button.focus({ preventScroll: true });
  if (point) choosePlace(point, { fly: false });
}

function locate() {
  const button = $('report-locate');
  if (!('geolocation' in navigator)) {
    placeError(t('report.geo.unsupported'));
    return;
  }
  button.setAttribute('aria-busy', 'true');
  button.disabled = true;
  placeText(t('report.place.locating'));
  announce(t('report.place.locating'));
  navigator.geolocation.getCurrentPosition(
    (position) => {
      button.removeAttribute('aria-busy');
      button.disabled = false;
      choosePlace({ lon: position.coords.longitude, lat: position.coords.latitude }, { fly: true });
    },
    (error) => {
      button.removeAttribute('aria-busy');
      button.disabled = false;
      placeText(state.place ? state.place.label || '' : t('report.place.none'));
      placeError(t(error.code === 1 ? 'report.geo.denied' : 'report.geo.unavailable'));
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}

/** Take `place` ({lon, lat}, with a label when it came from the search) as the report's place. */
async function choosePlace(place, { fly }) {
  const request = ++state.placeRequest;
  const chosen = { lon: place.lon, lat: place.lat, label: place.label || '', district: place.district || '' };
  state.place = chosen;
  fieldError('report-place', '');
  setMarker(CHOSEN_MARKER, chosen, { label: t('report.place.chosen'), kind: 'report' });
  if (fly) flyTo(chosen, 17);
  $('report-place').dataset.state = chosen.label ? 'chosen' : 'looking';
  placeText(chosen.label || coordinates(chosen), chosen.label ? coordinates(chosen) : t('search.searching'));
  const [answer] = await Promise.all([
    chosen.label // found by the search: named already, and in the city
      ? null
      : api('/api/geocode/reverse', { query: { lon: chosen.lon.toFixed(6), lat: chosen.lat.toFixed(6) } })
        .catch((error) => error),
    loadDistricts().catch(() => null),
  ]);
  if (request !== state.placeRequest) return; // another place was chosen meanwhile
  if (answer instanceof Error && answer.status === 422) {
    state.place = null;
    removeMarker(CHOSEN_MARKER);
    $('report-place').dataset.state = 'none';
    placeText(t('report.place.none'));
    placeError(answer.message || t('report.place.outside'));
    return;
  }
  if (answer && !(answer instanceof Error)) {
    chosen.address = answer.properties.label;
    chosen.district = answer.properties.district || chosen.district;
    if (!chosen.label) chosen.label = answer.properties.label;
  }
  $('report-place').dataset.state = 'chosen';
  const first = chosen.label || t('report.place.chosen');
  const details = [chosen.label ? '' : t('report.place.noAddress'), districtName(chosen.district), coordinates(chosen)]
    .filter(Boolean).join(' · ');
  placeText(first, details);
  announce(`${t('report.place.chosen')}: ${first}`);
}

function coordinates({ lon, lat }) {
  const digits = { minimumFractionDigits: 5, maximumFractionDigits: 5 };
  return t('report.place.coordinates', { lat: formatNumber(lat, digits), lon: formatNumber(lon, digits) });
}

function placeText(main, detail = '') {
  $('report-place-text').textContent = main;
  const second = $('report-place-detail');
  second.textContent = detail;
  second.hidden = !detail;
}

function placeError(message) {
  fieldError('report-place', message);
  if (message) announce(message);
}

// ---- category, description, photos --------------------------------------------------------------

function fillCategories() {
  const select = $('report-category');
  const groups = new Map();
  const categories = [...(config.reportCategories || [])]
    .sort((a, b) => Number(a.accessibility) - Number(b.accessibility)); // upkeep first, barriers together
  for (const category of categories) {
    if (!groups.has(category.group)) groups.set(category.group, element('optgroup', { label: category.group }));
    groups.get(category.group).append(element('option', { value: category.code }, category.title));
  }
  select.append(...groups.values());
}

function describeCategory() {
  const code = $('report-category').value;
  const category = (config.reportCategories || []).find((each) => each.code === code);
  $('report-category-about').textContent = category ? category.description : '';
  if (code) fieldError('report-category', '');
}

function countCharacters() {
  const description = $('report-description');
  const left = maxDescription - description.value.length;
  $('report-description-count').textContent = t('report.description.left', { n: left });
  if (description.value.trim()) fieldError('report-description', '');
}

function addPhotos(input) {
  const problems = [];
  for (const file of input.files) {
    if (state.photos.length >= maxPhotos) {
      problems.push(t('report.photos.tooMany', { n: maxPhotos }));
      break;
    }
    if (!photoTypes.includes(file.type)) {
      problems.push(t('report.photos.wrongType', { name: file.name }));
    } else if (file.size > maxPhotoBytes) {
      problems.push(t('report.photos.tooLarge', { name: file.name, size: megabytes(maxPhotoBytes) }));
    } else {
      state.photos.push({ file, url: URL.createObjectURL(file) });
    }
  }
  input.value = ''; // the same file may be chosen again after a removal
  fieldError('report-photos', problems.join(' '));
  renderPhotos();
  announce([problems.join(' '), t('report.photos.added', { n: state.photos.length })].filter(Boolean).join(' '));
}

function renderPhotos() {
  const list = $('report-photo-list');
  list.replaceChildren(...state.photos.map((photo, index) => {
    const n = index + 1;
    const remove = element('button', {
      type: 'button', className: 'photo-remove icon-button', 'aria-label': t('report.photos.remove', { n }),
      title: t('report.photos.remove', { n }),
    }, element('span', { 'aria-hidden': 'true' }, '×'));
    remove.addEventListener('click', () => removePhoto(index));
    return element('li', { className: 'photo-item' },
      element('img', { src: photo.url, alt: t('report.photos.alt', { n, name: photo.file.name }), width: 96, height: 96 }),
      remove);
  }));
  const full = state.photos.length >= maxPhotos;
  $('report-photos').disabled = full;
  $('report-photos').closest('.file-picker').dataset.full = String(full);
}

function removePhoto(index) {
  const [removed] = state.photos.splice(index, 1);
  if (removed) URL.revokeObjectURL(removed.url);
  renderPhotos();
  fieldError('report-photos', '');
  announce(t('report.photos.added', { n: state.photos.length }));
  const buttons = document.querySelectorAll('#report-photo-list .photo-remove');
  (buttons[Math.min(index, buttons.length - 1)] || $('report-photos')).focus();
}

function megabytes(bytes) {
  return t('report.photos.megabytes', { n: formatNumber(bytes / MEGABYTE, { maximumFractionDigits: 1 }) });
}

// ---- checking and sending ----------------------------------------------------------------------

function fieldError(field, message) {
  const box = $(`${field}-error`);
  if (box) {
    box.textContent = message;
    box.hidden = !message;
  }
  const control = field === 'report-place' ? null : $(field);
  if (control) {
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
    const describedBy = new Set((control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
    describedBy.add(`${field}-error`);
    control.setAttribute('aria-describedby', [...describedBy].join(' '));
  }
}

/** The form's fields checked; the JSON body, or null after marking what is wrong. */
function readForm() {
  const category = $('report-category').value;
  const description = $('report-description').value.trim();
  const email = $('report-email').value.trim();
  const phone = $('report-phone').value.trim();
  const problems = [
    ['report-place', !state.place && t('report.needPlace'), $('report-pick-map')],
    ['report-category', !category && t('report.needCategory')],
    ['report-description', !description && t('report.needDescription')],
    ['report-email', email && !EMAIL.test(email) && t('report.badEmail')],
    ['report-phone', phone && !PHONE.test(phone) && t('report.badPhone')],
  ];
  let first = null;
  for (const [field, message, focusTarget] of problems) {
    fieldError(field, message || '');
    if (message && !first) first = focusTarget || $(field);
  }
  if (first) {
    showError(t('report.invalid'), null);
    first.focus();
    return null;
  }
  showError('');
  return {
    category,
    description,
    location: { lon: state.place.lon, lat: state.place.lat },
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
  };
}

async function submit(confirmDistinct) {
  if (state.sending) return;
  const body = readForm();
  if (!body) {
    show('compose');
    return;
  }
  const form = new FormData();
  form.append('report', JSON.stringify({ ...body, confirmDistinct }));
  for (const photo of state.photos) form.append('photo', photo.file, photo.file.name);
  setSending(true);
  try {
    const answer = await api('/reports', { method: 'POST', form });
    if (answer.filed) filed(answer, body);
    else offerDuplicates(answer.duplicates || []);
  } catch (error) {
    show('compose');
    showProblem(error);
  } finally {
    setSending(false);
  }
}

function setSending(sending) {
  state.sending = sending;
  for (const id of ['report-submit', 'report-file-anyway']) {
    const button = $(id);
    button.setAttribute('aria-disabled', String(sending));
    button.textContent = sending ? t('report.sending') : t(id === 'report-submit' ? 'report.submit' : 'report.duplicates.distinct');
  }
  $('panel-report').setAttribute('aria-busy', String(sending));
  if (sending) announce(t('report.sending'));
}

/** An error answer shown in the page language, with its fields marked. */
function showProblem(error) {
  const hints = { 429: 'report.error.tooMany', 413: 'report.error.tooLarge', 415: 'report.error.type' };
  const fields = { description: 'report-description', email: 'report-email', phone: 'report-phone',
    category: 'report-category', location: 'report-place', photo: 'report-photos' };
  for (const item of error.problem?.errors || []) {
    const field = fields[String(item.field).split('.')[0]];
    if (field) fieldError(field, item.message);
  }
  const extra = hints[error.status] ? t(hints[error.status]) : '';
  const message = error.status === 429 ? extra : [error.message, extra].filter(Boolean).join(' ');
  showError(message || t('error.generic'), true);
}

function showError(message, focus = false) {
  const box = $('report-error');
  box.textContent = message;
  box.hidden = !message;
  if (message && focus) box.focus();
}

/** Switch between the form, the duplicate offer and the thank-you, focusing `focusId`'s element. */
function show(view, focusId) {
  $('report-compose').hidden = view !== 'compose';
  $('report-duplicates').hidden = view !== 'duplicates';
  $('report-success').hidden = view !== 'success';
  if (focusId) $(focusId)?.focus();
}

// ---- the duplicate offer -----------------------------------------------------------------------

function offerDuplicates(duplicates) {
  $('report-duplicates-message').textContent = '';
  $('report-duplicate-list').replaceChildren(...duplicates.map(duplicateCard));
  show('duplicates', 'report-duplicates-title');
  announce(t('report.duplicates.title'));
}

function duplicateCard(duplicate) {
  const supporters = element('span', {}, t('report.duplicates.supporters', { n: duplicate.supporters }));
  const button = element('button', { type: 'button', className: 'button' }, t('report.duplicates.support'));
  const title = element('h4', { className: 'card-title' }, duplicate.category.title);
  const card = element('li', { className: 'card duplicate-card' },
    title,
    element('p', { className: 'card-meta' },
      statusBadge(duplicate.status), ' ',
      element('span', {}, t('report.duplicates.distance', { m: Math.round(duplicate.distanceM) })), ' · ',
      supporters),
    element('p', { className: 'card-meta' }, `№ ${duplicate.trackingId}`),
    button);
  button.setAttribute('aria-describedby', `${(title.id = `duplicate-${duplicate.trackingId}`)}`);
  button.addEventListener('click', async () => {
    if (button.getAttribute('aria-disabled') === 'true') return;
    button.setAttribute('aria-disabled', 'true');
    card.setAttribute('aria-busy', 'true');
    try {
      const summary = await api(`/reports/${encodeURIComponent(duplicate.trackingId)}/support`, { method: 'POST' });
      supporters.textContent = t('report.duplicates.supporters', { n: summary.supporters });
      rememberReport({
        trackingId: summary.trackingId, secret: null, category: summary.category.code,
        filedAt: new Date().toISOString(), lon: state.place?.lon, lat: state.place?.lat, supported: true,
      });
      button.textContent = t('report.duplicates.supportedButton');
      $('report-duplicates-message').textContent = t('report.duplicates.supported', { id: summary.trackingId });
      bus.dispatchEvent(new CustomEvent('reports-changed', { detail: { trackingId: summary.trackingId } }));
    } catch (error) {
      button.setAttribute('aria-disabled', 'false');
      $('report-duplicates-message').textContent = error.message;
    } finally {
      card.setAttribute('aria-busy', 'false');
    }
  });
  return card;
}

// ---- filed -------------------------------------------------------------------------------------

function filed(answer, body) {
  const { report } = answer;
  rememberReport({
    trackingId: answer.trackingId, secret: answer.secret, category: body.category,
    filedAt: report.createdAt, lon: body.location.lon, lat: body.location.lat, photoCount: answer.photoCount,
  });
  $('report-tracking-id').textContent = answer.trackingId;
  $('report-copy-status').textContent = '';
  const facts = [
    report.category.title,
    t('report.filed.goesTo', { department: report.department.name }),
    t('report.filed.due', { date: dateText(report.dueAt, { time: false }) }),
    answer.photoCount ? t('report.filed.photos', { n: answer.photoCount }) : null,
  ].filter(Boolean);
  $('report-success-facts').replaceChildren(...facts.map((fact) => element('li', {}, fact)));
  removeMarker(CHOSEN_MARKER);
  show('success', 'report-success-title');
  announce(`${t('report.filed.title')}. ${t('report.filed.trackingLabel')}: ${answer.trackingId}`);
  bus.dispatchEvent(new CustomEvent('reports-changed', { detail: { trackingId: answer.trackingId } }));
  showReportWhenPublished(answer.trackingId, body.location);
}

async function copyTrackingId() {
  const id = $('report-tracking-id').textContent;
  let copied = false;
  try {
    await navigator.clipboard.writeText(id);
    copied = true;
  } catch {
    const selection = window.getSelection();
    const range = document.createRange();
    range.selectNodeContents($('report-tracking-id'));
    selection.removeAllRanges();
    selection.addRange(range);
    copied = document.execCommand?.('copy') ?? false;
  }
  $('report-copy-status').textContent = copied ? t('report.filed.copied') : '';
}

function startOver() {
  $('report-form').reset();
  for (const photo of state.photos) URL.revokeObjectURL(photo.url);
  state.photos = [];
  state.place = null;
  state.placeRequest += 1;
  state.search?.clear();
  renderPhotos();
  countCharacters();
  describeCategory();
  for (const field of ['report-place', 'report-category', 'report-description', 'report-email', 'report-phone', 'report-photos']) {
    fieldError(field, '');
  }
  showError('');
  $('report-place').dataset.state = 'none';
  placeText(t('report.place.none'));
  show('compose', 'report-pick-map');
}

wireReportPanel();
