"""Fixtures for the web tests."""

from tests.beredskab.web.site import site

__all__ = ["site"]
