"""Where model choices are made: rolling-origin backtests on tuning origins whose forecast week
never overlaps a 2022 evaluation week of `backtest.ORIGINS`, and the interval factors fitted on
them.

    python -m forecasting.tuning [--models snaive,gbm,auto] [--calibrate gbm,prophet] [--workers 2]
        [--origins all|2021|2022]
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting import models
from forecasting.backtest import BWDF_REGION, ORIGINS, WEEK, evaluate, load_bwdf, origin_weeks


def overlaps(origin: str, others, days: int = 7) -> bool:
    """True when the week from `origin` shares an hour with the week from any of `others`."""
    start = pd.Timestamp(origin)
    return any(abs(start - pd.Timestamp(o)) < pd.Timedelta(days=days) for o in others)


def overlaps_evaluation(origin: str, days: int = 7) -> bool:
    """True when the week from `origin` shares an hour with an evaluation week."""
    return overlaps(origin, ORIGINS, days)


# Every third Monday from June to December 2021: at least four months of data before each (so
# LightGBM has its held-out weeks), every season of the second half-year, and the week of
# 1 November (a holiday), like the evaluation week 2022-10-31. The interval factors in use before
# (1.14 / 1.21) were fitted on six other 2021 origins that were not recorded; these replace them
# (`models.INTERVAL_CALIBRATION` was fitted on these ten).
TUNING_ORIGINS_2021 = tuple(
    str(d.date()) for d in pd.date_range("2021-06-07", "2021-12-31", freq="21D")
)
# Every second Monday of 2022 whose week is not an evaluation week (09-12 and 12-05 fall on this
# fortnightly grid and are left out; every other evaluation origin is a week off it): these have
# a full year of history like the evaluation weeks, which the 2021 origins (4-11 months) do not,
# and choices made on 2021 alone did not carry over to 2022 (docs/forecasting.md). Their history
# may contain an earlier evaluation week as training data, as the evaluation's own forecasts do;
# their scored weeks never overlap one.
TUNING_ORIGINS_2022 = tuple(
    str(d.date())
    for d in pd.date_range("2022-01-03", "2022-12-19", freq="14D")
    if not overlaps_evaluation(str(d.date()))
)
TUNING_ORIGINS = (*TUNING_ORIGINS_2021, *TUNING_ORIGINS_2022)
LEVELS = {"80": 0.80, "95": 0.95}
assert not any(overlaps_evaluation(o) for o in TUNING_ORIGINS)
# A second held-out set, named after the fifth run of the 2022 evaluation weeks (whose six
# weeks cannot tell the sign of a district's PI2 difference): every other Monday of 2021 from
# 2021-05-24 (20 weeks of data, LightGBM's minimum for its held-out intervals) to 12-27 whose
# week is not a 2021 tuning week. Never used to choose anything.
HELD_OUT_ORIGINS_2021 = tuple(
    str(d.date())
    for d in pd.date_range("2021-05-24", "2021-12-27", freq="7D")
    if not overlaps(str(d.date()), TUNING_ORIGINS_2021)
)
assert not any(overlaps_evaluation(o) for o in HELD_OUT_ORIGINS_2021)


def needed_factors(actual: np.ndarray, fc) -> dict[str, np.ndarray]:
    """Per observed hour, the smallest factor on the interval's offsets from the point forecast
    that would have put the actual value inside it (inf when the offset on that side is 0)."""
    seen = ~np.isnan(actual)
    a, yhat = actual[seen], fc.yhat.to_numpy()[seen]
    out = {}
    for level, lo, hi in (("80", fc.lower80, fc.upper80), ("95", fc.lower95, fc.upper95)):
        below = yhat - lo.to_numpy()[seen]
        above = hi.to_numpy()[seen] - yhat
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(a >= yhat, (a - yhat) / above, (yhat - a) / below)
        f[(a == yhat)] = 0.0
        out[level] = np.nan_to_num(f, nan=np.inf)
    return out


def _raw_interval_job(args) -> dict[str, list]:
    series, model, origins, weather = args
    models.INTERVAL_CALIBRATION[model] = (1.0, 1.0, 1.0, 1.0)  # the raw intervals
    factors: dict[str, list] = {k: [] for k in LEVELS}
    for _, history, actual in origin_weeks(series, origins):
        fc = models.fit_predict(history, WEEK, "h", weather, BWDF_REGION, model)
        for level, f in needed_factors(actual, fc).items():
            factors[level].extend(f.tolist())
    return factors


def calibration_factors(datasets: str | Path, model: str, origins=TUNING_ORIGINS_2021, workers=2):
    """The factors that give nominal coverage of the 80 % and 95 % intervals on `origins` (by
    default the 2021 ones the factors in use were fitted on)."""
    inflows, weather = load_bwdf(datasets)
    jobs = [(inflows[c], model, origins, weather) for c in inflows.columns]
    began = time.process_time()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(_raw_interval_job, jobs))
    needed = {k: np.concatenate([p[k] for p in parts]) for k in LEVELS}
    result = {"model": model, "hours": int(len(needed["95"])), "origins": list(origins)}
    for level, share in LEVELS.items():
        result[f"raw_coverage{level}"] = round(float((needed[level] <= 1.0).mean()), 4)
        result[f"factor{level}"] = round(float(np.quantile(needed[level], share)), 3)
    result["parent_cpu_seconds"] = round(time.process_time() - began, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", default=str(Path(__file__).resolve().parents[2] / "shared" / "datasets")
    )
    parser.add_argument("--models", default="snaive,gbm,auto")
    parser.add_argument("--calibrate", default="", help="models whose interval factors to fit")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--origins",
        choices=("all", "2021", "2022"),
        default="all",
        help="the 2021 origins (4-11 months of history), the 2022 ones (a full year), or both",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="MODULE.NAME=VALUE",
        help="try a variant, e.g. models.GBM_HUBER_MADS=None or cleaning.REPEAT_WEEKS=2",
    )
    parser.add_argument("--rows", default=None, help="CSV of every (model, district, origin)")
    args = parser.parse_args()
    for item in args.set:  # worker processes are forked after this, so they see the variant
        target, value = item.split("=", 1)
        module, name = target.split(".")
        setattr(importlib.import_module(f"forecasting.{module}"), name, ast.literal_eval(value))
    for model in filter(None, args.calibrate.split(",")):
        print(json.dumps(calibration_factors(args.datasets, model, workers=args.workers)))
    chosen = [m for m in args.models.split(",") if m]
    if chosen:
        origins = {"all": TUNING_ORIGINS, "2021": TUNING_ORIGINS_2021, "2022": TUNING_ORIGINS_2022}
        result = evaluate(
            args.datasets,
            chosen,
            origins=origins[args.origins],
            workers=args.workers,
            rows_csv=args.rows,
        )
        print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
