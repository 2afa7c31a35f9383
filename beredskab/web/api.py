"""The JSON API under ``/api/v1`` for integrations (token auth)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
