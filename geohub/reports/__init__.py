"""Citizen problem reports: categories and routing, the lifecycle, the records tables, the service."""
