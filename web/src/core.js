// The web map's core: the page config, texts, calls to GeoHub's API, announcements, panels,
// the event bus and formatting in the page language. Every other module imports from here.

import { fillText } from './format.js';

export const config = JSON.parse(document.getElementById('geohub-config').textContent);
export const lang = config.lang;
export const bus = new EventTarget();

export { formatDate, formatNumber, locale, TIME_ZONE } from './format.js';

// ---- texts -------------------------------------------------------------------------------------

/** The text of `key` in the page language, {placeholders} filled from `params` (numbers formatted). */
export function t(key, params = {}) {
  return fillText(config.texts, key, params);
}

// ---- the API -----------------------------------------------------------------------------------

/** An error answer of GeoHub (problem+json), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || t('error.generic'));
    this.name = 'ApiError';
    this.status = status;
    this.title = problem.title || '';
    this.detail = problem.detail || '';
    this.problem = problem;
  }
}

/** Call GeoHub: `path` on this server, in the page language; resolves JSON (or the Response). */
export async function api(path, { method = 'GET', json, form, query, signal, headers = {} } = {}) {
  const url = new URL(path, window.location.origin);
  if (!url.searchParams.has('lang')) url.searchParams.set('lang', lang);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  const init = { method, signal, headers: { 'Accept-Language': lang, Accept: 'application/json', ...headers } };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers['Content-Type'] = 'application/json';
  } else if (form !== undefined) {
    init.body = form;
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, { title: t('error.network'), detail: t('error.network') });
  }
  const type = response.headers.get('Content-Type') || '';
  const isJson = /json/.test(type);
  if (!response.ok) {
    let problem = {};
    if (isJson) problem = await response.json().catch(() => ({}));
    throw new ApiError(response.status, problem);
  }
  if (response.status === 204) return null;
  return isJson ? response.json() : response;
}

// ---- announcements -----------------------------------------------------------------------------

const announcer = document.getElementById('announcer');
let announceTimer = null;

/** Say `text` to screen readers (the polite live region); a repeat is still spoken. */
export function announce(text) {
  if (!announcer || !text) return;
  clearTimeout(announceTimer);
  announcer.textContent = '';
  announceTimer = setTimeout(() => { announcer.textContent = text; }, 60);
}

// ---- the URL hash (map=… from MapLibre, and our own keys) --------------------------------------

/** The hash's parameters (map=zoom/lat/lon, layers=a,b, panel=name). */
export function hashParams() {
  return new URLSearchParams(window.location.hash.replace(/^#/, ''));
}

/** Set (or, with null, remove) one hash parameter without a history entry or a scroll. */
export function setHashParam(name, value) {
  const params = hashParams();
  if (value === null || value === undefined || value === '') params.delete(name);
  else params.set(name, value);
  const hash = params.toString().replace(/%2C/g, ',').replace(/%2F/g, '/');
  const url = `${window.location.pathname}${window.location.search}${hash ? `#${hash}` : ''}`;
  window.history.replaceState(window.history.state, '', url);
}

// ---- panels ------------------------------------------------------------------------------------

const openCallbacks = new Map();
let openName = null;
let opener = null;

function panelElement(name) {
  return document.getElementById(`panel-${name}`);
}

function navButtons(name) {
  return document.querySelectorAll(`[data-panel="${CSS.escape(name)}"]`);
}

/** The name of the panel open now, or null. */
export function currentPanel() {
  return openName;
}

/** Open panel `name` (one at a time), focus its heading, run its onPanelOpen callbacks. */
export function openPanel(name, { focus = true } = {}) {
  const panel = panelElement(name);
  if (!panel) return;
  if (openName && openName !== name) hidePanel(openName);
  if (document.activeElement && !panel.contains(document.activeElement)) opener = document.activeElement;
  panel.hidden = false;
  openName = name;
  document.body.dataset.panel = name;
  for (const button of navButtons(name)) button.setAttribute('aria-expanded', 'true');
  setHashParam('panel', name);
  if (focus) {
    const heading = panel.querySelector('h2');
    if (heading) {
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  }
  for (const callback of openCallbacks.get(name) || []) {
    try { callback(panel); } catch (error) { console.error(error); }
  }
  bus.dispatchEvent(new CustomEvent('panel-open', { detail: { name } }));
}

function hidePanel(name) {
  const panel = panelElement(name);
  if (panel) panel.hidden = true;
  for (const button of navButtons(name)) button.setAttribute('aria-expanded', 'false');
}

/** Close the open panel; focus goes back to what opened it. */
export function closePanel() {
  if (!openName) return;
  const name = openName;
  hidePanel(name);
  openName = null;
  delete document.body.dataset.panel;
  setHashParam('panel', null);
  bus.dispatchEvent(new CustomEvent('panel-close', { detail: { name } }));
  const back = opener && document.contains(opener) ? opener : navButtons(name)[0];
  opener = null;
  if (back) back.focus({ preventScroll: true });
}

/** Call `callback(panelElement)` each time panel `name` opens. */
export function onPanelOpen(name, callback) {
  if (!openCallbacks.has(name)) openCallbacks.set(name, []);
  openCallbacks.get(name).push(callback);
  if (openName === name) callback(panelElement(name));
}

// ---- small DOM helpers -------------------------------------------------------------------------

/** An element with attributes and children (strings become text nodes: never parsed as HTML). */
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'className') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A busy state on `container` while `promise` runs (aria-busy). */
export async function busyWhile(container, promise) {
  container.setAttribute('aria-busy', 'true');
  try {
    return await promise;
  } finally {
    container.setAttribute('aria-busy', 'false');
  }
}

/** Whether the user asked for less motion. */
export function reducedMotion() {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}
