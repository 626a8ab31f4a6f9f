"""The nightly batch: forecast many series with one function, on a process pool or on Spark.

`forecast_group` takes one series in long form (columns `series`, `timestamp`, `value`) and
returns its forecast rows; the same function runs in a local process pool (`run_pool`) and,
where one machine is not enough, on Spark as `groupBy("series").applyInPandas(...)`
(`run_spark`; the cluster address is the FORECAST_SPARK_URL setting, `local[2]` in tests).
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.households import widen_daily
from forecasting.models import fit_predict

OUTPUT_COLUMNS = (
    ("series", "string"),
    ("timestamp", "timestamp"),
    ("yhat", "double"),
    ("lower80", "double"),
    ("upper80", "double"),
    ("lower95", "double"),
    ("upper95", "double"),
    ("model", "string"),
    ("notes", "string"),  # JSON: gaps, outliers, backtest MAE per model, or the error
)
SPARK_SCHEMA = ", ".join(f"{name} {kind}" for name, kind in OUTPUT_COLUMNS)


@dataclass
class BatchRun:
    frame: pd.DataFrame  # OUTPUT_COLUMNS, one row per series and step
    series: int
    failed: int
    seconds: float
    engine: str
    cpu_seconds: float | None = None  # this process and its pool workers (not Spark's)

    @property
    def series_per_second(self) -> float:
        return self.series / self.seconds if self.seconds > 0 else float("nan")

    @property
    def series_per_cpu_second(self) -> float | None:
        """Throughput per busy core: what a shared, loaded machine still measures fairly."""
        if not self.cpu_seconds:
            return None
        return self.series / self.cpu_seconds


def _cpu() -> float:
    import resource

    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype="object") for name, _ in OUTPUT_COLUMNS})
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return frame


def forecast_group(
    pdf: pd.DataFrame,
    horizon: int,
    freq: str = "D",
    model: str = "auto",
    region: str = "cn",
) -> pd.DataFrame:
    """One series (long form) → its `horizon` forecast rows. A series that cannot be forecast
    gives one row with NaN values and the reason in `notes`, so one bad meter never stops the
    night's run."""
    name = str(pdf["series"].iloc[0])
    y = pd.Series(
        pd.to_numeric(pdf["value"], errors="coerce").to_numpy(dtype=float),
        index=pd.DatetimeIndex(pd.to_datetime(pdf["timestamp"])),
    )
    try:
        fc = fit_predict(y, horizon, freq, None, region, model)
        if name.startswith("household:") and freq == "D":  # factors fitted on households only
            fc = widen_daily(fc)
    except (ValueError, RuntimeError) as exc:
        row = {c: np.nan for c, _ in OUTPUT_COLUMNS}
        row.update(
            series=name, timestamp=y.index.max(), model="", notes=json.dumps({"error": str(exc)})
        )
        return pd.DataFrame([row])
    out = fc.frame().rename_axis("timestamp").reset_index()
    out.insert(0, "series", name)
    out["model"] = fc.model_name
    out["notes"] = json.dumps(fc.notes, ensure_ascii=False, default=str)
    return out[[c for c, _ in OUTPUT_COLUMNS]]


def _groups(long: pd.DataFrame) -> list[pd.DataFrame]:
    return [g for _, g in long.groupby("series", sort=False)]


def _one(args) -> pd.DataFrame:
    pdf, horizon, freq, model, region = args
    return forecast_group(pdf, horizon, freq, model, region)


def _count(frame: pd.DataFrame) -> tuple[int, int]:
    per_series = frame.groupby("series")["notes"].first()
    failed = int(per_series.str.contains('"error"', regex=False).sum())
    return len(per_series), failed


def run_pool(
    long: pd.DataFrame,
    horizon: int,
    freq: str = "D",
    model: str = "auto",
    region: str = "cn",
    workers: int = 2,
    chunksize: int = 8,
) -> BatchRun:
    """Every series of `long` on a local process pool (workers=1: in this process)."""
    began, cpu = time.perf_counter(), _cpu()
    jobs = [(g, horizon, freq, model, region) for g in _groups(long)]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(_one, jobs, chunksize=chunksize))
    else:
        parts = [_one(j) for j in jobs]
    frame = pd.concat(parts, ignore_index=True) if parts else _empty()
    seconds = time.perf_counter() - began
    n, failed = _count(frame) if len(frame) else (0, 0)
    return BatchRun(frame, n, failed, seconds, f"process pool ×{workers}", _cpu() - cpu)


def spark_session(master: str, app_name: str = "shuiwu-forecast"):
    """A Spark session on `master` (local[2], spark://host:7077, …) whose Python workers use
    this interpreter, so forecasting/ imports the same way on the executors."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    local = master.startswith("local")
    builder = SparkSession.builder.master(master)
    if local:  # blocks are fetched from the driver's advertised address: keep it on loopback
        builder = builder.config("spark.driver.host", "127.0.0.1")
    return (
        builder.appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.bindAddress", "127.0.0.1" if local else "0.0.0.0")
        .getOrCreate()
    )


def run_spark(
    long: pd.DataFrame,
    horizon: int,
    freq: str = "D",
    model: str = "auto",
    region: str = "cn",
    master: str = "local[2]",
    spark=None,
) -> BatchRun:
    """The same `forecast_group` per series on Spark: groupBy("series").applyInPandas."""
    own = spark is None
    spark = spark or spark_session(master)
    try:
        began = time.perf_counter()
        data = long[["series", "timestamp", "value"]].copy()
        data["series"] = data["series"].astype(str)
        data["timestamp"] = pd.to_datetime(data["timestamp"])
        data["value"] = pd.to_numeric(data["value"], errors="coerce").astype(float)
        sdf = spark.createDataFrame(data, schema="series string, timestamp timestamp, value double")

        def per_series(pdf: pd.DataFrame) -> pd.DataFrame:
            return forecast_group(pdf, horizon, freq, model, region)

        result = sdf.groupBy("series").applyInPandas(per_series, schema=SPARK_SCHEMA).toPandas()
        seconds = time.perf_counter() - began
    finally:
        if own:
            spark.stop()
    n, failed = _count(result) if len(result) else (0, 0)
    return BatchRun(result, n, failed, seconds, f"Spark {master}")


def to_long(wide: pd.DataFrame) -> pd.DataFrame:
    """A wide frame (DatetimeIndex, one column per series) → long `series, timestamp, value`."""
    long = (
        wide.rename_axis("timestamp")
        .reset_index()
        .melt(id_vars="timestamp", var_name="series", value_name="value")
    )
    return long[["series", "timestamp", "value"]]
