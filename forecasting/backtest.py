"""Rolling-origin backtests of one-week-ahead hourly forecasts, scored like the Battle of the
Water Demand Forecasting (PI1, PI2, PI3) plus MASE and interval coverage."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.models import fit_predict, prepare
from forecasting.series import read_wide_csv

# The competition's evaluation weeks (weeks 82 and 96 of its calendar), then four more spread
# over the seasons of the last year: spring, early summer, late summer, December.
COMPETITION_ORIGINS = ("2022-07-25", "2022-10-31")
EXTRA_ORIGINS = ("2022-03-07", "2022-05-16", "2022-09-12", "2022-12-05")
ORIGINS = (*COMPETITION_ORIGINS, *EXTRA_ORIGINS)
WEEK = 168
INDICATORS = ("PI1", "PI2", "PI3", "MASE", "coverage80", "coverage95")
BWDF_REGION = "it-bwdf"


def _nanmean(a: np.ndarray) -> float:
    a = a[~np.isnan(a)]
    return float(a.mean()) if len(a) else float("nan")


def _nanmax(a: np.ndarray) -> float:
    a = a[~np.isnan(a)]
    return float(a.max()) if len(a) else float("nan")


def week_metrics(actual: np.ndarray, fc, scale: float) -> dict:
    """actual: the 168 observed values (NaN where missing); scale: the in-sample MAE of the
    seasonal naive before the origin (MASE's denominator)."""
    err = np.abs(actual - fc.yhat.to_numpy())
    inside80 = (actual >= fc.lower80.to_numpy()) & (actual <= fc.upper80.to_numpy())
    inside95 = (actual >= fc.lower95.to_numpy()) & (actual <= fc.upper95.to_numpy())
    seen = ~np.isnan(actual)
    return {
        "PI1": _nanmean(err[:24]),
        "PI2": _nanmax(err[:24]),
        "PI3": _nanmean(err[24:WEEK]),
        "MASE": _nanmean(err) / scale if scale > 0 else float("nan"),
        "coverage80": float(inside80[seen].mean()) if seen.any() else float("nan"),
        "coverage95": float(inside95[seen].mean()) if seen.any() else float("nan"),
    }


def naive_scale(history: pd.Series) -> float:
    y, _ = prepare(history, "h")
    return float(np.nanmean(np.abs((y - y.shift(WEEK)).to_numpy())))


def origin_weeks(series: pd.Series, origins):
    """(origin, history before it, the week's 168 observed values) for each origin with data in
    that week and at least four weeks of history."""
    for origin in origins:
        start = pd.Timestamp(origin)
        history = series.loc[: start - pd.Timedelta(hours=1)]
        actual = series.reindex(pd.date_range(start, periods=WEEK, freq="h")).to_numpy(float)
        if not np.isnan(actual).all() and history.notna().sum() >= 4 * WEEK:
            yield start, history, actual


def backtest_series(
    series: pd.Series,
    models: list[str],
    origins=ORIGINS,
    weather: pd.DataFrame | None = None,
    region: str = BWDF_REGION,
) -> list[dict]:
    """One row per (model, origin): each forecast uses only the data before its origin."""
    rows = []
    for start, history, actual in origin_weeks(series, origins):
        scale = naive_scale(history)
        for model in models:
            began = time.perf_counter()
            fc = fit_predict(history, WEEK, "h", weather, region, model)
            seconds = time.perf_counter() - began
            row = {"series": series.name, "model": model, "origin": str(start.date())}
            row.update(week_metrics(actual, fc, scale))
            row["seconds"] = seconds
            row["chosen"] = fc.model_name
            rows.append(row)
    return rows


def _job(args) -> list[dict]:
    series, models, origins, weather, region = args
    return backtest_series(series, models, origins, weather, region)


def load_bwdf(datasets: str | Path, use_weather: bool = True):
    """The BWDF district inflows and (optionally) their weather, as wide hourly frames."""
    folder = Path(datasets) / "forecast"
    inflows = read_wide_csv(folder / "bwdf_inflows_hourly.csv").frame
    weather = read_wide_csv(folder / "bwdf_weather_hourly.csv").frame if use_weather else None
    return inflows, weather


def evaluate(
    datasets: str | Path,
    models: list[str],
    origins=ORIGINS,
    workers: int = 2,
    use_weather: bool = True,
    rows_csv: str | Path | None = None,
) -> dict:
    """Backtest every district of the BWDF data; districts run in a process pool. `rows_csv`
    also writes one row per (model, district, origin), for comparing variants origin by
    origin."""
    inflows, weather = load_bwdf(datasets, use_weather)
    jobs = [(inflows[c], models, origins, weather, BWDF_REGION) for c in inflows.columns]
    began = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_job, jobs))
    else:
        results = [_job(j) for j in jobs]
    wall = time.perf_counter() - began
    rows = [r for part in results for r in part]
    if rows_csv:
        pd.DataFrame(rows).to_csv(rows_csv, index=False)
    return summarize(rows, models, wall)


def summarize(rows: list[dict], models: list[str], wall_seconds: float) -> dict:
    table = pd.DataFrame(rows)
    per_district = table.groupby(["model", "series"], sort=False)[list(INDICATORS)].mean()
    averages = table.groupby("model", sort=False)[[*INDICATORS, "seconds"]].mean()
    goals = {}
    if "snaive" in models:
        naive = per_district.loc["snaive"]
        for model in models:
            if model == "snaive":
                continue
            mine = per_district.loc[model]
            wins = mine[["PI1", "PI2", "PI3"]] < naive[["PI1", "PI2", "PI3"]]
            cov95 = float(averages.loc[model, "coverage95"])
            goals[model] = {
                "beats_snaive_pairs": int(wins.to_numpy().sum()),
                "pairs": int(wins.size),
                "beats_snaive_everywhere": bool(wins.to_numpy().all()),
                "loses_to_snaive": [
                    f"{district}:{k}"
                    for district, row in wins.iterrows()
                    for k, ok in row.items()
                    if not ok
                ],
                "beats_snaive_on_average": {
                    k: bool(averages.loc[model, k] < averages.loc["snaive", k])
                    for k in ("PI1", "PI2", "PI3")
                },
                "coverage95_in_90_98": bool(0.90 <= cov95 <= 0.98),
            }
    chosen = (
        table[table["model"] == "auto"]["chosen"].value_counts().to_dict()
        if "auto" in models
        else {}
    )
    return {
        "origins": sorted(table["origin"].unique().tolist()),
        "per_district": {
            m: {
                s: {k: round(float(v), 4) for k, v in r.items()}
                for s, r in per_district.loc[m].iterrows()
            }
            for m in models
        },
        "averages": {
            m: {k: round(float(v), 4) for k, v in averages.loc[m].items()} for m in models
        },
        "goals": goals,
        "auto_choices": chosen,
        "wall_seconds": round(wall_seconds, 1),
        "forecasts": len(table),
    }
