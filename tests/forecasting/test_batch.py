"""The nightly batch: one function per series, on a process pool and on Spark (local mode)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecasting.batch import forecast_group, run_pool, run_spark, to_long


def households(n: int = 4, days: int = 200) -> pd.DataFrame:
    idx = pd.date_range("2026-01-01", periods=days, freq="D")
    rng = np.random.default_rng(7)
    wide = pd.DataFrame(
        {
            f"household:{i}": 0.3
            + 0.05 * i
            + 0.1 * (idx.dayofweek >= 5)
            + rng.normal(0, 0.02, days)
            for i in range(n)
        },
        index=idx,
    )
    wide.iloc[50:53, 0] = np.nan  # a gap
    wide.iloc[80, 1] = 40.0  # a meter glitch
    return wide


def test_one_series_gives_its_rows_and_says_what_was_cleaned():
    long = to_long(households(2))
    out = forecast_group(long[long["series"] == "household:1"], horizon=14, freq="D", model="gbm")
    assert len(out) == 14 and (out["series"] == "household:1").all()
    assert (out["lower95"] <= out["yhat"]).all() and (out["yhat"] <= out["upper95"]).all()
    notes = json.loads(out["notes"].iloc[0])
    assert notes["outliers_removed"] == 1 and out["yhat"].max() < 1.0  # the glitch did not train it


def test_a_series_that_cannot_be_forecast_does_not_stop_the_night():
    bad = pd.DataFrame(
        {
            "series": "household:9",
            "timestamp": pd.date_range("2026-01-01", periods=3),
            "value": np.nan,
        }
    )
    out = forecast_group(bad, horizon=7)
    assert len(out) == 1 and "error" in json.loads(out["notes"].iloc[0])


def test_process_pool_forecasts_every_series():
    run = run_pool(to_long(households(4)), horizon=14, freq="D", model="snaive", workers=2)
    assert run.series == 4 and run.failed == 0 and len(run.frame) == 4 * 14
    assert run.series_per_second > 0


@pytest.mark.slow
def test_spark_applies_the_same_function_per_series():
    """Spark in local mode (Java 17): groupBy("series").applyInPandas(forecast_group)."""
    long = to_long(households(3, days=120))
    spark = run_spark(long, horizon=7, freq="D", model="gbm", master="local[1]")
    local = run_pool(long, horizon=7, freq="D", model="gbm", workers=1)
    assert spark.series == 3 and spark.failed == 0
    a = spark.frame.sort_values(["series", "timestamp"]).reset_index(drop=True)
    b = local.frame.sort_values(["series", "timestamp"]).reset_index(drop=True)
    assert (a["timestamp"].to_numpy() == b["timestamp"].to_numpy()).all()
    np.testing.assert_allclose(a["yhat"], b["yhat"], rtol=1e-9)
    print(
        f"\nSpark local[1]: {spark.series_per_second:.2f} series/s (includes starting the session)"
    )
