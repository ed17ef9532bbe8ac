"""OGC API – Features: pygeoapi embedded over the layer registry and the FeatureStore."""
