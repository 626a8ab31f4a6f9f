"""Readiness checks of every part the app depends on, shared by /readyz and `shuiwu doctor`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import httpx
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shuiwu.config import Settings, get_settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    millis: float = 0.0
    required: bool = True

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "ok": self.ok,
            "detail": self.detail,
            "ms": round(self.millis, 1),
            "required": self.required,
        }


def _timed(name: str, fn, *, required: bool = True) -> Check:
    start = time.perf_counter()
    try:
        ok, detail = fn()
    except Exception as exc:  # a check reports, it never raises
        ok, detail = False, f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    return Check(name, ok, detail, (time.perf_counter() - start) * 1000, required)


def redact(url: str) -> str:
    """A URL fit for logs and messages: the password replaced by ***."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def check_database(settings: Settings) -> Check:
    from shuiwu.db import engine_for
    from shuiwu.migrate import current_revision, head_revision

    url = settings.effective_database_url

    def run():
        try:
            with engine_for(url).connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
            return False, f"无法连接数据库 {redact(url)}：{reason}"
        current, head = current_revision(url), head_revision()
        if current != head:
            return False, f"数据库结构不是最新（当前 {current or '空'}，应为 {head}），请运行 shuiwu db upgrade"
        return True, f"{redact(url)}，结构版本 {current}"

    return _timed("database", run)


def check_rasa(settings: Settings) -> Check:
    def run():
        try:
            response = httpx.get(settings.rasa_url.rstrip("/") + "/", timeout=2.0)
        except httpx.HTTPError as exc:
            return False, f"无法连接 Rasa 服务 {settings.rasa_url}：{type(exc).__name__}"
        if response.status_code != 200:
            return False, f"Rasa 服务返回 {response.status_code}"
        return True, settings.rasa_url

    return _timed("rasa", run)


@lru_cache(maxsize=4)
def _chroma_client(url: str, path: str):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        parsed = httpx.URL(url)
        return chromadb.HttpClient(
            host=parsed.host, port=parsed.port or 8000, ssl=parsed.scheme == "https",
            settings=chroma_settings,
        )
    return chromadb.PersistentClient(path=path, settings=chroma_settings)


def check_chroma(settings: Settings) -> Check:
    def run():
        where = settings.chroma_url or str(settings.chroma_path)
        try:
            client = _chroma_client(settings.chroma_url, str(settings.chroma_path))
            client.heartbeat()
        except Exception as exc:
            _chroma_client.cache_clear()
            return False, f"无法连接 Chroma（{where}）：{type(exc).__name__}"
        return True, where

    return _timed("chroma", run)


def check_redis(settings: Settings) -> Check:
    def run():
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        except redis.RedisError as exc:
            return False, f"无法连接 Redis {redact(settings.redis_url)}：{type(exc).__name__}"
        finally:
            client.close()
        return True, redact(settings.redis_url)

    return _timed("redis", run)


def run_checks(settings: Settings | None = None, *, include_rasa: bool = True) -> list[Check]:
    settings = settings or get_settings()
    checks = [check_database(settings)]
    if settings.redis_url:
        checks.append(check_redis(settings))
    checks.append(check_chroma(settings))
    if include_rasa:
        checks.append(check_rasa(settings))
    return checks
