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
LOGIN_URL = "/login"
BIND_URL = "/bind"
SETTINGS_URL = "/settings"

NEEDS_LOGIN = (
    "{capability}需要先登录。请先[登录网上营业厅]({url})，登录后再问我，"
    "我就能查到您家的信息。停水公告、水价政策这类问题不登录也可以直接问我。"
)
NEEDS_BINDING = "您的账号还没有绑定户号，{capability}需要先绑定。要现在绑定吗？"
STAFF_USE_CONSOLE = "工作人员账号请在客服工作台按户号查询和办理，这里只为居民本人办理。"
WHICH_HOUSEHOLD = "您绑定了 {count} 个户号，请问要办理哪一户？"
USER_GONE = "您的登录状态已失效，请重新登录后再试。"
SERVICE_ERROR = "抱歉，系统暂时出了点问题，请稍后再试，或转人工客服处理。"

FORM_CANCELLED = "好的，已取消本次{label}，填过的内容都不会提交。还有什么可以帮您？"
FORM_LABELS = {
    "repair_form": "报修",
    "payment_form": "缴费",
    "bind_form": "户号绑定",
    "meter_reading_form": "自助抄表",
}
CORRECTED = "好的，已把{field}改为“{value}”。"

OUTAGE_FALLBACK = (
    "计划停水会提前在停水公告里发布。如果是突然没水，可能是附近在抢修管道，可以先问问邻居家"
    "是否也没水；如果只有您家没水，请检查一下水表前后的阀门，或者告诉我“我要报修”。"
)
FAQ_UNAVAILABLE = (
    "抱歉，这个问题我暂时答不上来。您可以换个说法再问一次，或者转人工客服为您解答。"
)

FALLBACK = "抱歉，我没太明白您的意思。您是想办理下面哪一项呢？"
# In the middle of a form: the form asks its question again right after this.
FALLBACK_IN_FORM = "抱歉，我没听明白。请按下面的提示回答，不想办了可以说“算了”。"
# A confirmation that was not a plain yes: nothing is paid or recorded until it is.
PAY_CONFIRM_UNCLEAR = "抱歉，我没能确定您是否同意缴费，所以还没有扣款。确认请点“确认缴费”或回复“确认”，不缴了请说“取消”。"
READING_CONFIRM_UNCLEAR = "抱歉，我没能确定读数对不对，所以还没有登记。读数正确请点“读数正确”或回复“对”，不对请直接输入正确的读数。"
FALLBACK_TWICE = "不好意思，我还是没能理解。要不要转给人工客服帮您处理？"


def household_needs_login(intent: str | None) -> str:
    """The reply to an anonymous visitor asking about a household."""
    capability = CAPABILITY_LABELS.get(intent or "", GENERIC_CAPABILITY)
    return NEEDS_LOGIN.format(capability=capability, url=LOGIN_URL)


def household_needs_binding(intent: str | None) -> str:
    return NEEDS_BINDING.format(capability=CAPABILITY_LABELS.get(intent or "", GENERIC_CAPABILITY))


def yuan(value) -> str:
    """¥ amounts as residents read them: 56.80 元."""
    return f"{value:.2f} 元"


def m3(value) -> str:
    """Volumes: 12.5 吨 (1 m³ = 1 吨 of water, the word residents use)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} 吨"

# The repair form's last step: what will be filed, before anything is.
REPAIR_CONFIRM = (
    "请核对报修信息：\n"
    "- 问题类型：{category}\n"
    "- 位置：{location}\n"
    "- 情况：{description}\n"
    "- 方便联系：{contact_time}{attachments}\n\n"
    "无误请点“确认提交”。要改哪一项直接告诉我，比如“不对，位置是3栋2单元楼道”；不报了请说“算了”。"
)
REPAIR_CONFIRM_ATTACHMENTS = "\n- 照片/视频：{count} 个"
REPAIR_CONFIRM_UNCLEAR = (
    "报修还没有提交。信息无误请点“确认提交”或回复“确认”；"
    "要修改请直接说，比如“不对，联系时间是明天下午”；不报了请说“算了”。"
)
REPAIR_NOT_CONFIRMED = "报修还没有确认，所以没有提交。需要报修时再告诉我。"
