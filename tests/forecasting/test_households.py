"""Household-only calibration: the 30-day total's range from the household's own history and
the daily interval factors, applied to household series and nothing else."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecasting import households
from forecasting.batch import forecast_group, to_long
from forecasting.models import Forecast


def _history(daily: np.ndarray) -> pd.Series:
    return pd.Series(daily, index=pd.date_range("2026-01-01", periods=len(daily), freq="D"))


def test_an_erratic_household_gets_a_wider_range_than_a_steady_one():
    rng = np.random.default_rng(3)
    steady = _history(0.5 + rng.normal(0, 0.02, 180))
    erratic = steady.copy()
    erratic.iloc[60:80] = 0.0  # three weeks away
    erratic.iloc[120:130] = 1.5  # visitors
    yhat = [0.5] * 30
    total, low_s, high_s = households.total_range(yhat, steady)
    _, low_e, high_e = households.total_range(yhat, erratic)
    assert total == pytest.approx(15.0)
    assert low_s < total < high_s and high_e - low_e > 2 * (high_s - low_s)
    # a month away (total 0) lies inside the erratic household's range, not the steady one's
    assert low_e == 0.0 and low_s > 0.0


def test_the_range_covers_its_fitted_share_of_synthetic_months():
    # Households whose 30-day totals vary as their history did: the fitted quantiles put about
    # the fitted share of new months inside, and the same z applied to new households too.
    rng = np.random.default_rng(11)

    def months(n):
        out = []
        for _ in range(n):
            level, sd = rng.uniform(0.3, 0.8), rng.uniform(0.02, 0.3)
            daily = np.clip(
                level + rng.normal(0, sd, 210) + np.repeat(rng.normal(0, sd, 7), 30), 0, None
            )
            history, actual = _history(daily[:180]), daily[180:].sum()
            out.append((history, [level] * 30, actual))
        return out

    def errors_and_scales(cases):
        e, s = [], []
        for history, yhat, actual in cases:
            total = float(sum(yhat))
            e.append(actual - total)
            s.append(households.total_scale(total, households.history_spread(history)))
        return e, s

    z = households.fit_total_z(*errors_and_scales(months(400)), share=0.95)
    inside = [
        low <= a <= high
        for h, y, a in months(400)
        for _, low, high in [households.total_range(y, h, z)]
    ]
    assert 0.90 <= np.mean(inside) <= 0.98


def test_negative_days_count_as_zero_and_no_history_falls_back_to_the_total():
    total, low, high = households.total_range([1.0, -0.5, 1.0], _history(np.full(10, np.nan)))
    assert total == 2.0 and low == 0.0  # NaN spread: the scale is the total itself
    assert high == pytest.approx(2.0 + households.TOTAL_Z[1] * 2.0)


def _forecast(model: str) -> Forecast:
    y = pd.Series([1.0, 1.0])
    return Forecast(y, y - 1.0, y + 1.0, y - 2.0, y + 2.0, model)


def test_daily_factors_narrow_gbm_and_leave_unfitted_models_alone():
    wide = households.widen_daily(_forecast("gbm"))
    assert wide.upper80.iloc[0] == pytest.approx(1.0 + households.DAILY_FACTORS["gbm"][0])
    assert wide.lower95.iloc[0] == pytest.approx(1.0 - 2.0 * households.DAILY_FACTORS["gbm"][1])
    assert households.widen_daily(_forecast("prophet")).upper80.iloc[0] == 2.0


def test_the_batch_widens_household_series_only():
    idx = pd.date_range("2026-01-01", periods=120, freq="D")
    values = 0.4 + 0.1 * (idx.dayofweek >= 5) + np.random.default_rng(5).normal(0, 0.05, 120)
    long = to_long(pd.DataFrame({"household:1": values, "district:a": values}, index=idx))
    home = forecast_group(long[long["series"] == "household:1"], horizon=7, freq="D", model="gbm")
    district = forecast_group(
        long[long["series"] == "district:a"], horizon=7, freq="D", model="gbm"
    )
    assert "household_interval_factors" in json.loads(home["notes"].iloc[0])
    assert "household_interval_factors" not in json.loads(district["notes"].iloc[0])
    assert np.allclose(home["yhat"], district["yhat"])
    f80 = households.DAILY_FACTORS["gbm"][0]
    assert np.allclose(
        home["upper80"] - home["yhat"], f80 * (district["upper80"] - district["yhat"])
    )
