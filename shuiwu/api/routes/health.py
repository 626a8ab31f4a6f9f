"""Liveness (/healthz: the process answers) and readiness (/readyz: DB, Rasa, Chroma reachable)."""

from __future__ import annotations

import os

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from shuiwu.health import run_checks

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="进程存活 / liveness")
def healthz() -> dict:
    return {"status": "ok", "pid": os.getpid()}


@router.get("/readyz", summary="依赖就绪 / readiness")
async def readyz() -> JSONResponse:
    checks = await run_in_threadpool(run_checks)
    ready = all(c.ok for c in checks if c.required)
    return JSONResponse(
        status_code=200 if ready else 503,
        content={"status": "ready" if ready else "not_ready", "checks": [c.as_dict() for c in checks]},
    )
