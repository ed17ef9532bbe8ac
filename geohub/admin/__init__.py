"""Administrators manage accounts, tokens and app keys over HTTP (the workspace's admin pages)."""
