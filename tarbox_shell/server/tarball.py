"""Layers as tar streams over HTTP (not yet served: the routes answer 501)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["layers"])
