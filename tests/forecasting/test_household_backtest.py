"""The household daily backtest: real meter faults stay missing days, and a short run on real
households gives a sane report."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.household_backtest import (
    DAIAD,
    ORIGINS,
    daily_use,
    evaluate,
    fit_half,
    scale_to_city,
)
from forecasting.totals import total_range

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def hourly_readings(days: int = 5, litres_per_hour: float = 10.0):
    """A meter read at 20 past every hour from 2016-03-01, 10 L used every hour."""
    stamps = pd.date_range("2016-03-01 00:20", periods=days * 24, freq="h")
    return stamps, 1000.0 + litres_per_hour * np.arange(len(stamps))


def test_whole_days_are_summed_and_partial_edges_are_missing():
    stamps, values = hourly_readings()
    use = daily_use(stamps, values)
    assert list(use.index.strftime("%m-%d")) == ["03-01", "03-02", "03-03", "03-04", "03-05"]
    assert math.isnan(use["2016-03-01"]) and math.isnan(use["2016-03-05"])
    assert use["2016-03-02":"2016-03-04"].tolist() == [240.0, 240.0, 240.0]


def test_a_gap_leaves_its_days_missing_not_zero():
    stamps, values = hourly_readings()
    keep = (stamps < "2016-03-02 22:00") | (stamps > "2016-03-03 04:00")  # 7 h offline at night
    use = daily_use(stamps[keep], values[keep])
    assert math.isnan(use["2016-03-02"]) and math.isnan(use["2016-03-03"])
    assert use["2016-03-04"] == 240.0


def test_a_silent_spell_inside_one_day_keeps_its_total():
    stamps, values = hourly_readings()
    keep = (stamps < "2016-03-02 06:00") | (stamps > "2016-03-02 11:00")  # the meter sent nothing
    assert daily_use(stamps[keep], values[keep])["2016-03-02"] == 240.0


def test_a_reset_or_a_jump_is_not_turned_into_use():
    stamps, values = hourly_readings()
    values = values.copy()
    reset = stamps >= "2016-03-03 12:00"
    values[reset] -= values[reset][0]  # the register restarts from 0 at noon on 3 March
    use = daily_use(stamps, values)
    assert math.isnan(use["2016-03-03"])  # neither a huge negative nor a zero day
    assert use["2016-03-04"] == 240.0  # counting goes on from the new register
    _, jump = hourly_readings()
    jump[stamps >= "2016-03-02 08:00"] += 26_000  # a misread of the register
    use = daily_use(stamps, jump)
    assert math.isnan(use["2016-03-02"]) and use["2016-03-03"] == 240.0


def test_small_backsteps_are_not_counted_twice():
    stamps, values = hourly_readings()
    values = values.copy()
    values[30] -= 5  # a 5 L backstep on 2 March, then the register goes on
    assert daily_use(stamps, values)["2016-03-02"] == 240.0


def test_one_factor_scales_every_household_and_vacant_ones_are_left_out():
    index = pd.date_range("2016-03-01", periods=10, freq="D")
    litres = {
        "a": pd.Series(200.0, index=index),
        "b": pd.Series(400.0, index=index),
        "empty": pd.Series(10.0, index=index),  # a vacant flat
    }
    scaled, factor, vacant = scale_to_city(litres)
    assert vacant == ["empty"] and set(scaled) == {"a", "b"}
    assert scaled["b"].iloc[0] == pytest.approx(2 * scaled["a"].iloc[0])
    assert np.median([scaled["a"].iloc[0], scaled["b"].iloc[0]]) == pytest.approx(0.5)
    assert factor == pytest.approx(0.5 / 0.3)


def test_total_range_is_the_outlooks_square_root_of_summed_squares():
    total, low, high = total_range([1.0, 1.0], [0.0, -1.0], [2.0, 3.0])
    assert total == 2.0
    assert low == pytest.approx(2.0 - math.sqrt(1 + 1))  # a negative bound counts as 0
    assert high == pytest.approx(2.0 + math.sqrt(1 + 4))


def test_the_split_is_stable_and_splits():
    keys = [f"h{i:03d}" for i in range(1, 93)]
    first = [fit_half(k) for k in keys]
    assert first == [fit_half(k) for k in keys]
    assert 30 < sum(first) < 62


@pytest.mark.datasets
@pytest.mark.skipif(
    not (DATASETS / DAIAD).is_file(), reason="仓库旁没有 ../shared/datasets 真实数据集，跳过"
)
def test_a_short_backtest_on_real_households_reports_sane_figures():
    result = evaluate(
        DATASETS, ["snaive", "gbm"], origins=ORIGINS[1:3], workers=1, households=["h003", "h007"]
    )
    assert result["households_scored"] == 2 and result["origins"] == list(ORIGINS[1:3])
    for model in ("snaive", "gbm"):
        figures = result["models"][model]
        assert figures["forecasts"] == 4 and figures["days"] > 100
        assert math.isfinite(figures["MAE"]) and 0 < figures["MAE"] < 2
        assert 0 < figures["MASE"] < 5
        for key in ("coverage80", "coverage95", "total_coverage95"):
            assert 0 <= figures[key] <= 1
        assert figures["coverage80"] <= figures["coverage95"]
        calibration = figures["calibration"]
        assert calibration["fit_households"] + calibration["held_out_households"] == 2
    assert "mae_gain_vs_snaive_pct" in result["models"]["gbm"]


def test_eval_refuses_an_unknown_level():
    from tests.forecasting.test_cli_forecast import shuiwu

    run = shuiwu("forecast", "eval", "--level", "street")
    assert run.returncode == 1 and "--level 只能是" in run.stderr
