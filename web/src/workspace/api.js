// Calls to GeoHub's HTTP API from the workspace: the bearer token (sessionStorage, never a cookie)
// and the page language on every request; errors as ApiError carrying the RFC 7807 problem, whose
// `detail` the server already wrote in the page language.

const TOKEN_KEY = 'geohub.workspace.token';
const lang = document.documentElement.lang || 'en';
let onUnauthorized = () => {};

/** An error answer of GeoHub (problem+json), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, problem, fallback) {
    super((problem && (problem.detail || problem.title)) || fallback || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem || {};
  }
}

/** The token signed in with, or null. */
export function token() {
  try { return window.sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}

/** Keep (or, with null, forget) the token for this tab. */
export function setToken(value) {
  try {
    if (value) window.sessionStorage.setItem(TOKEN_KEY, value);
    else window.sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage refused: the sign-in lasts this page only */ }
}

/** What to do when GeoHub answers 401 (main.js: forget the token, show the sign-in form). */
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

let networkMessage = 'GeoHub cannot be reached.';
/** The message of a network failure, in the page language (set by main.js). */
export function setNetworkMessage(text) {
  networkMessage = text;
}

function headers(extra = {}) {
  const all = { Accept: 'application/json', 'Accept-Language': lang, ...extra };
  const current = token();
  if (current) all.Authorization = `Bearer ${current}`;
  return all;
}

function parse(status, type, text) {
  if (status === 204 || !text) return null;
  if (/json/.test(type || '')) {
    try { return JSON.parse(text); } catch { return null; }
  }
  return text;
}

function failure(status, type, text, signedIn) {
  const body = parse(status, type, text);
  const error = new ApiError(status, body && typeof body === 'object' ? body : {});
  if (status === 401 && signedIn) onUnauthorized(error); // a wrong password is no expired session
  return error;
}

async function request(method, path, body) {
  const init = { method, headers: headers() };
  const signedIn = 'Authorization' in init.headers;
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, { detail: networkMessage }, networkMessage);
  }
  const text = await response.text();
  const type = response.headers.get('Content-Type');
  if (!response.ok) throw failure(response.status, type, text, signedIn);
  return parse(response.status, type, text);
}

/** `formData` sent by XHR (for its upload progress: `onProgress(loaded, total)`). */
function upload(path, formData, onProgress = () => {}, method = 'POST') {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    const sent = headers();
    for (const [name, value] of Object.entries(sent)) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('load', () => {
      const type = xhr.getResponseHeader('Content-Type');
      if (xhr.status >= 200 && xhr.status < 300) resolve(parse(xhr.status, type, xhr.responseText));
      else reject(failure(xhr.status, type, xhr.responseText, 'Authorization' in sent));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, { detail: networkMessage }, networkMessage)));
    xhr.addEventListener('abort', () => reject(new ApiError(0, { detail: networkMessage }, networkMessage)));
    xhr.send(formData);
  });
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body),
  put: (path, body) => request('PUT', path, body),
  patch: (path, body) => request('PATCH', path, body),
  delete: (path) => request('DELETE', path),
  upload,
};
