"""ETL core: map a source's fields to a layer, derive, validate, digest and diff by key."""
