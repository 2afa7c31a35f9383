"""The incident domain: use cases that run within one incident."""
