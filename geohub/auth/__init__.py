"""Accounts, roles, tokens, API keys and the audit log."""
