"""Personal data as staff, residents and messages are shown it: enough to recognise, no more."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    """13812348000 → 138****8000."""
    if not phone:
        return None
    if len(phone) < 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_email(email: str | None) -> str | None:
    """li@example.cn → l***@example.cn."""
    if not email:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else local[:1] + "***"


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
