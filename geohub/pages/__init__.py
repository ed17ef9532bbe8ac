"""GeoHub's HTML pages under a strict CSP: pygeoapi's templates without inline script, scripts as files."""
