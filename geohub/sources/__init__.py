"""Sources: every kind of department data read into lon/lat geometries and plain columns."""
