"""The mobile pages: the incident list and the activation form."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
