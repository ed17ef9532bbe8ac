"""Publishing: imports with reports, publish, reject, versions, rollback, item edits, syncs."""
