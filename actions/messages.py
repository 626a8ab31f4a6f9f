"""Chinese text the custom actions send to residents, kept in one place."""

from __future__ import annotations

# What each household-specific intent asks for, as the resident would name it.
CAPABILITY_LABELS: dict[str, str] = {
    "query_bill": "查询水费账单",
    "pay_bill": "缴纳水费",
    "query_usage": "查询用水量",
    "query_payment_history": "查询缴费记录",
    "report_repair": "在线报修",
    "repair_status": "查询报修进度",
    "submit_meter_reading": "自助抄表",
    "forecast_usage": "用水预测",
    "bind_account": "绑定户号",
    "update_settings": "修改个人设置",
}

GENERIC_CAPABILITY = "办理与您家户号相关的业务"

HOUSEHOLD_NEEDS_LOGIN = (
    "{capability}需要先登录并绑定户号。这项服务即将在网上营业厅开放，"
    "届时登录后就可以直接在这里办理。"
)


def household_needs_login(intent: str | None) -> str:
    """The reply for a household request made before the portal supports it in chat."""
    return HOUSEHOLD_NEEDS_LOGIN.format(capability=CAPABILITY_LABELS.get(intent or "", GENERIC_CAPABILITY))
