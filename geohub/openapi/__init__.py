"""The OpenAPI document of GeoHub's own routes, generated from the routes themselves.

`operation.py` holds the `@documented(...)` metadata a view carries, `models.py` the pydantic
models of request and response bodies, `schemas.py` turns models into OpenAPI 3.0 schemas and
parameters, and `document.py` walks the app's URL map into paths. Nothing here imports Flask.
"""
