"""Accessible pedestrian routing on the routing_network layer (issue 13)."""
