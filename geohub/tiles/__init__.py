"""Tiles: vector and raster tiles, tile matrix sets, caches, TileJSON and styles."""
