// The web map's entry point: wires the header (panels, language, high contrast) and loads every
// part. Each module wires itself on import; a part that fails to load leaves the others working.
import {
  bus, closePanel, config, currentPanel, hashParams, lang, openPanel, setHashParam,
} from './core.js';

const LANGUAGE_COOKIE = 'geohub_lang';
const LANGUAGE_KEY = 'geohub.lang';
const PART_MODULES = ['./layers.js', './details.js', './inview.js', './search.js', './report.js', './myreports.js', './route.js'];

// ---- panels: nav buttons toggle, close buttons and Esc close -----------------------------------

for (const button of document.querySelectorAll('[data-panel]')) {
  button.addEventListener('click', () => {
    if (currentPanel() === button.dataset.panel) closePanel();
    else openPanel(button.dataset.panel);
  });
}
for (const button of document.querySelectorAll('.panel-close')) {
  button.addEventListener('click', () => closePanel());
}
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape' || event.defaultPrevented || !currentPanel()) return;
  const panel = document.getElementById(`panel-${currentPanel()}`);
  if (panel && panel.contains(document.activeElement)) {
    const inWidget = document.activeElement.closest('[role="combobox"], [aria-expanded="true"]:not([data-panel])');
    if (!inWidget) closePanel();
  }
});

// the skip link focuses the map itself (following "#map" would overwrite the map's place in the hash)
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  const canvas = document.querySelector('#map canvas');
  if (canvas) canvas.focus();
});

// ---- language: cookie (the server's choice), localStorage, reload keeping the hash -------------

function rememberLanguage(code) {
  document.cookie = `${LANGUAGE_COOKIE}=${code}; Max-Age=31536000; Path=/; SameSite=Lax`;
  try { window.localStorage.setItem(LANGUAGE_KEY, code); } catch { /* private mode */ }
}

const languageSelect = document.getElementById('language');
languageSelect.addEventListener('change', () => {
  const code = languageSelect.value;
  rememberLanguage(code);
  const url = new URL(window.location.href);
  if (url.searchParams.has('lang')) {
    url.searchParams.delete('lang');
    window.location.replace(url.toString());
  } else {
    window.location.reload(); // (the same URL with a hash would only scroll)
  }
});
function stored(storage, key) {
  try { return storage.getItem(key); } catch { return null; }
}

if (!document.cookie.split('; ').some((c) => c.startsWith(`${LANGUAGE_COOKIE}=`))) {
  // no cookie (cleared, or a new browser session): a language picked on this device before wins,
  // once (a browser that keeps no cookie must not reload for ever)
  const picked = stored(window.localStorage, LANGUAGE_KEY);
  const asked = new URL(window.location.href).searchParams.has('lang');
  if (picked && picked !== lang && config.languages.includes(picked) && !asked
      && !stored(window.sessionStorage, 'geohub.langRestored')) {
    try { window.sessionStorage.setItem('geohub.langRestored', '1'); } catch { /* private mode */ }
    rememberLanguage(picked);
    window.location.reload();
  } else {
    rememberLanguage(lang);
  }
}

// ---- the map, then every part -----------------------------------------------------------------

const mapModule = await import('./map.js').catch((error) => {
  const box = document.getElementById('map-error');
  box.textContent = config.texts['error.map'] || 'The map could not be loaded.';
  box.hidden = false;
  document.getElementById('map').dataset.state = 'failed';
  console.error(error);
  return null;
});

if (mapModule) {
  const contrast = document.getElementById('high-contrast');
  contrast.checked = mapModule.isHighContrast();
  contrast.addEventListener('change', () => mapModule.setHighContrast(contrast.checked));
}

await Promise.all(PART_MODULES.map((path) => import(path).catch((error) => {
  console.error(`${path}:`, error);
})));

const panel = hashParams().get('panel');
if (panel && document.getElementById(`panel-${panel}`) && panel !== 'details') openPanel(panel, { focus: false });
else if (panel) setHashParam('panel', null);
bus.dispatchEvent(new CustomEvent('app-ready'));
