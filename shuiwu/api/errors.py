"""One JSON error shape for every failure, with a Chinese message per field.

    {"error": {"code": "invalid_input", "message": "…", "fields": [{"field": "…", "message": "…"}]}}
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shuiwu.errors import DomainError

log = logging.getLogger(__name__)

# pydantic v2 error types → Chinese; {placeholders} come from the error's ctx.
_MESSAGES = {
    "missing": "此项为必填项",
    "string_type": "应为文本",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式不正确",
    "datetime_from_date_parsing": "时间格式不正确",
    "enum": "取值必须是以下之一：{expected}",
    "literal_error": "取值必须是以下之一：{expected}",
    "json_invalid": "请求体不是有效的 JSON",
    "model_attributes_type": "请求体应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "extra_forbidden": "不支持此字段",
    "too_long": "条目过多，最多 {max_length} 项",
    "too_short": "条目过少，至少 {min_length} 项",
}

_STATUS_MESSAGES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "请求的资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("too_large", "上传内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
}


def error_body(code: str, message: str, fields: list[dict] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def field_message(err: dict) -> str:
    template = _MESSAGES.get(err.get("type", ""))
    if template is None:
        if err.get("type") == "value_error":
            # Our own validators raise ValueError with a Chinese message.
            return str(err.get("ctx", {}).get("error", "")) or "输入无效"
        return "输入无效"
    try:
        return template.format(**err.get("ctx", {}))
    except (KeyError, IndexError):
        return template.split("{")[0].rstrip("：: ") or "输入无效"


def _field_name(loc: tuple) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": _field_name(tuple(e.get("loc", ()))), "message": field_message(e)}
            for e in exc.errors()
        ]
        return JSONResponse(
            status_code=422,
            content=error_body("invalid_input", "提交的内容有误，请检查后重试", fields),
        )

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        fields = [{"field": exc.field, "message": exc.message}] if exc.field else []
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        if getattr(exc, "retry_after", None):
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(
            status_code=exc.status_code,
            content=error_body(exc.code, exc.message, fields),
            headers=headers,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _STATUS_MESSAGES.get(exc.status_code, ("error", "请求失败"))
        if isinstance(exc.detail, str) and any("\u4e00" <= ch <= "\u9fff" for ch in exc.detail):
            message = exc.detail
        return JSONResponse(
            status_code=exc.status_code,
            content=error_body(code, message),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(
            status_code=500, content=error_body("internal", "服务器内部错误，请稍后再试")
        )
