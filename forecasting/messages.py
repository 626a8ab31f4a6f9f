"""The Chinese text the forecasting tools show people, in one place."""

from __future__ import annotations

MODEL_LABELS = {
    "snaive": "季节朴素（上周同一时刻）",
    "prophet": "Prophet（周/年季节性、节假日，可加天气）",
    "gbm": "LightGBM（日历与前几周同期特征）",
    "auto": "自动选择（滚动回测 MAE 最低者）",
}
INDICATOR_LABELS = {
    "PI1": "前24小时MAE",
    "PI2": "前24小时最大绝对误差",
    "PI3": "第25–168小时MAE",
    "MASE": "MASE",
    "coverage80": "80%区间覆盖率",
    "coverage95": "95%区间覆盖率",
}


def series_summary(name: str, notes: dict, model_name: str) -> str:
    """One line per series for stderr: model, backtest MAE vs seasonal naive, outliers, gaps."""
    parts = [f"{name}：模型 {MODEL_LABELS.get(model_name, model_name)}"]
    scores = notes.get("backtest_mae") or {}
    mine, naive = scores.get(model_name), scores.get("snaive")
    if mine is not None and naive is not None and model_name != "snaive":
        gain = notes.get("improvement_vs_snaive_pct")
        gain_text = f"，{'低' if gain >= 0 else '高'} {abs(gain):.1f}%" if gain is not None else ""
        parts.append(f"回测MAE {mine:.3f}（季节朴素 {naive:.3f}{gain_text}）")
    elif naive is not None:
        others = "，".join(f"{m} {v:.3f}" for m, v in scores.items() if m != "snaive")
        parts.append(f"回测MAE {naive:.3f}" + (f"（其他模型：{others}）" if others else ""))
    parts.append(f"剔除异常值 {notes.get('outliers_removed', 0)} 个")
    parts.append(f"缺测 {notes.get('gaps', 0)} 个时点")
    if notes.get("short_history"):
        parts.append("历史不足两个周期，仅用季节朴素")
    if isinstance(notes.get("regressors"), str):
        parts.append("天气数据未覆盖预测期，未使用")
    return "；".join(parts)


def grid_summary(notes: list[str], duplicated: int, inserted: int) -> str:
    if not (duplicated or inserted):
        return "时间轴完整，无重复或缺失时刻。"
    return f"时间轴：{duplicated} 个重复时刻（夏令时结束）已取平均，{inserted} 个缺失时刻（夏令时开始或断档）按缺测处理。"


def eval_verdict(model: str, goal: dict, averages: dict) -> str:
    label = MODEL_LABELS.get(model, model)
    avg = goal["beats_snaive_on_average"]
    on_avg = "、".join(k for k, ok in avg.items() if ok) or "无"
    every = "是" if goal["beats_snaive_everywhere"] else "否"
    cov = averages[model]["coverage95"]
    cov_ok = "达标" if goal["coverage95_in_90_98"] else "未达标"
    return (
        f"{label}：平均优于季节朴素的指标 {on_avg}；每个分区每个指标都优于季节朴素：{every}"
        f"（{goal['beats_snaive_pairs']}/{goal['pairs']}"
        + (f"，不及：{'、'.join(goal['loses_to_snaive'])}" if goal["loses_to_snaive"] else "")
        + f"）；95%区间覆盖率 {cov:.1%}（目标 90–98%，{cov_ok}）"
    )
