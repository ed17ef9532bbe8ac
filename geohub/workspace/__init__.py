"""The departments' workspace at /workspace/: one page whose views are plain ES modules."""
