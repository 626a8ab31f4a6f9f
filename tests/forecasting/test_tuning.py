"""The tuning tools: interval factors from a backtest, and tuning kept apart from evaluation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.backtest import ORIGINS
from forecasting.tuning import TUNING_ORIGINS, needed_factors
from tests.forecasting.test_backtest import flat_forecast


def test_tuning_never_looks_at_the_evaluation_weeks():
    last_tuning_week_ends = max(pd.Timestamp(o) for o in TUNING_ORIGINS) + pd.Timedelta(days=7)
    assert last_tuning_week_ends <= min(pd.Timestamp(o) for o in ORIGINS)


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
