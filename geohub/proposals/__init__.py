"""Layers as a service: a department proposes a new layer from a file, an administrator approves it.

records.py keeps proposals, inference.py reads a suggested definition from the file, checks.py says
what keeps a definition from being a layer, service.py is the workflow and routes.py its HTTP API.
"""
