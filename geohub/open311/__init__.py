"""Open311 GeoReport v2 at /open311/v2: the citizen reports service in the standard's words."""
