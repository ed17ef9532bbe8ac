// A collection's page: its extent on a map; Ctrl-drag draws a box and a click on it shows its bbox.
'use strict';
(function () {
  const element = document.getElementById('collection-map');
  const pages = window.geohubPages;
  const map = pages.baseMap(element, { center: [0, 0], zoom: 1 });
  for (const href of pages.data(element, 'wms')) {
    L.tileLayer.wms(href, { opacity: 0.7, transparent: true, crs: L.CRS.EPSG4326 }).addTo(map);
  }
  const [minx, miny, maxx, maxy] = pages.data(element, 'bbox');
  const bboxLayer = L.polygon([[miny, minx], [maxy, minx], [maxy, maxx], [miny, maxx]]);
  map.addLayer(bboxLayer);
  map.fitBounds(bboxLayer.getBounds(), { maxZoom: 10 });

  let firstCorner;
  let currentBoundingBox;
  let boundingBox;
  let drawing = false;

  map.on('click', () => {
    if (!map.hasLayer(boundingBox)) return;
    const content = document.createElement('span');
    content.textContent = `bbox=${boundingBox.getBounds().toBBoxString()}`;
    L.popup({ maxWidth: 'auto' }).setLatLng(boundingBox.getBounds().getCenter()).setContent(content).addTo(map);
  });
  map.on('mousedown', (event) => {
    if (event.originalEvent.ctrlKey) {
      if (map.hasLayer(boundingBox)) map.removeLayer(boundingBox);
      map.dragging.disable();
      firstCorner = event.latlng;
      drawing = true;
    } else if (map.hasLayer(boundingBox) && !boundingBox.getBounds().contains(event.latlng)) {
      map.removeLayer(boundingBox);
    }
  });
  map.on('mouseup', (event) => {
    if (map.hasLayer(currentBoundingBox)) map.removeLayer(currentBoundingBox);
    if (event.originalEvent.ctrlKey && drawing) {
      boundingBox = L.rectangle([firstCorner, event.latlng], { color: '#ff7800', weight: 1 });
      boundingBox.addTo(map);
    }
    drawing = false;
    map.dragging.enable();
  });
  map.on('mousemove', (event) => {
    if (!drawing) return;
    if (map.hasLayer(currentBoundingBox)) map.removeLayer(currentBoundingBox);
    currentBoundingBox = L.rectangle([firstCorner, event.latlng], { dashArray: '4 1', weight: 0.4 });
    currentBoundingBox.addTo(map);
  });
  element.dataset.state = 'ready';
  window.geohubCollectionMap = map;
})();
