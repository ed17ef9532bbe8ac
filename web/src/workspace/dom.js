// Building the workspace's DOM without innerHTML: text goes in through textContent only, so a
// value from the server or a file can never become markup (the page's CSP forbids inline script).

const LOCALES = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };
const lang = document.documentElement.lang || 'en';
const locale = LOCALES[lang] || lang;
// Kazakh writes numbers as Russian does, and browsers' ICU often has no Kazakh month names
const NUMBER_LOCALE = lang === 'kk' ? 'ru-RU' : locale;
const KAZAKH_MONTHS = ['қаңтар', 'ақпан', 'наурыз', 'сәуір', 'мамыр', 'маусым', 'шілде', 'тамыз',
  'қыркүйек', 'қазан', 'қараша', 'желтоқсан'];
export const TIME_ZONE = 'Asia/Almaty';

/**
 * A new element: `h('button', {type: 'button', class: 'x', onclick: fn}, 'text', child)`.
 * attrs: class, id, for, aria-*, data-*, any plain attribute; on<event> functions become listeners;
 * `hidden`/`disabled`/`checked`/`selected`/`required`/`multiple` booleans set the property; `value`
 * sets the property. Children: strings and numbers (as text), nodes, arrays, null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'class') {
      element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (name === 'for') {
      element.htmlFor = value;
    } else if (['hidden', 'disabled', 'checked', 'selected', 'required', 'multiple', 'value'].includes(name)) {
      element[name] = value;
    } else if (name === 'style') {
      throw new Error('h(): no style attribute (CSP); use a class');
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else if (child instanceof Node) element.append(child);
    else element.append(document.createTextNode(String(child)));
  }
}

/** Remove every child of `element`; returns it. */
export function clear(element) {
  while (element.firstChild) element.firstChild.remove();
  return element;
}

const numberFormats = new Map();

/** `n` written the way the page language writes numbers (Intl.NumberFormat `options`). */
export function formatNumber(n, options = {}) {
  const key = JSON.stringify(options);
  if (!numberFormats.has(key)) numberFormats.set(key, new Intl.NumberFormat(NUMBER_LOCALE, options));
  return numberFormats.get(key).format(n);
}

function kazakhDate(when, { dateOnly, timeZone }) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone,
  }).formatToParts(when).map((part) => [part.type, part.value]));
  const date = `${Number(parts.day)} ${KAZAKH_MONTHS[Number(parts.month) - 1]} ${parts.year} ж.`;
  return dateOnly ? date : `${date}, ${parts.hour}:${parts.minute}`;
}

/** An ISO date or date-time in the page language, in Almaty time ('' for none). */
export function formatDate(iso) {
  if (iso === null || iso === undefined || iso === '') return '';
  const text = String(iso);
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const when = new Date(dateOnly ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(when.getTime())) return text;
  const timeZone = dateOnly ? 'UTC' : TIME_ZONE;
  if (lang === 'kk') return kazakhDate(when, { dateOnly, timeZone });
  const options = dateOnly ? { dateStyle: 'long', timeZone } : { dateStyle: 'medium', timeStyle: 'short', timeZone };
  return new Intl.DateTimeFormat(locale, options).format(when);
}

/** A file size in bytes as "1,2 MB" in the page language. */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${formatNumber(bytes)} B`;
  if (bytes < 1024 * 1024) return `${formatNumber(bytes / 1024, { maximumFractionDigits: 1 })} KB`;
  return `${formatNumber(bytes / (1024 * 1024), { maximumFractionDigits: 1 })} MB`;
}
