"""What a household's daily forecast gets that a district's does not: daily intervals and a
30-day total's range calibrated on real households (`shuiwu forecast eval --level household`).

Both were fitted on the backtest's fit half of the DAIAD households only and are measured on the
other half (docs/forecasting.md, "Households (daily)").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecasting.models import Forecast

# Factors on the daily intervals' offsets from the point forecast (80 %, 95 %), per model. The
# raw daily 80 % intervals of gbm and snaive are too wide on households (86–88 % of days inside).
DAILY_FACTORS = {"gbm": (0.740, 1.008), "snaive": (0.721, 0.898)}

# The 30-day total's range is the forecast total plus quantiles of the fit half's errors measured
# in the household's own spread: a household's errors run together across days (absences,
# visitors), so combining daily intervals as independent (√Σh²) covered 63 %, and the spread of
# its past 30-day totals is what tells a steady home from an erratic one.
TOTAL_Z = (-4.95, 4.89)  # 1.5 % / 98.5 % of (actual − forecast) / spread on the fit half (gbm)
TOTAL_SHARE = 0.97  # the fit half's share: 104 windows are few, 0.95 there gave 85 % held out
SPREAD_FLOOR = 0.1  # of the forecast total: a household with a flat history still varies
SPREAD_DAYS = 180  # the history that sets the spread (the backtest's histories are 56–250 days)
WINDOW_DAYS = 30
MIN_OBSERVED = 0.8  # share of a window's days observed for its total to count (scaled up)


def widen_daily(fc: Forecast) -> Forecast:
    """The forecast with its daily intervals scaled by DAILY_FACTORS (models without factors
    are returned unchanged). Only for household daily series: districts were not fitted."""
    factors = DAILY_FACTORS.get(fc.model_name)
    if factors is None:
        return fc
    f80, f95 = factors
    y = fc.yhat
    return Forecast(
        y,
        y + f80 * (fc.lower80 - y),
        y + f80 * (fc.upper80 - y),
        y + f95 * (fc.lower95 - y),
        y + f95 * (fc.upper95 - y),
        fc.model_name,
        {**fc.notes, "household_interval_factors": list(factors)},
    )


def history_spread(history: pd.Series, days: int = WINDOW_DAYS) -> float:
    """Standard deviation of the household's rolling `days`-day totals over its last SPREAD_DAYS
    days (NaN when fewer than two windows have 80 % of their days observed)."""
    recent = history.iloc[-SPREAD_DAYS:]
    rolling = recent.rolling(days, min_periods=math.ceil(MIN_OBSERVED * days))
    totals = (rolling.mean() * days).dropna()
    return float(totals.std()) if len(totals) >= 2 else float("nan")


def total_scale(total: float, spread: float) -> float:
    """The unit the total's errors are measured in; with no usable history, the total itself."""
    if not math.isfinite(spread):
        return total
    return max(spread, SPREAD_FLOOR * total)


def total_range(
    yhat: Sequence[float], history: pd.Series, z: tuple[float, float] = TOTAL_Z
) -> tuple[float, float, float]:
    """(total, low, high) of a household's forecast total over len(yhat) days: no day uses
    negative water, so the total is the sum of the days' forecasts clipped at zero; low is never
    below zero. z was fitted on 30-day totals; other lengths use the spread of totals of their
    own length with the same z (not backtested)."""
    total = float(np.clip(np.asarray(yhat, dtype=float), 0.0, None).sum())
    scale = total_scale(total, history_spread(history, len(yhat)))
    return total, max(total + z[0] * scale, 0.0), total + z[1] * scale


def fit_total_z(
    errors: Sequence[float], scales: Sequence[float], share: float = TOTAL_SHARE
) -> tuple[float, float]:
    """The central `share` of (actual − forecast total) / scale: what TOTAL_Z is fitted from."""
    e, s = np.asarray(errors, dtype=float), np.asarray(scales, dtype=float)
    z = (e / s)[np.isfinite(e / s) & (s > 0)]
    if not len(z):
        return TOTAL_Z
    tail = (1 - share) / 2
    lo, hi = np.quantile(z, [tail, 1 - tail])
    return round(float(lo), 2), round(float(hi), 2)
