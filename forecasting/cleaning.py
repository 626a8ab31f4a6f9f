"""Outliers (a meter glitch, a burst) flagged against a weekly profile, so they never train a model."""

from __future__ import annotations

import numpy as np
import pandas as pd

OUTLIER_MADS = 6.0
KEEP_REPEATED_PEAKS = True
REPEAT_WEEKS = 4  # weeks before and after in which a peak at the same slot makes it recurring
REPEAT_SLACK = 1  # hours either side of the slot (hourly data)


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
    flagged = (z.abs() > threshold) & observed
    if KEEP_REPEATED_PEAKS:
        flagged &= ~_repeated_at_weekly_slot(z, freq, threshold)
    return flagged


def _repeated_at_weekly_slot(z: pd.Series, freq: str, threshold: float) -> pd.Series:
    """True where a departure of the same sign, at least half the threshold, occurs at the same
    slot of the week (± REPEAT_SLACK steps) in one of the REPEAT_WEEKS weeks before or after:
    a recurring peak (a weekly cleaning of a tank, a Monday refill) is demand, not a glitch."""
    period = season_length(freq)
    half = threshold / 2
    up = (z > half).astype(float)
    down = (z < -half).astype(float)
    slack = REPEAT_SLACK if freq == "h" else 0
    # Widen each peak over ± slack steps, then look whole weeks away.
    up = up.rolling(2 * slack + 1, center=True, min_periods=1).max()
    down = down.rolling(2 * slack + 1, center=True, min_periods=1).max()
    seen_up = pd.Series(0.0, index=z.index)
    seen_down = pd.Series(0.0, index=z.index)
    for k in range(1, REPEAT_WEEKS + 1):
        for lag in (k * period, -k * period):
            seen_up = np.maximum(seen_up, up.shift(lag).fillna(0.0))
            seen_down = np.maximum(seen_down, down.shift(lag).fillna(0.0))
    return ((z > 0) & (seen_up > 0)) | ((z < 0) & (seen_down > 0))


def weekly_profile(y: pd.Series, freq: str) -> pd.Series:
    """Median by position in the week (hour-of-week or weekday), the last-resort fill value."""
    return y.groupby(position_in_week(y.index, freq)).median()
