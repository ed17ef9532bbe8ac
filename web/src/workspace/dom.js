// Building the workspace's DOM without innerHTML: text goes in through textContent only, so a
// value from the server or a file can never become markup (the page's CSP forbids inline script).

import { formatNumber } from '../format.js';

export { TIME_ZONE } from '../format.js';

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

export { formatDate, formatNumber } from '../format.js';

/** A file size in bytes as "1,2 MB" in the page language. */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${formatNumber(bytes)} B`;
  if (bytes < 1024 * 1024) return `${formatNumber(bytes / 1024, { maximumFractionDigits: 1 })} KB`;
  return `${formatNumber(bytes / (1024 * 1024), { maximumFractionDigits: 1 })} MB`;
}
