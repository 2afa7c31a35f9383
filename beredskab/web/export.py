"""The situation report as HTML and PDF for signed-in people."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
