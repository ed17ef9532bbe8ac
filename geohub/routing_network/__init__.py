"""The routing network: the noded pedestrian graph built from the OSM extract, with inclines from the DEM."""
