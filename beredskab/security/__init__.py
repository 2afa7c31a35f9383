"""Security at the boundary: bounds on every inbound string and number."""
