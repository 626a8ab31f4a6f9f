"""The tuning tools: interval factors from a backtest, and tuning kept apart from evaluation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.backtest import ORIGINS
from forecasting.tuning import (
    HELD_OUT_ORIGINS_2021,
    TUNING_ORIGINS,
    TUNING_ORIGINS_2021,
    TUNING_ORIGINS_2022,
    needed_factors,
    overlaps_evaluation,
)
from tests.forecasting.test_backtest import flat_forecast
from tests.forecasting.test_cli_forecast import shuiwu


def assert_weeks_apart(origins, others):
    """No week from one of `origins` shares an hour with a week from one of `others`."""
    week = pd.Timedelta(days=7)
    for origin in origins:
        start = pd.Timestamp(origin)
        for other in others:
            o = pd.Timestamp(other)
            assert start + week <= o or o + week <= start, (origin, other)


def test_tuning_never_looks_at_the_evaluation_weeks():
    assert_weeks_apart(TUNING_ORIGINS, ORIGINS)
    assert not any(overlaps_evaluation(o) for o in TUNING_ORIGINS)
    assert overlaps_evaluation("2022-09-12") and overlaps_evaluation("2022-03-10")
    assert not overlaps_evaluation("2022-03-14")


def test_tuning_origins_are_the_recorded_mondays():
    assert len(TUNING_ORIGINS_2021) == 10 and len(TUNING_ORIGINS_2022) == 24
    assert (*TUNING_ORIGINS_2021, *TUNING_ORIGINS_2022) == TUNING_ORIGINS
    assert all(pd.Timestamp(o).dayofweek == 0 for o in TUNING_ORIGINS)
    assert TUNING_ORIGINS_2022[0] == "2022-01-03" and TUNING_ORIGINS_2022[-1] == "2022-12-19"
    assert "2022-09-12" not in TUNING_ORIGINS_2022 and "2022-12-05" not in TUNING_ORIGINS_2022


def test_the_2021_held_out_weeks_share_no_hour_with_tuning_or_evaluation_weeks():
    assert len(HELD_OUT_ORIGINS_2021) == 22
    assert all(pd.Timestamp(o).dayofweek == 0 for o in HELD_OUT_ORIGINS_2021)
    assert_weeks_apart(HELD_OUT_ORIGINS_2021, (*TUNING_ORIGINS, *ORIGINS))


def test_eval_refuses_unknown_origins():
    run = shuiwu("forecast", "eval", "--origins", "2020")
    assert run.returncode == 1 and "--origins 只能是" in run.stderr


def test_needed_factor_is_how_much_wider_the_band_had_to_be():
    # Point 10, 95 % band 9–11 (offset 1), 80 % band 9.5–10.5 (offset 0.5).
    actual = np.full(168, 10.0)
    actual[0] = 10.5  # on the 80 % edge
    actual[1] = 13.0  # 3 above: the 95 % band needed 3× its offset
    actual[2] = 9.0  # on the 95 % lower edge
    actual[3] = np.nan  # a gap is not an hour to cover
    f = needed_factors(actual, flat_forecast(10.0, 1.0))
    assert len(f["95"]) == 167
    assert f["80"][:3].tolist() == [1.0, 6.0, 2.0]
    assert f["95"][:3].tolist() == [0.5, 3.0, 1.0]
    assert (f["95"][3:] == 0).all()  # the rest sit on the point forecast
    assert (f["95"] <= 1).mean() == 166 / 167  # the band as it is covers all but the 13.0
