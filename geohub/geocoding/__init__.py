"""Forward and reverse geocoding over the published address register and named features."""
