"""Rate limits for logins, codes, resets and bindings: Redis when configured, in-process otherwise.

Fixed windows keyed by what is being limited (`login:ip:1.2.3.4`, `code:target:<bidx>`), so
every app replica counts against the same numbers once REDIS_URL is set.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from shuiwu.config import get_settings
from shuiwu.errors import DomainError


class TooManyRequests(DomainError):
    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    count: int
    window_s: int


class _MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, tuple[int, float]] = {}

    def incr(self, key: str, window_s: int) -> tuple[int, int]:
        now = time.monotonic()
        with self._lock:
            count, reset = self._hits.get(key, (0, now + window_s))
            if now >= reset:
                count, reset = 0, now + window_s
            count += 1
            self._hits[key] = (count, reset)
            if len(self._hits) > 100_000:  # drop expired windows now and then
                self._hits = {k: v for k, v in self._hits.items() if v[1] > now}
            return count, max(1, int(reset - now))

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


class _RedisStore:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def incr(self, key: str, window_s: int) -> tuple[int, int]:
        full = key
        pipe = self._redis.pipeline()
        pipe.incr(full)
        pipe.expire(full, window_s, nx=True)
        pipe.ttl(full)
        count, _, ttl = pipe.execute()
        return int(count), max(1, int(ttl))

    def clear(self, key: str) -> None:
        self._redis.delete(key)


@lru_cache(maxsize=4)
def _store(redis_url: str):
    return _RedisStore(redis_url) if redis_url else _MemoryStore()


def store():
    return _store(get_settings().redis_url)


def _full(key: str) -> str:
    # One namespace per installation (and per test), so two deployments sharing a Redis, or
    # two test databases whose user ids repeat, never count against each other.
    return f"{get_settings().redis_namespace}:rl:{key}"


def hit(key: str, limit: Limit, message: str = "操作过于频繁，请稍后再试") -> None:
    """Count one attempt; raise TooManyRequests (Chinese message, retry-after) past the limit."""
    count, retry_after = store().incr(_full(key), limit.window_s)
    if count > limit.count:
        minutes = (retry_after + 59) // 60
        wait = f"{retry_after} 秒" if retry_after < 120 else f"{minutes} 分钟"
        raise TooManyRequests(f"{message}（请 {wait}后再试）", retry_after)


def reset(key: str) -> None:
    store().clear(_full(key))
