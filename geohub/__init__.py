"""GeoHub Almaty: the city's unified geospatial portal and tile server."""

__version__ = "0.1.0"
