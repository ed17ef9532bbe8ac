"""The public `reports` layer: published from the citizen reports records, kept in step with them."""
