// A style's preview page: MapLibre GL JS showing the style, and the style's layers with how fresh
// their data is. Everything comes from the page's #preview-config JSON block; text from the server
// goes in with textContent, never parsed as HTML. Dates are shown in Almaty time.
const config = JSON.parse(document.getElementById('preview-config').textContent);
const { Map, NavigationControl } = await import(config.moduleUrl);

const container = document.getElementById('map');
const map = new Map({
  container,
  style: config.styleUrl,
  center: config.center,
  zoom: config.zoom,
  locale: config.locale,
});
map.addControl(new NavigationControl());
map.on('idle', () => { container.dataset.state = 'idle'; });
map.on('error', (event) => { console.error('map error:', event.error && event.error.message); });
window.geohubMap = map;

function freshnessText(freshness, layerText) {
  const shownAt = new Intl.DateTimeFormat(document.documentElement.lang, {
    dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Almaty',
  });
  const when = (stamp) => shownAt.format(new Date(stamp));
  const parts = [freshness.published
    ? layerText.updated.replace('{date}', () => when(freshness.published))
    : layerText.unpublished];
  if (freshness.nextSync) parts.push(layerText.next_sync.replace('{date}', () => when(freshness.nextSync)));
  const changes = freshness.changes;
  parts.push(changes
    ? layerText.changed.replace('{n}', () => String(changes.added + changes.changed + changes.removed))
    : layerText.changes_unknown);
  if (freshness.lastAttempt && freshness.lastAttempt.failed) parts.push(layerText.sync_failed);
  return parts.join(', ');
}

async function listLayers(collectionsUrl, layerText) {
  const layerList = document.getElementById('layer-list');
  const inStyle = new Set(map.getStyle().layers.map((layer) => layer['source-layer']).filter(Boolean));
  try {
    const response = await fetch(collectionsUrl, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`collections: HTTP ${response.status}`);
    for (const collection of (await response.json()).collections) {
      const freshness = collection['geohub:freshness'];
      if (!freshness || !inStyle.has(collection.id)) continue;
      const item = document.createElement('li');
      item.dataset.layer = collection.id;
      const name = document.createElement('strong');
      name.textContent = collection.title;
      const detail = document.createElement('span');
      detail.className = 'freshness';
      detail.textContent = freshnessText(freshness, layerText);
      item.append(name, document.createTextNode(': '), detail);
      layerList.append(item);
    }
    layerList.dataset.state = 'ready';
  } catch (error) {
    layerList.textContent = layerText.layers_unavailable;
    layerList.dataset.state = 'failed';
    console.warn('layer list:', error.message);
  }
}

if (config.collectionsUrl) map.once('load', () => listLayers(config.collectionsUrl, config.layerText));
