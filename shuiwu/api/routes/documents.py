"""票据与证件识别（issue 7）."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
