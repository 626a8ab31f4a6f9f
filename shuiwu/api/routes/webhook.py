"""Rasa's action endpoint: runs the custom actions of `actions/` with rasa-sdk's ActionExecutor.

Mirrors rasa_sdk/endpoint.py (the Sanic server we replace), so Rasa sees the same status codes:
400 rejected or malformed call, 404 unknown action, 449 domain missing.
"""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
import warnings
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from shuiwu.api.errors import error_body

if TYPE_CHECKING:
    from rasa_sdk.executor import ActionExecutor

log = logging.getLogger(__name__)
router = APIRouter(tags=["rasa"])


@lru_cache(maxsize=1)
def action_executor() -> ActionExecutor:
    """The executor with every action in `actions/`, built on the first call.

    Lazy because rasa_sdk takes half a second to import and most app processes (CLI,
    migrations, API tests) never run an action.
    """
    from rasa_sdk.executor import ActionExecutor

    import actions

    # Import the modules ourselves first: register_package() calls sys.exit() on an
    # ImportError, which would take the whole app down instead of failing this request.
    for module in pkgutil.walk_packages(actions.__path__, prefix="actions."):
        importlib.import_module(module.name)
    executor = ActionExecutor()
    executor.register_package(actions)
    return executor


@lru_cache(maxsize=8)
def _note_rasa_version(version: str | None) -> None:
    """Log a Rasa/rasa-sdk version mismatch once per version, not as a warning per call.

    rasa-sdk 3.21 on Python 3.11 serving Rasa 3.6 is the pairing we chose and checked
    (see ARCHITECTURE.md), so the mismatch is information, not a problem.
    """
    from rasa_sdk import utils

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        utils.check_version_compatibility(version)
    for warning in caught:
        log.info("rasa version check: %s", str(warning.message).splitlines()[0])


def _error(status: int, code: str, message: str, action_name: str | None = None) -> JSONResponse:
    body: dict[str, Any] = error_body(code, message)
    if action_name is not None:
        # Rasa reads `action_name` from a 400 answer to raise ActionExecutionRejection.
        body["action_name"] = action_name
    return JSONResponse(status_code=status, content=body)


def _parse_call(raw: bytes, encoding: str) -> dict[str, Any] | None:
    try:
        if encoding == "deflate":  # Rasa compresses when COMPRESS_ACTION_SERVER_REQUEST=true
            raw = zlib.decompress(raw)
        call = json.loads(raw)
    except (zlib.error, ValueError):
        return None
    return call if isinstance(call, dict) else None


@router.post("/webhook", summary="运行 Rasa 自定义动作（仅供 Rasa 服务调用）")
async def run_action(request: Request) -> JSONResponse:
    call = _parse_call(await request.body(), request.headers.get("content-encoding", ""))
    if call is None:
        return _error(400, "invalid_body", "请求体不是有效的 JSON 对象")
    action_name = call.get("next_action")
    if not isinstance(action_name, str) or not action_name:
        return _error(400, "invalid_body", "请求体缺少要运行的动作名（next_action）")
    tracker = call.get("tracker")
    if not isinstance(tracker, dict) or not isinstance(tracker.get("sender_id"), str):
        return _error(400, "invalid_body", "请求体缺少对话状态（tracker 及其 sender_id）", action_name)

    from rasa_sdk.interfaces import (
        ActionExecutionRejection,
        ActionMissingDomainException,
        ActionNotFoundException,
    )

    executor = action_executor()
    _note_rasa_version(call.get("version"))
    try:
        result = await executor.run(call)
    except ActionNotFoundException:
        log.error("unknown action %r", action_name)
        return _error(404, "action_not_found", f"找不到自定义动作“{action_name}”", action_name)
    except ActionExecutionRejection as exc:
        log.debug("action %r rejected: %s", action_name, exc.message)
        return _error(400, "action_rejected", f"动作“{action_name}”拒绝执行", action_name)
    except ActionMissingDomainException:
        # Rasa answers 449 by resending the call with the full domain.
        return _error(449, "domain_missing", "缺少对话领域（domain），请附带 domain 重新请求", action_name)
    return JSONResponse(result.model_dump() if result else None)


@router.get("/webhook/health", summary="动作服务健康检查")
def webhook_health() -> dict:
    return {"status": "ok"}
