// Shared by the pages' Leaflet maps: the page's data, read from a data- attribute (never from script
// text), and a base map. Links built from data never leave http(s) or the site.
'use strict';
window.geohubPages = {
  data(element, name) {
    return JSON.parse(element.dataset[name]);
  },
  baseMap(element, view) {
    const options = JSON.parse(element.dataset.map);
    const map = L.map(element, { maxZoom: 18 }).setView(view.center, view.zoom);
    if (options.url) {
      map.addLayer(new L.TileLayer(options.url, { maxZoom: 18, attribution: options.attribution }));
    } else if (options.attribution) {
      map.attributionControl.addAttribution(options.attribution);
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
