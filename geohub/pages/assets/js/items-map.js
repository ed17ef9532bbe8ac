// The items page: the limit selector and the map of the page's features, each with a popup link.
'use strict';
(function () {
  const select = document.getElementById('limits');
  if (select) {
    const defaultValue = select.getElementsByTagName('option')[0].value;
    select.value = new URL(document.location).searchParams.get('limit') || defaultValue;
    select.addEventListener('change', (event) => {
      document.location.search = `limit=${encodeURIComponent(event.target.value)}`;
    });
  }
  const element = document.getElementById('items-map');
  if (!element) return;
  const pages = window.geohubPages;
  const map = pages.baseMap(element, { center: [45, -75], zoom: 5 });
  const itemsPath = element.dataset.itemsPath;
  const titleField = element.dataset.titleField;
  const items = new L.GeoJSON(pages.data(element, 'features'), {
    onEachFeature(feature, layer) {
      const title = titleField ? (feature.properties || {})[titleField] : feature.id;
      layer.bindPopup(pages.featureLink(itemsPath, feature, title));
    },
  });
  const markers = L.markerClusterGroup({ disableClusteringAtZoom: 9, chunkedLoading: true, chunkInterval: 500 });
  markers.clearLayers().addLayer(items);
  map.addLayer(markers);
  if (items.getLayers().length) map.fitBounds(items.getBounds());
  element.dataset.state = 'ready';
  window.geohubItemsMap = map;
})();
