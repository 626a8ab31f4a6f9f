"""Reading wide CSV histories (a `timestamp` column, one column per series) onto a regular grid.

Local clock times with daylight saving are made regular explicitly: the repeated autumn hour
is averaged into one, the skipped spring hour becomes a gap; both are counted, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

FREQS = {"h": "h", "D": "D"}


@dataclass
class Grid:
    frame: pd.DataFrame  # regular DatetimeIndex, one float column per series, NaN = missing
    duplicated_stamps: int = 0  # e.g. the repeated 02:00 when DST ends
    inserted_stamps: int = 0  # e.g. the skipped 02:00 when DST starts, or any other hole
    notes: list[str] = field(default_factory=list)


def check_freq(freq: str) -> str:
    if freq not in FREQS:
        raise ValueError(f"freq must be 'h' or 'D', not {freq!r}")
    return freq


def regularize(frame: pd.DataFrame, freq: str) -> Grid:
    """Put a frame indexed by (possibly irregular, repeated) timestamps onto a regular grid."""
    check_freq(freq)
    frame = frame.apply(pd.to_numeric, errors="coerce")
    stamps = frame.index.floor(FREQS[freq])
    duplicated = int(frame.index.duplicated().sum())
    # Mean of the readings that fall in one slot: the two DST 02:00 hours, or hourly data as days
    # (pandas' groupby mean skips blanks, and an all-blank slot stays a gap, not a zero).
    regular = frame.groupby(stamps).mean()
    full = pd.date_range(regular.index.min(), regular.index.max(), freq=FREQS[freq])
    inserted = len(full) - len(regular)
    regular = regular.reindex(full)
    regular.index.name = "timestamp"
    notes = []
    if duplicated:
        notes.append(f"{duplicated} repeated timestamps (DST end) averaged")
    if inserted:
        notes.append(f"{inserted} missing timestamps (DST start or holes) inserted as gaps")
    return Grid(regular.astype(float), duplicated, inserted, notes)


def read_wide_csv(path: str | Path, freq: str = "h") -> Grid:
    """A CSV with a `timestamp` column and one numeric column per series (blank = missing)."""
    raw = pd.read_csv(path)
    if "timestamp" not in raw.columns:
        raise ValueError(f"{path}: no 'timestamp' column")
    stamps = pd.to_datetime(raw.pop("timestamp"), errors="coerce")
    if stamps.isna().any():
        bad = int(stamps.isna().sum())
        raise ValueError(f"{path}: {bad} timestamps could not be read")
    if raw.shape[1] == 0:
        raise ValueError(f"{path}: no series columns besides 'timestamp'")
    raw.index = pd.DatetimeIndex(stamps)
    return regularize(raw, freq)
