// Shared by the pages' Leaflet maps: the page's data, read from a data- attribute (never from script
// text), and a base map: GeoHub's own `basemap` style drawn by MapLibre GL JS under the Leaflet layers
// (npm @maplibre/maplibre-gl-leaflet), loaded only by the pages that have a map. Links built from
// data never leave http(s) or the site.
'use strict';
window.geohubPages = (function () {
  // GeoHub's root, from this file's own address (<root>/assets/js/map-data.js): pages, styles and
  // vendor files are all under it, behind a proxy's prefix too
  const root = new URL('../../', document.currentScript.src);
  let library; // MapLibre GL JS and the Leaflet plugin, loaded once per page

  function load(element, attributes) {
    return new Promise((resolve, reject) => {
      const tag = document.createElement(element);
      Object.assign(tag, attributes);
      tag.addEventListener('load', resolve);
      tag.addEventListener('error', () => reject(new Error(`${attributes.src || attributes.href} did not load`)));
      document.head.append(tag);
    });
  }

  function loadLibrary() {
    if (!library) {
      const vendor = (path) => new URL(`vendor/${path}`, root).href;
      library = Promise.all([
        load('link', { rel: 'stylesheet', href: vendor('maplibre-gl/dist/maplibre-gl.css') }),
        // MapLibre 6 is an ES module (its worker comes from its own file beside it); the plugin is a
        // classic script that reads the global `maplibregl`, so it runs once that is set
        import(vendor('maplibre-gl/dist/maplibre-gl.mjs')).then((maplibregl) => {
          window.maplibregl = maplibregl;
          return load('script', { src: vendor('@maplibre/maplibre-gl-leaflet/leaflet-maplibre-gl.js') });
        }),
      ]);
    }
    return library;
  }

  // The basemap under the map's layers; the element's data-basemap says how far it got
  // (loading, ready once it has drawn, failed: the map still works, on a plain background).
  async function addBasemap(map, element) {
    element.dataset.basemap = 'loading';
    try {
      await loadLibrary();
      const lang = encodeURIComponent(document.documentElement.lang || 'en');
      const style = new URL(`styles/basemap.json?lang=${lang}`, root).href;
      // attribution: the page's own, given once to Leaflet's control (the style's sources say the same)
      const layer = L.maplibreGL({ style, attributionControl: false, interactive: false });
      layer.addTo(map);
      layer.getMaplibreMap().once('idle', () => { element.dataset.basemap = 'ready'; });
    } catch (error) {
      element.dataset.basemap = 'failed';
      console.warn('GeoHub basemap:', error);
    }
  }

  return {
    data(element, name) {
      return JSON.parse(element.dataset[name]);
    },
    baseMap(element, view) {
      const options = JSON.parse(element.dataset.map);
      const map = L.map(element, { maxZoom: 18 }).setView(view.center, view.zoom);
      if (options.url) {
        map.addLayer(new L.TileLayer(options.url, { maxZoom: 18, attribution: options.attribution }));
      } else {
        if (options.attribution) map.attributionControl.addAttribution(options.attribution);
        addBasemap(map, element);
      }
      return map;
    },
    featureLink(itemsPath, feature, title) {
      const link = document.createElement('a');
      link.href = `${itemsPath}/${encodeURIComponent(feature.id)}?f=html`;
      link.textContent = title === undefined || title === null ? String(feature.id) : String(title);
      const wrapper = document.createElement('span');
      wrapper.append(link);
      return wrapper;
    },
  };
})();
