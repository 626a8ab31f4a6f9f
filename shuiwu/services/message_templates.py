"""The Chinese texts of every SMS and email the platform sends, in one place."""

from __future__ import annotations

from datetime import datetime
from string import Formatter

from shuiwu.config import get_settings
from shuiwu.timeutil import LOCAL_TZ

SMS_SIGNATURE = "【智慧水务】"

# name → (email subject, body). Bodies are str.format templates; {minutes} is filled in.
TEMPLATES: dict[str, tuple[str, str]] = {
    "register_code": (
        "注册验证码",
        "您正在注册智慧水务服务平台账号，验证码 {code}，{minutes} 分钟内有效。请勿将验证码告诉他人。",
    ),
    "register_exists_sms": (
        "账号注册提醒",
        "该手机号已注册智慧水务服务平台账号，可直接登录或通过“忘记密码”找回。如非本人操作请忽略。",
    ),
    "register_exists_email": (
        "账号注册提醒",
        "该邮箱已注册智慧水务服务平台账号，可直接登录或通过“忘记密码”找回。如非本人操作请忽略。",
    ),
    "login_code": (
        "登录验证码",
        "您的登录验证码为 {code}，{minutes} 分钟内有效。如非本人操作，请忽略并注意账号安全。",
    ),
    "reset_code": (
        "找回密码验证码",
        "您正在找回智慧水务服务平台账号密码，验证码 {code}，{minutes} 分钟内有效。如非本人操作，请忽略并注意账号安全。",
    ),
    "contact_code": (
        "验证码",
        "您正在为智慧水务服务平台账号绑定新的{what}，验证码 {code}，{minutes} 分钟内有效。",
    ),
    "password_reset_notice": (
        "密码已重置",
        "您的账号密码已于 {when} 重置，所有设备均已退出登录。如非本人操作，请立即联系客服。",
    ),
    "password_changed_notice": (
        "密码已修改",
        "您的账号密码已于 {when} 修改，其他设备均已退出登录。如非本人操作，请立即找回密码。",
    ),
    "contact_changed_notice": (
        "账号信息变更",
        "您的账号{what}已于 {when} 更换为 {masked}。如非本人操作，请立即联系客服。",
    ),
    "new_place": (
        "新设备登录提醒",
        "您的账号于 {when} 在 {place}（{device}）登录。如非本人操作，请点击 {link} 立即退出所有设备并修改密码。",
    ),
    "refresh_reuse": (
        "登录异常提醒",
        "您的账号于 {when} 检测到登录凭证被重复使用，可能已被他人窃取，相关设备已全部退出登录。如非本人操作，请立即修改密码。",
    ),
}

_EXTRA_EMAIL = {
    "register_code": "\n\n也可以直接打开以下链接完成验证：\n{link}",
}


def plain(template: str, **params) -> tuple[str, str]:
    """(title, text) without decoration: what an in-app notification shows."""
    subject, body = TEMPLATES[template]
    return subject, body.format(**_values(params))


def _values(params: dict) -> dict:
    return {"minutes": max(1, get_settings().code_ttl_seconds // 60), **params}


def render(template: str, channel: str, **params) -> tuple[str, str]:
    """(subject, body) for a channel: SMS bodies carry the signature, emails a greeting."""
    values = _values(params)
    subject, text = plain(template, **params)
    if channel == "sms":
        return subject, SMS_SIGNATURE + text
    extra = _EXTRA_EMAIL.get(template, "")
    if extra and all(name in values for _, name, _, _ in Formatter().parse(extra) if name):
        text += extra.format(**values)
    return f"智慧水务服务平台 · {subject}", f"您好：\n\n{text}\n\n智慧水务服务平台"


def local_time(at: datetime) -> str:
    """2026年11月25日 16:05, in the utility's time zone."""
    local = at.astimezone(LOCAL_TZ)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"

