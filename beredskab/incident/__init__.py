"""The incident domain: what happens during an incident, as use cases."""
