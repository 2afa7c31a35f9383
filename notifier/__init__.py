"""Delivery library: channels, message types and typed errors. Knows nothing of incidents."""
