"""The BWDF indicators as the competition defined them, on a week with known errors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.backtest import summarize, week_metrics
from forecasting.models import Forecast


def flat_forecast(value: float, half_width: float) -> Forecast:
    index = pd.date_range("2022-07-25", periods=168, freq="h")
    s = lambda v: pd.Series(v, index=index, dtype=float)  # noqa: E731
    return Forecast(
        s(value), s(value - half_width / 2), s(value + half_width / 2),
        s(value - half_width), s(value + half_width), "test",
    )  # fmt: skip


def test_pi1_pi2_pi3_mase_and_coverage():
    actual = np.full(168, 10.0)
    actual[5] = 14.0  # one large error in the first day
    actual[100] = np.nan  # a gap is skipped, not counted as an error
    m = week_metrics(actual, flat_forecast(11.0, 2.0), scale=2.0)
    assert m["PI1"] == (23 * 1.0 + 3.0) / 24
    assert m["PI2"] == 3.0
    assert m["PI3"] == 1.0
    assert m["MASE"] == (166 * 1.0 + 3.0) / 167 / 2.0
    assert m["coverage95"] == 166 / 167  # the 14.0 lies outside 9–13
    assert m["coverage80"] == 166 / 167  # 10 lies on the 80 % band's lower edge (10–12)


def test_summary_says_where_a_model_loses_to_the_naive():
    rows = []
    for series, better in (("d1", True), ("d2", False)):
        for model, pi in (("snaive", 2.0), ("gbm", 1.0 if better else 3.0)):
            rows.append(
                {"series": series, "model": model, "origin": "2022-07-25", "PI1": pi, "PI2": pi,
                 "PI3": pi, "MASE": pi, "coverage80": 0.8, "coverage95": 0.95, "seconds": 0.1,
                 "chosen": model}
            )  # fmt: skip
    goals = summarize(rows, ["snaive", "gbm"], 1.0)["goals"]["gbm"]
    assert goals["beats_snaive_pairs"] == 3 and goals["pairs"] == 6
    assert goals["loses_to_snaive"] == ["d2:PI1", "d2:PI2", "d2:PI3"]
    assert goals["coverage95_in_90_98"]
