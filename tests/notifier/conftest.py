"""The notifier tests use the real protocol peers from ``tests/conftest.py``."""
