"""Map styles: MapLibre style documents, their glyphs and sprites, and a preview page per style."""
