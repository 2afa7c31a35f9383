"""The readiness and plan pages: plan version, sign-off per person, the readiness report."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
