"""Forecast tasks as the forecast page and the assistant use them.

A task is a configuration (time range, granularity, regions, model, extra data) that runs as a
background job: its state, progress and log live in the database, so a page reload (or another
replica) sees the same job; a worker thread in the app claims queued jobs. Residents forecast
their own households only; staff forecast districts, the district meters (hourly), uploaded
series and — with bills-and-usage access — any household.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shuiwu.config import get_settings
from shuiwu.errors import Conflict, Forbidden, InvalidInput, NotFound
from shuiwu.models import (
    DistrictFlow,
    ForecastJob,
    ForecastJobLog,
    ForecastSnapshot,
    Household,
    JobStatus,
    Meter,
    Reading,
    ReadingStatus,
    User,
)
from shuiwu.models._types import utcnow
from shuiwu.services.households import Access, get_household, is_staff, may_see_account_data
from shuiwu.timeutil import today_local

log = logging.getLogger(__name__)

JOB_NOT_FOUND = "未找到该预测任务，或您无权查看"
GRANULARITIES = {"hour": "小时", "day": "日", "week": "周", "month": "月"}
# The longest range one task may cover per granularity: beyond it the error grows so much that
# the figures mislead (hourly), or the chart becomes unreadable.
MAX_DAYS = {"hour": 14, "day": 92, "week": 182, "month": 366}
GRANULARITY_HINTS = {
    "hour": "按小时：可看出一天中的高峰时段，最多 14 天；越往后误差越大",
    "day": "按日：适合安排未来几周的调度，最多 92 天",
    "week": "按周：逐日预测按周汇总，波动相互抵消，相对误差更小，最多 26 周",
    "month": "按月：适合看季节趋势和预算，最多 12 个月；单月数值最稳，但细节最少",
}
MODEL_DESCRIPTIONS = {
    "auto": "自动选择：用最近几周的滚动回测比较各模型，选误差最小的一个（逐时数据上，季节朴素须明显更准才会被选中）",
    "snaive": "季节朴素：取上周同一时刻（或同一星期几）的值，是所有模型的比较基准",
    "prophet": "Prophet：拟合周、年季节性和节假日（含调休），可加入气温、降雨等天气数据",
    "gbm": "LightGBM：用日历和前几周同期用水量学习规律，一般误差最小、速度快",
}
KIND_LABELS = {"household": "户号", "district": "片区", "dma": "分区计量表", "upload": "上传数据"}
MAX_REGIONS = 5
MAX_GAP_DAYS = 62  # from the last observed value to the start of the range
MAX_UPLOAD_ROWS = 20_000
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
HISTORY_DAYS = 730
STALE_AFTER = timedelta(minutes=5)
UNIT = "立方米"


# ---------------------------------------------------------------- data sources


@dataclass
class Source:
    kind: str
    key: str
    label: str
    freq: str  # "h" or "D"
    series: pd.Series  # regular index, NaN = missing
    data_source: str
    region: str  # holiday calendar
    weather: pd.DataFrame | None = None


@lru_cache(maxsize=2)
def _bwdf(folder: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    from forecasting.series import read_wide_csv

    base = Path(folder)
    inflows = read_wide_csv(base / "bwdf_inflows_hourly.csv").frame
    weather_file = base / "bwdf_weather_hourly.csv"
    weather = read_wide_csv(weather_file).frame if weather_file.is_file() else None
    return inflows, weather


def dma_available() -> bool:
    return (Path(get_settings().forecast_datasets_dir) / "bwdf_inflows_hourly.csv").is_file()


def _dma_names() -> list[str]:
    if not dma_available():
        return []
    inflows, _ = _bwdf(str(get_settings().forecast_datasets_dir))
    return list(inflows.columns)


def district_names(session: Session) -> list[str]:
    return list(
        session.scalars(select(DistrictFlow.district).distinct().order_by(DistrictFlow.district))
    )


def household_daily(
    session: Session, household_ids: list[int], end: date, days: int = HISTORY_DAYS
) -> dict[int, pd.Series]:
    """Daily use (m³) per household from its accepted readings, through the billing module's
    interval arithmetic (rollovers, meter replacements, sparse readings spread over days).
    Days before the first and after the last accepted reading are missing, not zero."""
    from shuiwu.billing.usage import intervals, local_midnight, meter_spans, spread_by_day

    start = end - timedelta(days=days - 1)
    meters = session.execute(
        select(Meter.id, Meter.household_id).where(Meter.household_id.in_(household_ids))
    ).all()
    owner = {m: h for m, h in meters}
    readings: dict[int, list] = defaultdict(list)
    lo, hi = local_midnight(start - timedelta(days=40)), local_midnight(end + timedelta(days=1))
    rows = session.execute(
        select(Reading.meter_id, Reading.read_at, Reading.value)
        .where(
            Reading.meter_id.in_(list(owner)),
            Reading.status == ReadingStatus.ACCEPTED,
            Reading.read_at > lo,
            Reading.read_at <= hi,
        )
        .order_by(Reading.read_at)
    ).all()
    for meter_id, at, value in rows:
        readings[owner[meter_id]].append((meter_id, at, Decimal(value)))
    out = {}
    index = pd.date_range(start, end, freq="D")
    for hid in household_ids:
        mine = readings.get(hid, [])
        if not mine:
            out[hid] = pd.Series(np.nan, index=index)
            continue
        spans = meter_spans(session, hid)
        daily = spread_by_day(intervals(spans, mine), start, end)
        s = pd.Series([float(v) for _, v in daily], index=index)
        first = pd.Timestamp((mine[0][1] + timedelta(hours=8)).date())
        last = pd.Timestamp((mine[-1][1] + timedelta(hours=8)).date())
        s[(s.index <= first) | (s.index > last)] = np.nan
        out[hid] = s
    return out


def _district_series(session: Session, district: str) -> pd.Series:
    rows = session.execute(
        select(DistrictFlow.day, DistrictFlow.volume_m3)
        .where(DistrictFlow.district == district)
        .order_by(DistrictFlow.day)
    ).all()
    if not rows:
        return pd.Series(dtype=float)
    s = pd.Series(
        [None if v is None else float(v) for _, v in rows],
        index=pd.DatetimeIndex([d for d, _ in rows]),
        dtype=float,
    )
    return s.asfreq("D")


def load_source(session: Session, actor: User, region: dict, uploads: dict | None = None) -> Source:
    """The series behind one region of a task, if `actor` may forecast it."""
    kind, key = region.get("kind"), str(region.get("key", "")).strip()
    settings = get_settings()
    if kind == "household":
        try:
            household_id = int(key)
        except ValueError:
            raise InvalidInput("户号参数无效", field="regions") from None
        household = get_household(session, actor, household_id, Access.USAGE)
        yesterday = today_local() - timedelta(days=1)
        series = household_daily(session, [household.id], yesterday)[household.id]
        return Source(
            kind,
            key,
            f"户号 {household.account_no}",
            "D",
            series,
            "已确认的抄表读数（按日折算用水量）",
            settings.forecast_region,
        )
    if not is_staff(actor):
        raise Forbidden("居民用户只能预测自己已绑定的户号，不能选择片区或上传数据")
    if kind == "district":
        series = _district_series(session, key)
        if series.empty:
            raise InvalidInput(f"没有片区“{key}”的流量数据", field="regions")
        return Source(
            kind,
            key,
            key,
            "D",
            series,
            "片区总表日进水量（DistrictFlow）",
            settings.forecast_region,
        )
    if kind == "dma":
        if key not in _dma_names():
            raise InvalidInput(f"没有分区计量表“{key}”的数据", field="regions")
        inflows, weather = _bwdf(str(settings.forecast_datasets_dir))
        return Source(
            kind,
            key,
            f"分区计量表 {key}",
            "h",
            inflows[key],
            "BWDF 分区计量表逐时进水量（升/秒）",
            "it-bwdf",
            weather,
        )
    if kind == "upload":
        data = (uploads or {}).get(key)
        if data is None:
            raise InvalidInput("上传的数据已失效，请重新上传文件", field="regions")
        series = pd.Series(
            data["values"], index=pd.DatetimeIndex(pd.to_datetime(data["timestamps"])), dtype=float
        )
        return Source(
            kind,
            key,
            f"上传：{data.get('name', key)}",
            data["freq"],
            series,
            f"上传文件 {data.get('file', '')}",
            settings.forecast_region,
        )
    raise InvalidInput("请选择预测区域", field="regions")


# ---------------------------------------------------------------- uploads


def parse_upload(filename: str, content: bytes) -> dict:
    """A CSV or Excel file with a timestamp column and one or more value columns → series
    (JSON-ready), with the frequency detected. Every problem is a specific Chinese message."""
    name = (filename or "").lower()
    if not content:
        raise InvalidInput("上传的文件是空的", field="file")
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput("文件超过 5 MB，请只保留时间列和需要预测的数值列", field="file")
    try:
        if name.endswith((".xlsx", ".xlsm")):
            if not content.startswith(b"PK"):
                raise InvalidInput("文件扩展名是 Excel，但内容不是 Excel 工作簿", field="file")
            frame = pd.read_excel(io.BytesIO(content), engine="openpyxl")
        elif name.endswith((".csv", ".txt")):
            text = (
                content.decode("utf-8-sig")
                if not content.startswith(b"\xff\xfe")
                else content.decode("utf-16")
            )
            frame = pd.read_csv(io.StringIO(text))
        else:
            raise InvalidInput("只支持 CSV（.csv）或 Excel（.xlsx）文件", field="file")
    except InvalidInput:
        raise
    except UnicodeDecodeError:
        raise InvalidInput(
            "CSV 文件不是 UTF-8 编码，请在 Excel 中另存为“CSV UTF-8”后再上传", field="file"
        ) from None
    except Exception:
        raise InvalidInput(
            "无法读取文件内容，请检查文件是否损坏或格式是否正确", field="file"
        ) from None
    if len(frame) > MAX_UPLOAD_ROWS:
        raise InvalidInput(
            f"数据行数超过 {MAX_UPLOAD_ROWS} 行，请缩短时间范围或改用日数据", field="file"
        )
    columns = {str(c).strip().lower(): c for c in frame.columns}
    stamp_col = next(
        (columns[c] for c in ("timestamp", "时间", "日期", "date", "time") if c in columns), None
    )
    if stamp_col is None:
        raise InvalidInput(
            "缺少时间列：第一行表头需要有 timestamp（或“时间”“日期”）列", field="file"
        )
    stamps = pd.to_datetime(frame.pop(stamp_col), errors="coerce")
    if stamps.isna().any():
        row = int(np.flatnonzero(stamps.isna().to_numpy())[0]) + 2
        raise InvalidInput(
            f"第 {row} 行的时间无法识别，请使用 2026-11-01 或 2026-11-01 08:00 这样的格式",
            field="file",
        )
    if frame.shape[1] == 0:
        raise InvalidInput("除时间列外没有数值列", field="file")
    if len(frame) < 14:
        raise InvalidInput("数据太少：至少需要两周的数据才能预测", field="file")
    order = np.argsort(stamps.to_numpy())
    stamps = stamps.iloc[order]
    steps = pd.Series(stamps.to_numpy()).diff().dropna()
    step = steps[steps > pd.Timedelta(0)].median() if len(steps) else pd.Timedelta(days=1)
    freq = "h" if step <= pd.Timedelta(hours=1) else "D"
    if pd.Timedelta(hours=1) < step < pd.Timedelta(days=1):
        raise InvalidInput(
            "只支持逐小时或逐日的数据，文件的时间间隔不是 1 小时或 1 天", field="file"
        )
    series = {}
    for col in frame.columns:
        values = pd.to_numeric(frame[col].iloc[order], errors="coerce")
        bad = (
            values.isna()
            & frame[col].iloc[order].notna()
            & (frame[col].iloc[order].astype(str).str.strip() != "")
        )
        if bad.any():
            raise InvalidInput(
                f"“{col}”列有无法识别为数字的内容，例如“{frame[col].iloc[order][bad].iloc[0]}”",
                field="file",
            )
        if values.notna().sum() < 14:
            continue
        grid = (
            pd.Series(values.to_numpy(dtype=float), index=pd.DatetimeIndex(stamps))
            .groupby(level=0)
            .mean()
        )
        grid = grid.asfreq(freq)
        series[str(col)] = {
            "name": str(col),
            "file": filename,
            "freq": freq,
            "timestamps": [t.isoformat() for t in grid.index],
            "values": [None if np.isnan(v) else float(v) for v in grid.to_numpy()],
        }
    if not series:
        raise InvalidInput("没有一列有足够的数值（每列至少 14 个）", field="file")
    return {"freq": freq, "series": series, "rows": len(frame)}


# ---------------------------------------------------------------- validation


def _as_date(value, field: str, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InvalidInput(f"请选择{label}", field=field) from None


def validate_config(session: Session, actor: User, config: dict) -> dict:
    """The normalised configuration, or InvalidInput/Forbidden with the field and a specific
    Chinese message (the page shows the same checks before sending)."""
    if not isinstance(config, dict):
        raise InvalidInput("预测参数格式不正确")
    granularity = config.get("granularity") or "day"
    if granularity not in GRANULARITIES:
        raise InvalidInput("时间粒度只能是小时、日、周或月", field="granularity")
    start = _as_date(config.get("start"), "start", "开始日期")
    end = _as_date(config.get("end"), "end", "结束日期")
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期", field="end")
    days = (end - start).days + 1
    if days > MAX_DAYS[granularity]:
        raise InvalidInput(
            f"按{GRANULARITIES[granularity]}预测最多 {MAX_DAYS[granularity]} 天，当前选择了 {days} 天："
            f"请缩短时间范围，或改用更粗的粒度",
            field="end",
        )
    model = config.get("model") or "auto"
    if model not in MODEL_DESCRIPTIONS:
        raise InvalidInput("请选择预测模型", field="model")
    regions = config.get("regions") or []
    if not isinstance(regions, list) or not regions:
        raise InvalidInput("请至少选择一个预测区域", field="regions")
    if len(regions) > MAX_REGIONS:
        raise InvalidInput(f"一次最多比较 {MAX_REGIONS} 个区域", field="regions")
    uploads = config.get("uploads") or {}
    clean = []
    for region in regions:
        if not isinstance(region, dict):
            raise InvalidInput("预测区域格式不正确", field="regions")
        kind = region.get("kind")
        if kind not in KIND_LABELS:
            raise InvalidInput("请选择预测区域", field="regions")
        if not is_staff(actor) and kind != "household":
            raise Forbidden("居民用户只能预测自己已绑定的户号，不能选择片区或上传数据")
        if kind == "household":
            try:
                hid = int(region.get("key"))
            except (TypeError, ValueError):
                raise InvalidInput("户号参数无效", field="regions") from None
            get_household(session, actor, hid, Access.USAGE)
        if kind == "dma" and region.get("key") not in _dma_names():
            raise InvalidInput(f"没有分区计量表“{region.get('key')}”的数据", field="regions")
        if kind == "district" and region.get("key") not in district_names(session):
            raise InvalidInput(f"没有片区“{region.get('key')}”的流量数据", field="regions")
        if kind == "upload" and region.get("key") not in uploads:
            raise InvalidInput("上传的数据已失效，请重新上传文件", field="regions")
        if granularity == "hour" and kind in ("household", "district"):
            raise InvalidInput(
                f"{KIND_LABELS[kind]}只有逐日数据，不能按小时预测：请改按日、周或月",
                field="granularity",
            )
        if granularity == "hour" and kind == "upload" and uploads[region["key"]].get("freq") != "h":
            raise InvalidInput(
                "上传的数据是逐日的，不能按小时预测：请改按日、周或月", field="granularity"
            )
        clean.append(
            {
                "kind": kind,
                "key": str(region.get("key")),
                "label": str(region.get("label") or "")[:40],
            }
        )
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "granularity": granularity,
        "model": model,
        "regions": clean,
        "weather": bool(config.get("weather")),
        "uploads": {
            k: v
            for k, v in uploads.items()
            if any(r["key"] == k and r["kind"] == "upload" for r in clean)
        },
    }


# ---------------------------------------------------------------- jobs


def _log(session: Session, job: ForecastJob, message: str, level: str = "info") -> None:
    session.add(ForecastJobLog(job_id=job.id, message=message, level=level))


def create_job(
    session: Session, actor: User, config: dict, *, run: bool = True, name: str = ""
) -> ForecastJob:
    config = validate_config(session, actor, config)
    job = ForecastJob(
        owner_id=actor.id,
        config=config,
        name=name.strip()[:60],
        saved=not run,
        status=JobStatus.QUEUED if run else JobStatus.DRAFT,
        progress=0,
        step="排队中" if run else "",
        cancel_requested=False,
        saved_at=None if run else utcnow(),
    )
    session.add(job)
    session.flush()
    _log(session, job, "已提交预测任务，等待后台执行" if run else "已保存预测参数")
    return job


def get_job(session: Session, actor: User, job_id: int) -> ForecastJob:
    job = session.get(ForecastJob, job_id)
    if job is None or job.owner_id != actor.id:
        raise NotFound(JOB_NOT_FOUND)
    return job


def list_jobs(
    session: Session, actor: User, *, saved: bool | None = None, limit: int = 30
) -> list[ForecastJob]:
    query = select(ForecastJob).where(ForecastJob.owner_id == actor.id)
    if saved is not None:
        query = query.where(ForecastJob.saved == saved)
    return list(session.scalars(query.order_by(ForecastJob.id.desc()).limit(limit)))


def cancel_job(session: Session, actor: User, job_id: int) -> ForecastJob:
    job = get_job(session, actor, job_id)
    if job.status == JobStatus.QUEUED:
        job.status, job.step, job.finished_at = JobStatus.CANCELLED, "已取消", utcnow()
        _log(session, job, "任务在开始前被取消")
    elif job.status == JobStatus.RUNNING:
        job.cancel_requested = True
        _log(session, job, "已请求取消，当前步骤完成后停止")
    else:
        raise Conflict("任务已结束，无法取消")
    return job


def save_job(session: Session, actor: User, job_id: int, name: str) -> ForecastJob:
    job = get_job(session, actor, job_id)
    name = (name or "").strip()
    if not name:
        raise InvalidInput("请填写任务名称", field="name")
    if len(name) > 60:
        raise InvalidInput("任务名称最多 60 个字", field="name")
    job.name, job.saved, job.saved_at = name, True, utcnow()
    _log(session, job, f"已保存为“{name}”")
    return job


def delete_job(session: Session, actor: User, job_id: int) -> None:
    job = get_job(session, actor, job_id)
    if job.status == JobStatus.RUNNING:
        raise Conflict("任务正在运行，请先取消")
    session.delete(job)


class _Cancelled(Exception):
    pass


def _claim(session: Session) -> int | None:
    """The oldest queued job, claimed atomically (several app replicas may poll); a running job
    whose worker stopped answering goes back to the queue."""
    stale = utcnow() - STALE_AFTER
    session.execute(
        update(ForecastJob)
        .where(ForecastJob.status == JobStatus.RUNNING, ForecastJob.heartbeat_at < stale)
        .values(status=JobStatus.QUEUED, step="上次执行中断，重新排队")
    )
    session.commit()
    for job_id in session.scalars(
        select(ForecastJob.id)
        .where(ForecastJob.status == JobStatus.QUEUED)
        .order_by(ForecastJob.id)
        .limit(5)
    ):
        now = utcnow()
        claimed = session.execute(
            update(ForecastJob)
            .where(ForecastJob.id == job_id, ForecastJob.status == JobStatus.QUEUED)
            .values(
                status=JobStatus.RUNNING,
                started_at=now,
                heartbeat_at=now,
                step="开始执行",
                progress=1,
            )
        ).rowcount
        session.commit()
        if claimed:
            return job_id
    return None


def run_next_job() -> int | None:
    """Claim and run one queued job (the worker thread's loop body; tests call it directly)."""
    from shuiwu.db import new_session

    with new_session() as session:
        job_id = _claim(session)
    if job_id is not None:
        run_job(job_id)
    return job_id


def run_job(job_id: int) -> None:
    from shuiwu.db import new_session

    with new_session() as session:
        job = session.get(ForecastJob, job_id)
        actor = session.get(User, job.owner_id)
        config = job.config

        def step(message: str, progress: int) -> None:
            session.refresh(job)
            if job.cancel_requested:
                raise _Cancelled
            job.step, job.progress, job.heartbeat_at = message[:120], progress, utcnow()
            _log(session, job, message)
            session.commit()

        try:
            result = compute(session, actor, config, step)
            job.result, job.status, job.progress, job.step = result, JobStatus.DONE, 100, "已完成"
            _log(session, job, "预测完成")
        except _Cancelled:
            job.status, job.step = JobStatus.CANCELLED, "已取消"
            _log(session, job, "任务已取消，未保存结果")
        except (InvalidInput, Forbidden, NotFound) as exc:
            job.status, job.step, job.error = JobStatus.FAILED, "失败", exc.message
            _log(session, job, f"任务失败：{exc.message}", "error")
        except Exception as exc:
            log.exception("forecast job %s failed", job_id)
            job.status, job.step, job.error = (
                JobStatus.FAILED,
                "失败",
                "预测计算出错，请稍后重试或更换模型",
            )
            _log(session, job, f"任务失败：{type(exc).__name__}", "error")
        job.finished_at = utcnow()
        session.commit()


_workers: dict[str, threading.Thread] = {}
_worker_lock = threading.Lock()
WORKER_ENABLED = True  # tests switch it off to look at a job before any worker claims it


def ensure_worker() -> None:
    """Start this process's worker thread for the configured database once (the routes call
    it; it also picks up jobs left queued by a restart)."""
    url = get_settings().effective_database_url
    with _worker_lock:
        thread = _workers.get(url)
        if thread is not None and thread.is_alive():
            return
        thread = threading.Thread(
            target=_work_forever, args=(url,), name="forecast-worker", daemon=True
        )
        _workers[url] = thread
        thread.start()


def _work_forever(url: str) -> None:
    # A worker serves one database; when the settings point elsewhere (tests), it ends.
    while get_settings().effective_database_url == url:
        if not WORKER_ENABLED:
            time.sleep(0.2)
            continue
        try:
            if run_next_job() is None:
                time.sleep(0.5)
        except Exception:
            log.warning("forecast worker: polling failed", exc_info=True)
            time.sleep(2)


# ---------------------------------------------------------------- the computation


def _history_and_horizon(
    source: Source, start: date, end: date
) -> tuple[pd.Series, int, pd.DatetimeIndex]:
    y = source.series
    first_stamp = pd.Timestamp(start)
    last_stamp = pd.Timestamp(end) + (
        pd.Timedelta(hours=23) if source.freq == "h" else pd.Timedelta(0)
    )
    observed = y.dropna()
    if observed.empty:
        raise InvalidInput(f"{source.label} 没有可用的历史数据")
    data_end = observed.index[-1]
    if first_stamp - data_end > pd.Timedelta(days=MAX_GAP_DAYS):
        latest = (data_end + pd.Timedelta(days=MAX_GAP_DAYS)).date()
        raise InvalidInput(
            f"{source.label} 的数据截至 {data_end.date()}，开始日期最晚可选 {latest}", field="start"
        )
    step = pd.Timedelta(hours=1) if source.freq == "h" else pd.Timedelta(days=1)
    history = y.loc[: first_stamp - step] if first_stamp <= data_end else y.loc[:data_end]
    history = history.loc[history.first_valid_index() :] if history.notna().any() else history
    season = 168 if source.freq == "h" else 7
    if history.notna().sum() < 2 * season:
        raise InvalidInput(
            f"{source.label} 在开始日期之前的数据不足两周，无法预测：请把开始日期往后选",
            field="start",
        )
    horizon = int((last_stamp - history.index[-1]) / step)
    window = pd.date_range(first_stamp, last_stamp, freq="h" if source.freq == "h" else "D")
    return history, horizon, window


def _bucket_key(stamp: pd.Timestamp, granularity: str) -> str:
    if granularity == "hour":
        return stamp.strftime("%Y-%m-%d %H:00")
    if granularity == "day":
        return stamp.strftime("%Y-%m-%d")
    if granularity == "week":
        monday = stamp - pd.Timedelta(days=stamp.dayofweek)
        return f"{monday:%Y-%m-%d} 起一周"
    return stamp.strftime("%Y-%m")


def _table(frame: pd.DataFrame, granularity: str, freq: str) -> list[dict]:
    """Per hour/day/week/month: the forecast, its intervals and the actual if already known.
    Hourly values are rates (averaged); daily volumes are summed (their intervals too, which
    is conservative: it assumes the days' errors all go the same way)."""
    keys = [_bucket_key(t, granularity) for t in frame.index]
    how = "mean" if freq == "h" and granularity != "hour" else "sum"
    cols = ["yhat", "lower80", "upper80", "lower95", "upper95"]
    grouped = frame.groupby(keys, sort=False)
    agg = getattr(grouped[cols], how)()
    actual = grouped["actual"].agg(
        lambda s: float("nan") if s.isna().any() else (s.mean() if how == "mean" else s.sum())
    )
    rows = []
    for key, row in agg.iterrows():
        entry = {"period": key, **{c: round(float(row[c]), 4) for c in cols}}
        a = actual.loc[key]
        entry["actual"] = None if pd.isna(a) else round(float(a), 4)
        rows.append(entry)
    return rows


WEEKDAYS = "一二三四五六日"


def _reading(source: Source, fc_frame: pd.DataFrame, history: pd.Series) -> tuple[str, list[str]]:
    """A plain Chinese reading of the forecast and what to do about it."""
    suggestions: list[str] = []
    if source.freq == "h":
        two_hour = fc_frame["yhat"].rolling(2).mean().shift(-1)
        peak = two_hour.idxmax()
        last_week = history.reindex(fc_frame.index - pd.Timedelta(days=7))
        same = last_week.reindex(
            [peak - pd.Timedelta(days=7), peak - pd.Timedelta(days=6, hours=23)]
        )
        text = f"预计{peak.month}月{peak.day}日（周{WEEKDAYS[peak.dayofweek]}）{peak:%H}:00–{(peak + pd.Timedelta(hours=2)):%H}:00 为用水高峰"
        if same.notna().all() and same.mean() > 0:
            change = 100 * (float(two_hour.loc[peak]) / float(same.mean()) - 1)
            text += f"，比上周同期{'高' if change >= 0 else '低'} {abs(change):.0f}%"
        low = fc_frame["yhat"].idxmin()
        text += f"；最低在 {low.month}月{low.day}日 {low:%H}:00 前后。"
        suggestions.append(
            f"高峰前（{peak:%H}:00 之前）提高清水池和高位水池水位，避免高峰时段末端水压不足。"
        )
        suggestions.append(f"夜间低谷（约 {low:%H}:00）适合安排管网冲洗、检修和压力管理。")
        return text, suggestions
    total = float(fc_frame["yhat"].sum())
    n = len(fc_frame)
    before = history.iloc[-n:].dropna()
    text = f"预计这 {n} 天共用水约 {total:.1f} {UNIT}，日均 {total / n:.2f} {UNIT}"
    if len(before) >= 0.8 * n and before.mean() > 0:
        change = 100 * (total / n / float(before.mean()) - 1)
        text += f"，比之前 {n} 天的日均{'高' if change >= 0 else '低'} {abs(change):.0f}%"
        if change > 15:
            hint = (
                "如无新增用水，建议检查是否漏水：关闭家中所有用水器具后观察水表是否仍在走动。"
                if source.kind == "household"
                else "建议核查该片区是否有新增用户或管网漏损，并提前安排调度。"
            )
            suggestions.append(hint)
    peak = fc_frame["yhat"].idxmax()
    text += f"；用水最多的一天预计是 {peak.month}月{peak.day}日（周{WEEKDAYS[peak.dayofweek]}）。"
    if source.kind == "household":
        suggestions.append(
            "按当前用量估算，可在“账单”页查看本月水费预估；节水器具和错峰洗衣可以减少用水。"
        )
    else:
        suggestions.append("高峰日前一天提高供水调度余量，低谷日可安排管网检修。")
    return text, suggestions


def model_version() -> str:
    from importlib.metadata import version

    from forecasting.models import MODEL_REVISION

    return (
        f"shuiwu-forecasting {version('shuiwu')}，模型修订 {MODEL_REVISION}"
        f"（LightGBM {version('lightgbm')}，Prophet {version('prophet')}）"
    )


def forecast_source(
    source: Source, start: date, end: date, model: str, granularity: str, use_weather: bool
) -> dict:
    from forecasting.households import widen_daily
    from forecasting.messages import MODEL_LABELS
    from forecasting.models import fit_predict

    history, horizon, window = _history_and_horizon(source, start, end)
    weather = source.weather if use_weather else None
    fc = fit_predict(
        history, horizon, source.freq, weather, source.region, model, report_backtest=True
    )
    if source.kind == "household":  # the daily factors were fitted on households only
        fc = widen_daily(fc)
    frame = fc.frame().reindex(window)
    frame["actual"] = source.series.reindex(window)
    notes = fc.notes
    backtest = notes.get("backtest_mae") or {}
    shown_history = history.iloc[-(14 * 24 if source.freq == "h" else 60) :]
    reading, suggestions = _reading(source, frame, history)
    fmt = "%Y-%m-%d %H:%M" if source.freq == "h" else "%Y-%m-%d"
    series = lambda s: [None if pd.isna(v) else round(float(v), 4) for v in s]  # noqa: E731
    extra = []
    if notes.get("outliers_removed"):
        extra.append(f"剔除异常值 {notes['outliers_removed']} 个（表计故障或爆管等）")
    if notes.get("gaps"):
        extra.append(f"历史数据缺测 {notes['gaps']} 个时点，按缺失处理，未插补")
    if notes.get("short_history"):
        extra.append("历史数据不足两个周期，只用季节朴素模型")
    if isinstance(notes.get("regressors"), str):
        extra.append("天气数据未覆盖预测期，本次未使用天气")
    elif notes.get("regressors"):
        extra.append("已使用天气数据：" + "、".join(notes["regressors"]))
    return {
        "kind": source.kind,
        "key": source.key,
        "label": source.label,
        "freq": source.freq,
        "unit": "升/秒" if source.kind == "dma" else UNIT,
        "model": fc.model_name,
        "model_label": MODEL_LABELS.get(fc.model_name, fc.model_name),
        "requested_model": model,
        "model_version": model_version(),
        "data_source": source.data_source,
        "training": {
            "start": history.first_valid_index().strftime(fmt),
            "end": history.index[-1].strftime(fmt),
            "points": int(history.notna().sum()),
        },
        "backtest": {
            "mae": backtest,
            "winner": notes.get("auto_winner", fc.model_name),
            "improvement_vs_snaive_pct": notes.get("improvement_vs_snaive_pct"),
        },
        "cleaning": {"gaps": notes.get("gaps", 0), "outliers": notes.get("outliers_removed", 0)},
        "notes": extra,
        "reading": reading,
        "suggestions": suggestions,
        "points": {
            "timestamps": [t.strftime(fmt) for t in frame.index],
            **{
                c: series(frame[c])
                for c in ("yhat", "lower80", "upper80", "lower95", "upper95", "actual")
            },
        },
        "history": {
            "timestamps": [t.strftime(fmt) for t in shown_history.index],
            "values": series(shown_history),
        },
        "table": _table(frame, granularity, source.freq),
    }


def compute(
    session: Session, actor: User, config: dict, step=lambda message, progress: None
) -> dict:
    """Run the task's configuration; `step(message, percent)` reports progress (and may raise
    to cancel)."""
    regions = config["regions"]
    start, end = date.fromisoformat(config["start"]), date.fromisoformat(config["end"])
    n = len(regions)
    results = []
    for i, region in enumerate(regions):
        base = 5 + int(90 * i / n)
        step(f"读取{KIND_LABELS[region['kind']]}数据：{region.get('label') or region['key']}", base)
        source = load_source(session, actor, region, config.get("uploads"))
        observed = source.series.notna().sum()
        step(
            f"{source.label}：共 {observed} 个有效数据点，开始训练{'并回测选择' if config['model'] == 'auto' else ''}模型",
            base + int(30 / n),
        )
        began = time.perf_counter()
        results.append(
            forecast_source(
                source, start, end, config["model"], config["granularity"], config["weather"]
            )
        )
        r = results[-1]
        gain = r["backtest"]["improvement_vs_snaive_pct"]
        step(
            f"{source.label}：模型 {r['model_label']}，用时 {time.perf_counter() - began:.1f} 秒"
            + (
                f"，回测误差比季节朴素{'低' if gain >= 0 else '高'} {abs(gain):.1f}%"
                if gain is not None
                else ""
            ),
            5 + int(90 * (i + 1) / n),
        )
    return {
        "start": config["start"],
        "end": config["end"],
        "granularity": config["granularity"],
        "regions": results,
        "made_at": utcnow().isoformat(),
    }


# ---------------------------------------------------------------- options


def options(session: Session, actor: User) -> dict:
    from shuiwu.services.households import list_households

    regions = []
    if is_staff(actor):
        regions += [
            {"kind": "district", "key": d, "label": d, "freq": "D"} for d in district_names(session)
        ]
        regions += [
            {"kind": "dma", "key": d, "label": f"分区计量表 {d}（逐时）", "freq": "h"}
            for d in _dma_names()
        ]
    else:
        regions += [
            {"kind": "household", "key": str(h.id), "label": f"户号 {h.account_no}", "freq": "D"}
            for h in list_households(session, actor)
        ]
    return {
        "regions": regions,
        "may_pick_households": is_staff(actor) and may_see_account_data(actor),
        "may_upload": is_staff(actor),
        "models": [{"key": k, "description": v} for k, v in MODEL_DESCRIPTIONS.items()],
        "granularities": [
            {
                "key": k,
                "label": GRANULARITIES[k],
                "max_days": MAX_DAYS[k],
                "hint": GRANULARITY_HINTS[k],
            }
            for k in GRANULARITIES
        ],
        "today": today_local().isoformat(),
        "dma_data_end": _dma_data_end(),
    }


def _dma_data_end() -> str | None:
    if not dma_available():
        return None
    inflows, _ = _bwdf(str(get_settings().forecast_datasets_dir))
    return inflows.index[-1].date().isoformat()


def export_table(result: dict, fmt: str) -> tuple[bytes, str, str]:
    """The result table of every region as CSV (UTF-8 with BOM, for Excel) or an .xlsx."""
    header = [
        "区域",
        "时段",
        "预测值",
        "80%下限",
        "80%上限",
        "95%下限",
        "95%上限",
        "实际值",
        "单位",
        "模型",
    ]
    rows = [
        [r["label"], t["period"], t["yhat"], t["lower80"], t["upper80"], t["lower95"], t["upper95"],
         t["actual"] if t["actual"] is not None else "", r["unit"], r["model_label"]]
        for r in result["regions"] for t in r["table"]
    ]  # fmt: skip
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "预测结果"
        ws.append(header)
        for row in rows:
            ws.append(row)
        out = io.BytesIO()
        wb.save(out)
        return (
            out.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    if fmt != "csv":
        raise InvalidInput("导出格式只能是 CSV 或 Excel", field="format")
    text = io.StringIO()
    text.write("\ufeff")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8"), "text/csv; charset=utf-8", "csv"


# ---------------------------------------------------------------- nightly batch and outlook


def nightly_series(
    session: Session, *, limit: int | None = None, end: date | None = None
) -> pd.DataFrame:
    """Every household's daily use and every district's daily inflow, long form
    (`series` = household:<id> / district:<name>, `timestamp`, `value`)."""
    end = end or today_local() - timedelta(days=1)
    ids = list(session.scalars(select(Household.id).order_by(Household.id).limit(limit)))
    parts = []
    for chunk in range(0, len(ids), 200):
        for hid, s in household_daily(session, ids[chunk : chunk + 200], end).items():
            s = s.loc[s.first_valid_index() :] if s.notna().any() else s.iloc[:0]
            parts.append(
                pd.DataFrame(
                    {"series": f"household:{hid}", "timestamp": s.index, "value": s.to_numpy()}
                )
            )
    for district in district_names(session):
        s = _district_series(session, district)
        parts.append(
            pd.DataFrame(
                {"series": f"district:{district}", "timestamp": s.index, "value": s.to_numpy()}
            )
        )
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["series", "timestamp", "value"])
    return pd.concat(parts, ignore_index=True)


def store_snapshots(session: Session, frame: pd.DataFrame) -> int:
    """Keep each series' latest nightly forecast (replacing the previous night's)."""
    import json

    stored = 0
    for name, part in frame.groupby("series"):
        level, key = str(name).split(":", 1)
        part = part.sort_values("timestamp")
        if part["yhat"].isna().all():
            continue
        payload = {
            "dates": [t.strftime("%Y-%m-%d") for t in pd.to_datetime(part["timestamp"])],
            **{
                c: [round(float(v), 4) for v in part[c]]
                for c in ("yhat", "lower80", "upper80", "lower95", "upper95")
            },
            "notes": json.loads(part["notes"].iloc[0] or "{}"),
        }
        history_end = (pd.to_datetime(part["timestamp"]).min() - pd.Timedelta(days=1)).date()
        snap = session.scalar(
            select(ForecastSnapshot).where(
                ForecastSnapshot.level == level, ForecastSnapshot.key == key
            )
        )
        if snap is None:
            snap = ForecastSnapshot(level=level, key=key)
            session.add(snap)
        snap.made_at, snap.history_end, snap.model, snap.payload = (
            utcnow(),
            history_end,
            str(part["model"].iloc[0]),
            payload,
        )
        stored += 1
    return stored


def household_outlook(session: Session, actor: User, household_id: int, days: int = 30) -> dict:
    """The assistant's forecast answer: {"text": short Chinese reading, "chart": ECharts option
    with the last 60 days' use, the forecast and its 95 % band}. Uses the nightly forecast when
    it is current, otherwise a quick LightGBM fit (well under a second), which it then keeps."""
    from forecasting.households import total_range, widen_daily
    from forecasting.models import fit_predict

    if not 1 <= days <= 92:
        raise InvalidInput("预测天数应在 1 到 92 天之间", field="days")
    household = get_household(session, actor, household_id, Access.USAGE)
    yesterday = today_local() - timedelta(days=1)
    history = household_daily(session, [household.id], yesterday, days=400)[household.id]
    if history.notna().sum() < 14:
        return {
            "text": f"户号 {household.account_no} 的抄表记录不足两周，暂时无法预测用水量。",
            "chart": None,
        }
    snap = session.scalar(
        select(ForecastSnapshot).where(
            ForecastSnapshot.level == "household", ForecastSnapshot.key == str(household.id)
        )
    )
    if snap is None or snap.history_end < yesterday or len(snap.payload["dates"]) < days:
        fc = widen_daily(
            fit_predict(
                history,
                max(days, 30),
                "D",
                None,
                get_settings().forecast_region,
                get_settings().forecast_nightly_model,
            )
        )
        part = fc.frame().rename_axis("timestamp").reset_index()
        part["series"], part["model"] = f"household:{household.id}", fc.model_name
        import json

        part["notes"] = json.dumps(fc.notes, ensure_ascii=False, default=str)
        store_snapshots(session, part)
        snap = session.scalar(
            select(ForecastSnapshot).where(
                ForecastSnapshot.level == "household", ForecastSnapshot.key == str(household.id)
            )
        )
    p = snap.payload
    dates, yhat = p["dates"][:days], p["yhat"][:days]
    lo, hi = p["lower95"][:days], p["upper95"][:days]
    # The total's range comes from the household's own spread of past 30-day totals (its errors
    # run together across days); coverage by `shuiwu forecast eval --level household`.
    total, low_total, high_total = total_range(yhat, history)
    recent = history.iloc[-days:].dropna()
    text = (
        f"户号 {household.account_no} 未来 {days} 天预计用水约 {total:.1f} {UNIT}"
        f"（大致在 {max(low_total, 0):.1f}–{high_total:.1f} {UNIT}之间），日均 {total / days:.2f} {UNIT}"
    )
    if len(recent) >= 0.8 * days and recent.mean() > 0:
        change = 100 * (total / days / float(recent.mean()) - 1)
        text += f"，比最近 {days} 天{'多' if change >= 0 else '少'} {abs(change):.0f}%"
    text += "。"
    shown = history.iloc[-60:]
    axis = [t.strftime("%Y-%m-%d") for t in shown.index] + dates
    pad = [None] * len(shown)
    actual = [None if pd.isna(v) else round(float(v), 3) for v in shown] + [None] * len(dates)
    chart = {
        "title": {"text": f"户号 {household.account_no} 用水预测", "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "data": ["实际用水", "预测", "95%区间"]},
        "grid": {"left": 40, "right": 16, "top": 40, "bottom": 60},
        "xAxis": {"type": "category", "data": axis},
        "yAxis": {"type": "value", "name": UNIT},
        "dataZoom": [{"type": "inside"}, {"type": "slider", "height": 16, "bottom": 28}],
        "series": [
            {"name": "实际用水", "type": "line", "data": actual, "showSymbol": False},
            {"name": "预测", "type": "line", "data": pad + [round(v, 3) for v in yhat], "showSymbol": False,
             "lineStyle": {"type": "dashed"}},
            {"name": "95%区间下限", "type": "line", "stack": "band", "data": pad + [round(max(v, 0), 3) for v in lo],
             "lineStyle": {"opacity": 0}, "symbol": "none", "tooltip": {"show": False}},
            {"name": "95%区间", "type": "line", "stack": "band",
             "data": pad + [round(h - max(lo_, 0), 3) for h, lo_ in zip(hi, lo, strict=True)],
             "lineStyle": {"opacity": 0}, "symbol": "none", "areaStyle": {"opacity": 0.25}},
        ],
    }  # fmt: skip
    return {"text": text, "chart": chart}


def run_nightly(
    session: Session,
    *,
    spark_url: str | None = None,
    workers: int | None = None,
    limit: int | None = None,
    model: str | None = None,
    horizon: int = 35,
) -> dict:
    """Forecast every household and district (daily, `horizon` days) and keep the results;
    returns the throughput figures."""
    from forecasting.batch import run_pool, run_spark

    settings = get_settings()
    model = model or settings.forecast_nightly_model
    began = time.perf_counter()
    long = nightly_series(session, limit=limit)
    load_seconds = time.perf_counter() - began
    if spark_url:
        run = run_spark(long, horizon, "D", model, settings.forecast_region, master=spark_url)
    else:
        run = run_pool(
            long,
            horizon,
            "D",
            model,
            settings.forecast_region,
            workers=workers or settings.forecast_batch_workers,
        )
    stored = store_snapshots(session, run.frame)
    return {
        "engine": run.engine,
        "series": run.series,
        "failed": run.failed,
        "stored": stored,
        "load_seconds": round(load_seconds, 1),
        "forecast_seconds": round(run.seconds, 1),
        "series_per_second": round(run.series_per_second, 2),
        "cpu_seconds": None if run.cpu_seconds is None else round(run.cpu_seconds, 1),
        "series_per_cpu_second": None
        if run.series_per_cpu_second is None
        else round(run.series_per_cpu_second, 2),
        "model": model,
        "at": datetime.now(UTC).isoformat(),
    }
