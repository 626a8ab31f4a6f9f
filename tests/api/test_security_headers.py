"""Security headers on every answer, no caching of API data, CORS only for configured origins,
and API docs that load nothing from outside."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from shuiwu.config import get_settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self' ws: wss:; font-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)


@pytest.mark.parametrize("path", ["/api/v1/me", "/healthz", "/", "/docs", "/api/v1/no-such-thing"])
def test_every_answer_carries_the_security_headers(client, path):
    r = client.get(path)
    assert r.headers["Content-Security-Policy"] == CSP
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Permissions-Policy"] == "camera=(self), microphone=(), geolocation=()"
    assert "Strict-Transport-Security" not in r.headers  # plain HTTP
    if path.startswith("/api/"):
        assert r.headers["Cache-Control"] == "no-store"
    else:
        assert r.headers.get("Cache-Control") != "no-store"


def test_hsts_only_over_https(client):
    behind_proxy = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert behind_proxy.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    https = TestClient(client.app, base_url="https://testserver")
    assert "Strict-Transport-Security" in https.get("/healthz").headers


def test_no_cors_headers_when_no_origin_is_configured(client):
    preflight = client.options("/api/v1/me", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in preflight.headers
    r = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers


@pytest.fixture
def cors_client(db_url, monkeypatch):
    from shuiwu.main import create_app

    monkeypatch.setenv("CORS_ORIGINS", "https://portal.qinghe-water.cn, https://wx.qinghe-water.cn/")
    get_settings.cache_clear()
    with TestClient(create_app()) as c:
        yield c


def test_cors_allows_only_the_configured_origins_with_credentials(cors_client):
    ok = cors_client.options("/api/v1/me", headers={
        "Origin": "https://wx.qinghe-water.cn", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://wx.qinghe-water.cn"
    assert ok.headers["access-control-allow-credentials"] == "true"
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()

    simple = cors_client.get("/healthz", headers={"Origin": "https://portal.qinghe-water.cn"})
    assert simple.headers["access-control-allow-origin"] == "https://portal.qinghe-water.cn"

    evil = cors_client.options("/api/v1/me", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert evil.status_code == 400
    assert "access-control-allow-origin" not in evil.headers
    evil_get = cors_client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in evil_get.headers


def test_api_docs_are_served_locally_and_fit_the_policy(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    # Nothing from another host, and no inline script (the CSP allows 'self' scripts only).
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text)
    assert not re.search(r"<script>(?!</script>)|<script(?![^>]*\bsrc=)[^>]*>", page.text)
    for asset in re.findall(r"""(?:src|href)="([^"]+)""", page.text):
        r = client.get(asset)
        assert r.status_code == 200, asset
        assert r.headers["Content-Security-Policy"] == CSP
    init = client.get("/docs/init.js")
    assert "/openapi.json" in init.text and init.headers["content-type"].startswith("text/javascript")
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1") and "/api/v1/households/bind" in spec["paths"]
