"""Rolling-origin backtest of household daily forecasts on real smart-meter data (DAIAD, 92
households, hourly cumulative litres, March–December 2016): MAE, MASE and the coverage of the
daily 80 % / 95 % intervals and of the 30-day total's range that `household_outlook` shows.

    shuiwu forecast eval --level household [--models snaive,gbm,auto] [--json]
"""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting import households
from forecasting.models import fit_predict, prepare
from forecasting.totals import total_range
from forecasting.tuning import needed_factors

DAIAD = "households/daiad_swm_hourly.csv.gz"
# The register is cumulative, so a silent spell inside one day loses nothing of that day's total
# (the meters often send in batches, 5 h apart); one across midnight leaves the split between the
# days unknown when longer than this, and every day it touches is missing. Readings come about
# hourly, so a shorter step is counted on the day it ends.
MAX_STEP_HOURS = 3.0
BACKSTEP_L = 10.0  # a fall of the register beyond this is a reset or a misread: a fault
MAX_L_PER_HOUR = 1000.0  # a rise faster than this (a 20 mm meter's peak is ~2.5 m³/h) is a fault
# Households using less than this (litres a day, on average) are vacant flats: their forecast
# errors are noise around zero, and a single scale factor would make them a family's use.
MIN_MEAN_L = 50.0
# The demo city's tariff tiers assume about 15 m³ a month for a family: one factor for all
# households maps the median household's mean day to 15/30 m³ and keeps every shape and ratio.
FAMILY_M3_PER_DAY = 15 / 30
HORIZON = 30  # days, what household_outlook shows
MIN_HISTORY_DAYS = 56  # observed days before an origin (8 weeks)
MIN_ACTUAL_DAYS = 15  # observed days in the 30 after it
# Every four weeks from eight weeks after the data begin (2016-03-01), while 30 days fit.
ORIGINS = tuple(str(d.date()) for d in pd.date_range("2016-04-27", "2016-12-01", freq="28D"))
# The data are European; of the product's calendars the Italian one (Sundays and the Catholic
# holidays as rest days) is the closer. The product itself uses FORECAST_REGION (cn).
REGION = "it-bwdf"
LEVELS = {"80": 0.80, "95": 0.95}
BOUNDS = {"80": (0.75, 0.85), "95": (0.90, 0.98)}


def daily_use(timestamps, readings) -> pd.Series:
    """Litres per local day from cumulative readings; a day is missing (NaN), never zero, when a
    fault (the register falling by more than BACKSTEP_L, or rising faster than MAX_L_PER_HOUR)
    or a gap of more than MAX_STEP_HOURS across midnight touches it, and so are the partial
    first and last days. Small falls (jitter, backflow) are not counted twice: use is what exceeds the highest
    reading so far. A step's use counts on the day it ends."""
    t = pd.DatetimeIndex(pd.to_datetime(timestamps))
    v = np.asarray(readings, dtype=float)
    order = np.argsort(t.asi8, kind="stable")
    t, v = t[order], v[order]
    if len(t) < 2:
        return pd.Series(dtype=float)
    days = t.normalize()
    hours = np.diff(t.to_numpy().astype("datetime64[s]").astype(np.int64)) / 3600  # any unit
    used = np.zeros(len(t))
    bad = np.zeros(len(t), dtype=bool)  # bad[i]: the step ending at reading i
    high = v[0]
    for i in range(1, len(t)):
        rise = v[i] - v[i - 1]
        if (
            (hours[i - 1] > MAX_STEP_HOURS and days[i] != days[i - 1])
            or v[i] < high - BACKSTEP_L
            or rise > MAX_L_PER_HOUR * max(hours[i - 1], 1.0)
        ):
            bad[i] = True
            high = v[i]  # the register restarts from here
            continue
        used[i] = max(0.0, v[i] - high)
        high = max(high, v[i])
    index = pd.date_range(days[0], days[-1], freq="D")
    out = pd.Series(used[1:], index=days[1:]).groupby(level=0).sum().reindex(index)
    missing = {days[0], days[-1]}
    for i in np.flatnonzero(bad):
        missing.update(pd.date_range(days[i - 1], days[i], freq="D"))
    out[out.index.isin(list(missing))] = np.nan
    return out


def read_daiad(path: str | Path, households: list[str] | None = None) -> dict[str, pd.Series]:
    """Each household's daily use in litres (NaN = missing), from the DAIAD readings file."""
    raw = pd.read_csv(path, usecols=["household", "timestamp", "reading_l"])
    if households is not None:
        raw = raw[raw["household"].isin(households)]
    return {
        str(key): daily_use(part["timestamp"], part["reading_l"])
        for key, part in raw.groupby("household", sort=True)
    }


def scale_to_city(litres: dict[str, pd.Series]) -> tuple[dict[str, pd.Series], float, list[str]]:
    """(m³ per day of the households kept, the single factor applied to litres/1000, the vacant
    households left out)."""
    means = {k: float(s.mean()) for k, s in litres.items() if s.notna().any()}
    vacant = sorted(k for k in litres if means.get(k, 0.0) < MIN_MEAN_L)
    kept = {k: s for k, s in litres.items() if k not in vacant}
    if not kept:
        return {}, float("nan"), vacant
    factor = FAMILY_M3_PER_DAY / (float(np.median([means[k] for k in kept])) / 1000)
    return {k: s / 1000 * factor for k, s in kept.items()}, factor, vacant


def fit_half(key: str) -> bool:
    """The households whose errors fit interval factors (the others only measure them): a
    stable hash of the key, so the split never depends on the order or the run."""
    return hashlib.sha256(key.encode()).digest()[0] % 2 == 0


def naive_scale(history: pd.Series) -> float:
    """MASE's denominator: the in-sample MAE of same-weekday-last-week on the cleaned history."""
    y, _ = prepare(history, "D")
    return float(np.nanmean(np.abs((y - y.shift(7)).to_numpy())))


def backtest_household(
    key: str, series: pd.Series, models: list[str], origins=ORIGINS, region: str = REGION
) -> list[dict]:
    """One record per (model, origin) with the forecast itself, for the summary to score and
    calibrate. Each forecast sees only the days before its origin, and is made the way
    household_outlook makes one: fit_predict(history, 30, "D", None, region, model)."""
    records = []
    for origin in origins:
        start = pd.Timestamp(origin)
        history = series.reindex(pd.date_range(series.index[0], start - pd.Timedelta(days=1)))
        actual = series.reindex(pd.date_range(start, periods=HORIZON, freq="D")).to_numpy(float)
        if history.notna().sum() < MIN_HISTORY_DAYS or (~np.isnan(actual)).sum() < MIN_ACTUAL_DAYS:
            continue
        scale = naive_scale(history)
        spread = households.history_spread(history)
        for model in models:
            began = time.process_time()
            fc = fit_predict(history, HORIZON, "D", None, region, model)
            records.append(
                {
                    "household": key,
                    "model": model,
                    "origin": origin,
                    "chosen": fc.model_name,
                    "scale": scale,
                    "spread": spread,
                    "actual": actual,
                    "forecast": fc,
                    "cpu_seconds": time.process_time() - began,
                }
            )
    return records


def _job(args) -> list[dict]:
    return backtest_household(*args)


def _widened(fc, f80: float, f95: float) -> dict[str, np.ndarray]:
    """The intervals with their offsets from the point forecast multiplied by the factors."""
    yhat = fc.yhat.to_numpy()
    out = {"yhat": yhat}
    for name, f in (("lower80", f80), ("upper80", f80), ("lower95", f95), ("upper95", f95)):
        out[name] = yhat + f * (getattr(fc, name).to_numpy() - yhat)
    return out


def _total(r: dict, f80: float = 1.0, f95: float = 1.0) -> tuple[float, float, float] | None:
    """household_outlook's 30-day total and its range, when all 30 actual days are known."""
    if np.isnan(r["actual"]).any():
        return None
    b = _widened(r["forecast"], f80, f95)
    return total_range(b["yhat"].tolist(), b["lower95"].tolist(), b["upper95"].tolist())


def _household_total(r: dict, z: tuple[float, float]) -> tuple[float, float, float] | None:
    """The product's 30-day total and range (`households.total_range`), from the record's own
    history spread, when all 30 actual days are known."""
    if np.isnan(r["actual"]).any():
        return None
    total = float(np.clip(r["forecast"].yhat.to_numpy(), 0.0, None).sum())
    scale = households.total_scale(total, r["spread"])
    return total, max(total + z[0] * scale, 0.0), total + z[1] * scale


def _relative_width(total: float, low: float, high: float) -> float:
    return (high - max(low, 0.0)) / total if total > 0 else float("inf")


def score(
    records: list[dict],
    f80: float = 1.0,
    f95: float = 1.0,
    f_total: float = 1.0,
    z: tuple[float, float] = households.TOTAL_Z,
) -> dict:
    """MAE (m³/day) and MASE averaged over forecasts; daily coverage pooled over observed days;
    the 30-day total's coverage over forecasts whose 30 days are all observed, for the √Σh²
    range (`f_total` multiplies its distances from the total) and for the household range
    (`households.total_range` with quantiles `z`), each with its median (high − low) / total."""
    maes, mases, in80, in95, totals, widths, hh_in, hh_widths = [], [], [], [], [], [], [], []
    for r in records:
        a, b = r["actual"], _widened(r["forecast"], f80, f95)
        seen = ~np.isnan(a)
        err = np.abs(a[seen] - b["yhat"][seen])
        maes.append(err.mean())
        if r["scale"] > 0:
            mases.append(err.mean() / r["scale"])
        in80.extend((a[seen] >= b["lower80"][seen]) & (a[seen] <= b["upper80"][seen]))
        in95.extend((a[seen] >= b["lower95"][seen]) & (a[seen] <= b["upper95"][seen]))
        if (span := _total(r, f80, f95)) is not None:
            total, low, high = span
            low, high = total - f_total * (total - low), total + f_total * (high - total)
            totals.append(max(low, 0.0) <= a.sum() <= high)
            widths.append(_relative_width(total, low, high))
        if (span := _household_total(r, z)) is not None:
            total, low, high = span
            hh_in.append(low <= a.sum() <= high)
            hh_widths.append(_relative_width(total, low, high))
    mean = lambda x: round(float(np.mean(x)), 4) if len(x) else None  # noqa: E731
    median = lambda x: round(float(np.median(x)), 3) if len(x) else None  # noqa: E731
    return {
        "forecasts": len(records),
        "days": len(in95),
        "MAE": mean(maes),
        "MASE": mean(mases),
        "coverage80": mean(in80),
        "coverage95": mean(in95),
        "total_coverage95": mean(totals),
        "total_median_relative_width": median(widths),
        "total_windows": len(totals),
        "household_total_coverage95": mean(hh_in),
        "household_total_median_relative_width": median(hh_widths),
    }


def calibrate(records: list[dict]) -> dict:
    """Interval factors fitted on the fit half's forecasts (the factor on the offsets that puts
    80 % / 95 % of its days inside), coverage measured on the other half, raw and widened; the
    same for the 30-day total's range as household_outlook computes it from the raw intervals."""
    fit = [r for r in records if fit_half(r["household"])]
    held = [r for r in records if not fit_half(r["household"])]
    factors = {}
    for level, share in LEVELS.items():
        needed = [needed_factors(r["actual"], r["forecast"])[level] for r in fit]
        factors[level] = (
            round(float(np.quantile(np.concatenate(needed), share)), 3) if needed else 1.0
        )
    needed_total = []
    for r in fit:
        if (span := _total(r)) is not None:
            total, low, high = span
            a = float(r["actual"].sum())
            side = high - total if a >= total else total - low
            needed_total.append(abs(a - total) / side if side > 0 else np.inf)
    factor_total = round(float(np.quantile(needed_total, 0.95)), 3) if needed_total else 1.0
    errors, scales = [], []
    for r in fit:
        if (span := _household_total(r, households.TOTAL_Z)) is not None:
            errors.append(float(r["actual"].sum()) - span[0])
            scales.append(households.total_scale(span[0], r["spread"]))
    z = households.fit_total_z(errors, scales)
    held_total = score(held, z=z)
    return {
        "fit_households": len({r["household"] for r in fit}),
        "held_out_households": len({r["household"] for r in held}),
        "factor80": factors["80"],
        "factor95": factors["95"],
        "fit_raw": score(fit),
        "held_out_raw": score(held),
        "held_out_widened": score(held, factors["80"], factors["95"]),
        "total_factor95": factor_total,
        "held_out_total_widened": score(held, f_total=factor_total)["total_coverage95"],
        "household_total_z": list(z),
        "held_out_household_total_coverage95": held_total["household_total_coverage95"],
        "held_out_household_total_median_relative_width": held_total[
            "household_total_median_relative_width"
        ],
    }


def within_bounds(figures: dict) -> bool:
    return all(lo <= figures[f"coverage{k}"] <= hi for k, (lo, hi) in BOUNDS.items())


def summarize(records: list[dict], models: list[str]) -> dict:
    result: dict = {}
    for model in models:
        mine = [r for r in records if r["model"] == model]
        figures = score(mine)
        figures["households"] = len({r["household"] for r in mine})
        figures["cpu_seconds_per_forecast"] = round(
            float(np.mean([r["cpu_seconds"] for r in mine])) if mine else float("nan"), 3
        )
        figures["coverage_within_bounds"] = within_bounds(figures)
        if model == "auto":
            figures["auto_choices"] = (
                pd.Series([r["chosen"] for r in mine]).value_counts().to_dict()
            )
        figures["calibration"] = calibrate(mine)
        result[model] = figures
    naive = result.get("snaive", {}).get("MAE")
    for model, figures in result.items():
        if naive and model != "snaive":
            figures["mae_gain_vs_snaive_pct"] = round(100 * (1 - figures["MAE"] / naive), 1)
    return result


def evaluate(
    datasets: str | Path,
    models: list[str],
    origins=ORIGINS,
    workers: int = 2,
    households: list[str] | None = None,
    region: str = REGION,
) -> dict:
    """Backtest every (non-vacant) household of the DAIAD data; households run in a process pool."""
    began = time.perf_counter()
    litres = read_daiad(Path(datasets) / DAIAD, households)
    series, factor, vacant = scale_to_city(litres)
    jobs = [(k, s, models, origins, region) for k, s in series.items()]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(_job, jobs))
    else:
        parts = [_job(j) for j in jobs]
    records = [r for part in parts for r in part]
    return {
        "level": "household",
        "data": DAIAD,
        "region": region,
        "horizon_days": HORIZON,
        "households_read": len(litres),
        "vacant_left_out": vacant,
        "litres_to_m3_factor": round(factor / 1000, 6),
        "households_scored": len({r["household"] for r in records}),
        "origins": sorted({r["origin"] for r in records}),
        "models": summarize(records, models),
        "wall_seconds": round(time.perf_counter() - began, 1),
    }
