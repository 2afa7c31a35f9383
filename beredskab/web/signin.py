"""Passwordless sign-in for the mobile pages: a one-time code, then a session cookie."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
