"""ETL: read a layer's source, derive attributes, and write it to the store as a new version."""
