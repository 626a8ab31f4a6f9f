"""The demo city's Chinese text: repair tickets, reading notes, notifications, the summary."""

from __future__ import annotations

# ---- readings -------------------------------------------------------------------------------

NOTE_DROP = "远传读数较前次回落 {m3} 立方米，判定为通信或计数异常，已拒收，用量按下次有效读数补计"
NOTE_BACKSTEP = "远传读数较前日回退 {litres} 升，待人工核实（可能为管道回流或表计抖动）"
NOTE_JUMP = "单日用量 {m3} 立方米，约为该户平日的 {times} 倍，待核实是否存在漏水"
NOTE_ROLLOVER = "表盘走满 9999.999 后归零，用量已按翻转计算"

# ---- tickets ----------------------------------------------------------------------------------

TICKET_TEXT: dict[str, tuple[str, ...]] = {
    "leak": (
        "厨房水槽下面的进水管接头一直在滴水，关了角阀还是渗，麻烦派人看看。",
        "水表箱里往外冒水，地面已经湿了一大片，怀疑表前阀门漏水。",
        "楼道里的立管有渗水，楼下邻居说天花板起了水渍。",
        "家里没人用水，水表的小红针却一直在转，是不是哪里暗漏了？",
        "小区绿化带里有一处一直在冒水，看着像是地下管子破了。",
    ),
    "no_water": (
        "早上起来家里完全没水，也没看到停水通知，请问什么时候能恢复？",
        "整栋楼都停水了，物业说是市政管网的问题，请尽快处理。",
        "昨晚计划停水说今天早上六点恢复，现在还是没水。",
    ),
    "low_pressure": (
        "最近一周高峰时段水压特别低，热水器都打不着火。",
        "住在顶楼，晚上七八点水龙头只有细细一股水。",
        "洗澡的时候水忽大忽小，想请师傅来测一下水压。",
    ),
    "water_quality": (
        "今天放出来的自来水发黄，放了十几分钟还是有点浑。",
        "水里有一股消毒水味道，比平时重很多，请帮忙检测一下。",
        "烧开水后壶底有很多白色沉淀，想了解一下水质情况。",
    ),
    "meter_fault": (
        "水表的读数窗看不清了，里面起了一层雾，抄表不方便。",
        "这个月账单用量比平时多了一倍，怀疑水表走得不准，申请校验。",
        "小程序上的远传读数已经好几天没有更新了。",
        "水表玻璃罩裂了，担心冬天冻坏。",
    ),
    "other": (
        "想咨询一下过户需要准备哪些材料，能不能上门办理？",
        "老人独居，想申请开通用水异常短信提醒。",
        "小区要加装二次供水设备，想了解一下报装流程。",
    ),
}

TICKET_NOTES = {
    "submitted": "居民通过{channel}提交报修",
    "assigned": "已派单至{team}，维修人员将在 2 小时内联系您",
    "in_progress": "维修人员已到达现场，正在处理",
    "resolved": {
        "leak": "已更换老化的接头和密封圈，现场试压无渗漏",
        "no_water": "管网抢修完成，已恢复供水，请先放水 3–5 分钟再饮用",
        "low_pressure": "已清洗入户过滤器并调整减压阀，水压恢复正常",
        "water_quality": "已冲洗管段并取样检测，浊度和余氯均符合国家标准",
        "meter_fault": "已现场检查并校验水表，必要时已更换新表",
        "other": "已电话回复居民并告知办理流程",
    },
    "closed": "居民确认问题已解决，工单关闭",
    "cancelled": "居民来电说明问题已自行解决，撤销工单",
}
TICKET_CHANNELS = ("微信公众号", "服务热线", "网上营业厅", "智能客服")
TICKET_TEAMS = ("东片维修班", "西片维修班", "管网抢修队", "水表计量班", "水质检测中心")

# ---- notifications ----------------------------------------------------------------------------

NOTIFY_BILL = (
    "bill_issued",
    "{month}水费账单已出",
    "您的户号 {account_no} {month}用水 {usage} 立方米，应缴 {amount} 元，请于 {due} 前缴纳。",
)
NOTIFY_PAID = (
    "payment_succeeded",
    "缴费成功",
    "户号 {account_no} 已成功缴纳水费 {amount} 元，感谢您的支持。",
)
NOTIFY_OUTAGE = (
    "planned_outage",
    "计划停水通知",
    "因{district}管网改造，{day} 8:00–18:00 {community}及周边将暂停供水，请提前做好储水准备。给您带来不便，敬请谅解。",
)
NOTIFY_TICKET = (
    "ticket_updated",
    "报修进度更新",
    "您的报修单 {ticket_no} 状态已更新为“{status}”。",
)
NOTIFY_ASSIGNED = (
    "ticket_assigned",
    "新工单待处理",
    "报修单 {ticket_no}（{category}）已派给您，请尽快联系居民。",
)

TICKET_STATUS_LABEL = {
    "submitted": "已提交",
    "assigned": "已派单",
    "in_progress": "处理中",
    "resolved": "已解决",
    "closed": "已关闭",
    "cancelled": "已撤销",
}
TICKET_CATEGORY_LABEL = {
    "leak": "漏水",
    "no_water": "停水",
    "low_pressure": "水压低",
    "water_quality": "水质问题",
    "meter_fault": "水表故障",
    "other": "其他",
}

# ---- summary ----------------------------------------------------------------------------------

SUMMARY = (
    "{city}：{households:,} 户、日读数 {readings:,} 条、账单 {bills:,} 张、缴费 {payments:,} 笔、"
    "报修 {tickets:,} 单、区域流量 {district_flow_days:,} 天·区、账号 {users} 个"
)
SUMMARY_EXISTING = "数据库中已有数据，未写入演示城市（现有 " + SUMMARY.split("：", 1)[1] + "）"
