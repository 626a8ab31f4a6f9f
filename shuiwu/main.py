"""The FastAPI application: API routes, the Rasa action endpoint and the built web pages."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware

from shuiwu import __version__
from shuiwu import logging as app_logging
from shuiwu.api import errors
from shuiwu.api.routes import (
    admin,
    auth,
    bindings,
    chat,
    documents,
    forecasts,
    health,
    households,
    kb,
    notifications,
    outbox,
    payments,
    readings,
    tickets,
    uploads,
    webhook,
)
from shuiwu.config import Settings, get_settings

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
        # Our own /docs below: FastAPI's loads Swagger UI from a CDN with an inline script.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
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

    for module in (
        health, auth, households, bindings, notifications, admin, outbox, webhook,
        kb, readings, documents, forecasts, chat, uploads, payments, tickets,
    ):
        app.include_router(module.router)
    _mount_docs(app)
    _install_security_headers(app)
    _install_cors(app, settings)
    _widget_config(app, settings)
    _mount_web(app, settings.web_dist)
    return app


def _widget_config(app: FastAPI, settings: Settings) -> None:
    """Where the chat widget opens its socket: it reads this beside its own script."""

    @app.get("/widget/config.json", include_in_schema=False)
    async def widget_config() -> JSONResponse:
        return JSONResponse(
            {"socket_url": settings.chat_socket_origin, "socket_path": "/socket.io"},
            headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"},
        )


# Element Plus sets inline styles, hence style-src 'unsafe-inline'; scripts stay 'self' only.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self' ws: wss:",
    "font-src 'self' data:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    # The camera for meter photos taken in the portal; nothing else.
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def _is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _install_security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if _is_https(request):  # over plain HTTP browsers ignore it, and it would pin dev hosts
            response.headers["Strict-Transport-Security"] = HSTS
        if request.url.path.startswith("/api/"):
            # Bills, usage and personal data: never kept in a browser or proxy cache.
            response.headers["Cache-Control"] = "no-store"
        return response


def _install_cors(app: FastAPI, settings: Settings) -> None:
    """Cross-origin calls only from the configured origins; none configured, no CORS at all."""
    origins = settings.allowed_origins
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID", "X-Device-ID"],
        expose_headers=["X-Request-ID", "X-Total-Count", "Retry-After"],
        max_age=600,
    )


_DOCS_HTML = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title} - 接口文档</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""

# A file, not an inline script, so /docs runs under the same CSP as every other page.
_DOCS_INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
});
"""


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI from the swagger-ui-bundle-v2 package: works offline and under our CSP."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")
    page = _DOCS_HTML.format(title=app.title)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get("/docs/init.js", include_in_schema=False)
    async def docs_init() -> Response:
        return Response(_DOCS_INIT, media_type="text/javascript")


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
