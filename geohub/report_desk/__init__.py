"""The staff side of citizen reports: queues, assign, reply, merge, approve; upkeep; the CLI."""
