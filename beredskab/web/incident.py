"""The live incident page: confirmations, steps, outreach, log, communication, stand-down."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
