// The style's preview in the proposal form: the file's features over the basemap (MapLibre, the
// vendored build the web map uses) in the chosen template and colour, or a drawn swatch.
import { clear, h } from '../../dom.js';
import { uploadedFile } from './common.js';

const SVG = 'http://www.w3.org/2000/svg';
const PREVIEW_MAX_FEATURES = 2000;

/** Where the proposal's sample features are, when the server offers them (GeoJSON in WGS84). */
function featuresUrl(proposal) {
  const links = proposal.links || {};
  const file = proposal.file || {};
  return links.features || file.featuresUrl || null;
}

function templateKind(template, geometryType) {
  const id = String(template || '');
  if (id.startsWith('point')) return 'points';
  if (id.startsWith('line')) return 'lines';
  if (id.startsWith('area')) return 'areas';
  if (/Point/.test(geometryType || '')) return 'points';
  if (/LineString/.test(geometryType || '')) return 'lines';
  return 'areas';
}

let mapLibrary = null;
let previewMap = null; // one preview map at a time: its WebGL context goes when the view does

function removePreviewMap() {
  if (previewMap) previewMap.remove();
  previewMap = null;
}

function loadMapLibrary(ctx) {
  const css = ctx.config.urls.maplibreCss;
  if (css && !document.querySelector(`link[href="${css}"]`)) {
    document.head.append(h('link', { rel: 'stylesheet', href: css }));
  }
  if (!mapLibrary) mapLibrary = import(ctx.config.urls.maplibre);
  return mapLibrary;
}

function previewLayers(kind, colour) {
  if (kind === 'points') {
    return [{
      id: 'proposal-points', type: 'circle', source: 'proposal',
      paint: { 'circle-color': colour, 'circle-radius': 6, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 },
    }];
  }
  if (kind === 'lines') {
    return [{ id: 'proposal-lines', type: 'line', source: 'proposal', paint: { 'line-color': colour, 'line-width': 3 } }];
  }
  return [
    { id: 'proposal-fill', type: 'fill', source: 'proposal', paint: { 'fill-color': colour, 'fill-opacity': 0.35 } },
    { id: 'proposal-outline', type: 'line', source: 'proposal', paint: { 'line-color': colour, 'line-width': 1.5 } },
  ];
}

function svg(tag, attrs) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  return element;
}

function swatch(kind, colour) {
  // decorative: the figure's caption says what it shows
  const picture = svg('svg', { viewBox: '0 0 120 72', width: '120', height: '72', 'aria-hidden': 'true', focusable: 'false' });
  picture.append(svg('rect', { x: 0, y: 0, width: 120, height: 72, fill: '#f2efe9' }));
  if (kind === 'points') {
    for (const [x, y] of [[28, 42], [60, 24], [92, 48]]) {
      picture.append(svg('circle', { cx: x, cy: y, r: 7, fill: colour, stroke: '#ffffff', 'stroke-width': 2 }));
    }
  } else if (kind === 'lines') {
    picture.append(svg('polyline', {
      points: '8,58 40,30 72,44 112,14', fill: 'none', stroke: colour, 'stroke-width': 4, 'stroke-linejoin': 'round',
    }));
  } else {
    picture.append(svg('polygon', {
      points: '14,60 22,14 84,10 108,40 70,64', fill: colour, 'fill-opacity': 0.35, stroke: colour, 'stroke-width': 2,
    }));
  }
  return picture;
}

/** The features of a GeoJSON FeatureCollection that have a geometry, at most PREVIEW_MAX_FEATURES. */
function sampleOf(collection) {
  const features = collection && Array.isArray(collection.features) ? collection.features : [];
  const drawn = features.filter((feature) => feature && feature.geometry && feature.geometry.type)
    .slice(0, PREVIEW_MAX_FEATURES)
    .map((feature) => ({ type: 'Feature', geometry: feature.geometry, properties: {} }));
  return { type: 'FeatureCollection', features: drawn };
}

/** The preview of the chosen template and colour; `update(template, colour)` redraws it. */
export function stylePreview(ctx, proposal) {
  const box = h('div', { class: 'prop-preview-box', 'data-kind': 'swatch' });
  const caption = h('figcaption', { class: 'ws-hint' }, ctx.t('prop.preview.swatch'));
  const figure = h('figure', { class: 'prop-preview' }, box, caption);
  const geometryType = (proposal.definition || {}).geometry_type;
  let state = { template: null, colour: '#1b7837' };
  let map = null;
  let mapReady = false; // the basemap loaded and the features' source added

  function drawSwatch() {
    if (map) return;
    clear(box);
    box.dataset.kind = 'swatch';
    caption.textContent = ctx.t('prop.preview.swatch');
    box.append(swatch(templateKind(state.template, geometryType), state.colour));
  }

  function paintMap() {
    if (!map || !mapReady) return;
    for (const id of ['proposal-points', 'proposal-lines', 'proposal-fill', 'proposal-outline']) {
      if (map.getLayer(id)) map.removeLayer(id);
    }
    for (const layer of previewLayers(templateKind(state.template, geometryType), state.colour)) map.addLayer(layer);
  }

  async function startMap(features) {
    const { Map: MapLibreMap } = await loadMapLibrary(ctx);
    const bbox = (proposal.file || {}).bbox;
    clear(box);
    const container = h('div', { class: 'prop-preview-map', 'data-state': 'loading' });
    box.dataset.kind = 'map';
    box.append(container);
    caption.textContent = ctx.t('prop.preview.label');
    const options = {
      container, style: ctx.config.urls.basemapStyle, interactive: false, attributionControl: { compact: true },
      maplibreLogo: false, fadeDuration: 0,
      locale: {
        'Map.Title': ctx.t('prop.preview.label'),
        'AttributionControl.ToggleAttribution': ctx.t('prop.map.attribution'),
      },
    };
    if (Array.isArray(bbox) && bbox.length >= 4 && (bbox[2] > bbox[0] || bbox[3] > bbox[1])) {
      options.bounds = [[bbox[0], bbox[1]], [bbox[2], bbox[3]]];
      options.fitBoundsOptions = { padding: { top: 24, left: 24, right: 24, bottom: 44 }, maxZoom: 16 };
    } else if (Array.isArray(bbox) && bbox.length >= 2) {
      options.center = [bbox[0], bbox[1]];
      options.zoom = 15;
    } else {
      options.center = [76.95, 43.25];
      options.zoom = 11;
    }
    removePreviewMap();
    map = new MapLibreMap(options);
    previewMap = map;
    window.addEventListener('hashchange', removePreviewMap, { once: true });
    map.on('load', () => {
      map.addSource('proposal', { type: 'geojson', data: features });
      mapReady = true;
      paintMap();
      container.dataset.state = 'drawn'; // the features' layers are in; tiles may still come
    });
    map.on('idle', () => { container.dataset.state = 'idle'; });
  }

  async function load() {
    drawSwatch();
    const url = featuresUrl(proposal);
    const file = uploadedFile(ctx, proposal.id);
    if ((!url && !file) || !ctx.config.urls || !ctx.config.urls.maplibre) return; // the swatch says enough
    try {
      const features = url ? await ctx.api.get(url) : sampleOf(JSON.parse(await file.text()));
      if (features && features.features.length) await startMap(features);
    } catch (error) {
      console.warn('style preview:', error);
      map = null;
      drawSwatch();
    }
  }

  return {
    element: figure,
    load,
    update(template, colour) {
      state = { template, colour };
      if (map) paintMap();
      else drawSwatch();
    },
  };
}
