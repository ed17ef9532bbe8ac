// One item's page: the feature on a map.
'use strict';
(function () {
  const element = document.getElementById('items-map');
  const pages = window.geohubPages;
  const map = pages.baseMap(element, { center: [45, -75], zoom: 10 });
  const item = new L.GeoJSON(pages.data(element, 'feature'));
  map.addLayer(item);
  if (item.getLayers().length) map.fitBounds(item.getBounds(), { maxZoom: 15 });
  element.dataset.state = 'ready';
  window.geohubItemsMap = map;
})();
