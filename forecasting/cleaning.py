"""Outliers (a meter glitch, a burst) flagged against a weekly profile, so they never train a model."""

from __future__ import annotations

import numpy as np
import pandas as pd

OUTLIER_MADS = 6.0


def season_length(freq: str) -> int:
    return 168 if freq == "h" else 7


def position_in_week(index: pd.DatetimeIndex, freq: str) -> np.ndarray:
    if freq == "h":
        return index.dayofweek.to_numpy() * 24 + index.hour.to_numpy()
    return index.dayofweek.to_numpy()


def flag_outliers(y: pd.Series, freq: str, threshold: float = OUTLIER_MADS) -> pd.Series:
    """True where the value is more than `threshold` robust z-scores (MAD) away from the
    weekly profile, after following slow level changes with a two-week rolling median."""
    observed = y.notna()
    if observed.sum() < 2 * season_length(freq):
        return pd.Series(False, index=y.index)
    profile = y.groupby(position_in_week(y.index, freq)).transform("median")
    resid = y - profile
    window = 2 * season_length(freq)
    level = resid.rolling(window, center=True, min_periods=window // 4).median()
    resid = resid - level.fillna(0.0)
    centre = resid.median()
    mad = (resid - centre).abs().median()
    if not np.isfinite(mad) or mad == 0:
        return pd.Series(False, index=y.index)
    z = 0.6745 * (resid - centre) / mad
    return (z.abs() > threshold) & observed


def weekly_profile(y: pd.Series, freq: str) -> pd.Series:
    """Median by position in the week (hour-of-week or weekday), the last-resort fill value."""
    return y.groupby(position_in_week(y.index, freq)).median()
