"""The FastAPI application: API routes, the Rasa action endpoint and the built web pages."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from shuiwu import __version__
from shuiwu import logging as app_logging
from shuiwu.api import errors
from shuiwu.api.routes import auth, health, households, webhook
from shuiwu.config import get_settings

log = logging.getLogger("shuiwu.access")
_HOST = socket.gethostname()

_NOT_BUILT = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>智慧水务服务平台</title>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>智慧水务服务平台</h1><p>前端页面尚未构建。请在项目目录运行 <code>make run</code>，
它会自动构建页面并启动服务。</p><p>接口文档：<a href="/docs">/docs</a></p></body></html>"""


def create_app() -> FastAPI:
    settings = get_settings()
    app_logging.configure(settings.log_level, settings.log_json)
    app = FastAPI(
        title="智慧水务服务平台 API",
        version=__version__,
        description="居民、客服与管理员使用的接口。所有错误以统一的 JSON 结构返回中文说明。",
    )
    errors.install(app)

    @app.middleware("http")
    async def request_context(request: Request, call_next):
        rid = request.headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        token = app_logging.request_id.set(rid)
        start = time.perf_counter()
        try:
            response = await call_next(request)
            response.headers["X-Request-ID"] = rid
            # Which replica answered: lets operators (and the topology test) see the balancing.
            response.headers["X-Served-By"] = f"{_HOST}:{os.getpid()}"
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                },
            )
        finally:
            app_logging.request_id.reset(token)
        return response

    for module in (health, auth, households, webhook):
        app.include_router(module.router)
    _mount_web(app, settings.web_dist)
    return app


def _mount_web(app: FastAPI, dist: Path) -> None:
    """Serve the built SPA; unknown non-API paths get index.html (history-mode routing)."""
    index = dist / "index.html"
    for sub in ("assets", "widget"):
        if (dist / sub).is_dir():
            app.mount(f"/{sub}", StaticFiles(directory=dist / sub), name=sub)

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str):
        if path.startswith(("api/", "webhook")):
            return JSONResponse(
                status_code=404, content=errors.error_body("not_found", "请求的资源不存在")
            )
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist.resolve()):
            return FileResponse(candidate)
        if index.is_file():
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(_NOT_BUILT)
