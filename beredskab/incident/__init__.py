"""The incident domain: what happens within one incident, from activation to follow-up."""
