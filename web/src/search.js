// Finding an address or a place: an accessible combobox (the ARIA 1.2 combobox pattern with a
// listbox popup) over GET /api/geocode, used by the search, report and route panels; and the
// search panel itself (a pick flies there, marks it and offers to report or route from it).

import { api, announce, bus, config, element, lang, onPanelOpen, openPanel, t } from './core.js';
import { flyTo, removeMarker, setMarker } from './map.js';

const DEBOUNCE_MS = 200;
const LIMIT = 8;
const MIN_CHARS = 2;
const PHONE = window.matchMedia('(max-width: 767px)'); // the panel is a bottom sheet there
const PLACE_MARKER = 'place';
let searches = 0;

/** An accessible place search in `container`; onPick({lon, lat, label, kind, district}). */
export function createPlaceSearch(container, { label, id, onPick, hint = t('search.hint') }) {
  const base = id || `place-search-${++searches}`;
  const ids = { input: `${base}-input`, list: `${base}-listbox`, hint: `${base}-hint`, status: `${base}-status` };
  const root = element('div', { className: 'place-search' });
  const labelElement = element('label', { className: 'place-search-label' }, label);
  labelElement.htmlFor = ids.input;
  const hintElement = element('p', { className: 'hint' }, hint);
  hintElement.id = ids.hint;
  const field = element('div', { className: 'place-search-field' });
  const input = element('input', { className: 'place-search-input' });
  Object.assign(input, { id: ids.input, type: 'text', autocomplete: 'off', spellcheck: false });
  setAttributes(input, {
    role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': ids.list,
    'aria-describedby': `${ids.hint} ${ids.status}`, enterkeyhint: 'search', autocapitalize: 'off',
  });
  const clear = element('button', { className: 'place-search-clear icon-button' });
  clear.type = 'button';
  clear.hidden = true;
  setAttributes(clear, { 'aria-label': t('search.clear'), title: t('search.clear') });
  clear.append(element('span', {}, '×'));
  clear.firstChild.setAttribute('aria-hidden', 'true');
  const list = element('ul', { className: 'place-search-list' });
  list.id = ids.list;
  list.hidden = true;
  setAttributes(list, { role: 'listbox', 'aria-label': t('search.results') });
  const status = element('p', { className: 'place-search-status' });
  status.id = ids.status;
  field.append(input, clear, list);
  root.append(labelElement, hintElement, field, status);
  container.append(root);

  let results = [];
  let active = -1;
  let timer = 0;
  let controller = null;
  let lastQuery = '';

  function setStatus(text, kind = '') {
    status.textContent = text;
    status.dataset.kind = kind;
  }

  function open(isOpen) {
    list.hidden = !isOpen;
    input.setAttribute('aria-expanded', String(isOpen));
    if (!isOpen) setActive(-1);
  }

  function setActive(index) {
    active = index;
    [...list.children].forEach((option, i) => option.setAttribute('aria-selected', String(i === index)));
    if (index >= 0 && list.children[index]) {
      input.setAttribute('aria-activedescendant', list.children[index].id);
      list.children[index].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function render() {
    list.replaceChildren(...results.map((place, i) => {
      const option = element('li', { className: 'place-search-option' });
      option.id = `${base}-option-${i}`;
      setAttributes(option, { role: 'option', 'aria-selected': 'false' });
      option.append(element('span', { className: 'place-search-name' }, place.label));
      const meta = placeMeta(place);
      if (meta) option.append(element('span', { className: 'place-search-meta' }, meta));
      option.addEventListener('pointerdown', (event) => event.preventDefault()); // keep the focus in the input
      option.addEventListener('click', () => pick(i));
      return option;
    }));
  }

  async function search(query) {
    controller?.abort();
    controller = new AbortController();
    const { signal } = controller;
    lastQuery = query;
    root.setAttribute('aria-busy', 'true');
    setStatus(t('search.searching'));
    try {
      const [answer] = await Promise.all([
        api('/api/geocode', { query: { q: query, limit: LIMIT }, signal }),
        loadDistricts().catch(() => null), // names only: the search works without them
      ]);
      if (signal.aborted) return;
      root.dataset.answered = query;
      results = distinct((answer.features || []).map(toPlace));
      render();
      if (results.length) {
        setStatus('');
        open(true);
        if (PHONE.matches) input.scrollIntoView({ block: 'start' }); // the results below it in sight
        announce(t('search.count', { n: results.length }));
      } else {
        open(false);
        setStatus(t('search.none'), 'none');
        announce(t('search.none'));
      }
    } catch (error) {
      if (signal.aborted || error.name === 'AbortError') return;
      root.dataset.answered = query;
      results = [];
      open(false);
      setStatus(error.message || t('error.generic'), 'error');
      announce(error.message || t('error.generic'));
    } finally {
      if (!signal.aborted) root.removeAttribute('aria-busy');
    }
  }

  function schedule() {
    window.clearTimeout(timer);
    const query = input.value.trim();
    clear.hidden = !input.value;
    if (query.length < MIN_CHARS) {
      controller?.abort();
      results = [];
      lastQuery = '';
      open(false);
      root.removeAttribute('aria-busy');
      setStatus(query ? t('search.tooShort') : '');
      return;
    }
    root.setAttribute('aria-busy', 'true');
    setStatus(t('search.searching'));
    timer = window.setTimeout(() => search(query), DEBOUNCE_MS);
  }

  function pick(index) {
    const place = results[index];
    if (!place) return;
    input.value = place.label;
    clear.hidden = false;
    open(false);
    setStatus('');
    announce(t('search.picked', { label: place.label }));
    onPick?.(place);
  }

  input.addEventListener('input', schedule);
  input.addEventListener('keydown', (event) => {
    const count = results.length;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        if (!count) return;
        event.preventDefault();
        const down = event.key === 'ArrowDown';
        if (list.hidden) {
          open(true);
          setActive(down ? 0 : count - 1);
        } else if (event.altKey) {
          if (!down) open(false);
        } else {
          setActive(down ? (active + 1) % count : (active <= 0 ? count - 1 : active - 1));
        }
        break;
      }
      case 'Enter': {
        event.preventDefault();
        const query = input.value.trim();
        if (!list.hidden && active >= 0) {
          pick(active);
        } else if (query.length >= MIN_CHARS && query !== lastQuery) {
          window.clearTimeout(timer);
          search(query); // at once: the list opens, and Enter again picks the first
        } else if (count) {
          pick(0);
        }
        break;
      }
      case 'Escape':
        if (!list.hidden) {
          event.preventDefault();
          event.stopPropagation(); // Esc closes the list, not the panel
          open(false);
        } else if (input.value) {
          event.preventDefault();
          event.stopPropagation();
          reset();
        }
        break;
      case 'Tab':
        open(false);
        break;
      default:
    }
  });
  input.addEventListener('blur', () => window.setTimeout(() => {
    if (document.activeElement !== input) open(false);
  }, 150));
  input.addEventListener('focus', () => {
    if (results.length && input.value.trim() === lastQuery) open(true);
  });
  clear.addEventListener('click', () => {
    reset();
    input.focus();
  });

  function reset() {
    window.clearTimeout(timer);
    controller?.abort();
    input.value = '';
    results = [];
    lastQuery = '';
    clear.hidden = true;
    open(false);
    setStatus('');
    root.removeAttribute('aria-busy');
  }

  return {
    input,
    setValue(text) {
      input.value = text || '';
      clear.hidden = !input.value;
      lastQuery = input.value.trim();
      results = [];
      open(false);
    },
    clear: reset,
    focus: () => input.focus(),
  };
}

// The names of the districts (the geocoder answers their slugs), read once.
let districtNames = null;
let districtsLoading = null;

/** Load the district names in the page language (once; later calls reuse the answer). */
export function loadDistricts() {
  if (districtNames) return Promise.resolve(districtNames);
  districtsLoading ??= api('/collections/districts/items', {
    query: { f: 'json', skipGeometry: 'true', properties: `name_${lang},name`, limit: 50 },
  }).then((answer) => {
    districtNames = Object.fromEntries((answer.features || []).map((feature) => [
      String(feature.id), feature.properties[`name_${lang}`] || feature.properties.name || String(feature.id),
    ]));
    return districtNames;
  }).finally(() => { districtsLoading = null; });
  return districtsLoading;
}

/** A district's name in the page language, or its slug while the names are not loaded. */
export function districtName(slug) {
  if (!slug) return '';
  return (districtNames && districtNames[slug]) || slug;
}

/** What kind of place it is (an address, or the layer's title) and its district, as one line. */
export function placeMeta(place) {
  const layer = (config.layers || []).find((each) => each.id === place.layer);
  const kind = place.kind === 'address' ? t('search.kind.address') : (layer?.title || '');
  return [kind, districtName(place.district)].filter(Boolean).join(' · ');
}

/** One entry per name, kind and district: a long street comes back as several ways. */
function distinct(places) {
  const seen = new Set();
  return places.filter((place) => {
    const key = [place.label, place.layer, place.district].join('|');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toPlace(feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const { label, kind, layer, district } = feature.properties;
  return { lon, lat, label, kind, layer, district };
}

function setAttributes(node, attributes) {
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
}

// The search panel: find, fly there, mark it, then report a problem or route from/to it.
function wireSearchPanel() {
  const panel = document.getElementById('panel-search');
  const host = document.getElementById('search-box');
  if (!panel || !host) return;
  const card = document.getElementById('search-place');
  const name = document.getElementById('search-place-name');
  const meta = document.getElementById('search-place-meta');
  let chosen = null;

  const search = createPlaceSearch(host, {
    label: t('search.label'),
    id: 'search-main',
    onPick(place) {
      chosen = place;
      name.textContent = place.label;
      meta.textContent = placeMeta(place);
      card.hidden = false;
      card.scrollIntoView({ block: 'nearest' }); // its buttons in sight, also in a phone's sheet
      setMarker(PLACE_MARKER, place, { label: place.label, kind: 'place' });
      flyTo(place, place.kind === 'address' ? 17 : 16);
    },
  });

  document.getElementById('search-report-here')?.addEventListener('click', () => {
    if (!chosen) return;
    bus.dispatchEvent(new CustomEvent('report-place', { detail: { place: chosen } }));
  });
  for (const which of ['from', 'to']) {
    document.getElementById(`search-route-${which}`)?.addEventListener('click', () => {
      if (!chosen) return;
      openPanel('route');
      bus.dispatchEvent(new CustomEvent('route-endpoint', { detail: { which, place: chosen } }));
    });
  }
  document.getElementById('search-place-clear')?.addEventListener('click', () => {
    chosen = null;
    card.hidden = true;
    removeMarker(PLACE_MARKER);
    search.clear();
    search.focus();
  });
  onPanelOpen('search', () => window.setTimeout(() => search.focus(), 0));
}

wireSearchPanel();
