"""The labelled crops in ../shared/datasets and their fixed held-out split.

The split is chosen by a hash of each file name, per class, so it never changes between
runs or machines and training never sees the held-out crops. The held-out crops are split once
more, the same way, into two disjoint pools for the whole-photo set: `calibration` (photos that
fit the reader's confidence model and thresholds) and `evaluation` (photos it is measured on).
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HELD_OUT_SHARE = 0.2
POOLS = ("calibration", "evaluation")
DIGIT_LABELS = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "NaN")


def default_root() -> Path:
    """`../shared/datasets` beside the checkout."""
    return Path(__file__).resolve().parents[2] / "shared" / "datasets"


@dataclass(frozen=True)
class Sample:
    path: Path
    label: str  # digit class ("0".."9", "NaN") or needle value ("0.0".."9.9")


def _rank(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _load(folder: Path, column: str) -> list[Sample]:
    with open(folder / "labels.csv", newline="") as f:
        return [Sample(folder / row["file"], row[column]) for row in csv.DictReader(f)]


def split(samples: list[Sample], strata: dict[str, str]) -> tuple[list[Sample], list[Sample]]:
    """(train, held_out): per stratum, the 20 % of files whose name hash sorts first."""
    groups: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        groups[strata[s.path.name]].append(s)
    train, held = [], []
    for key in sorted(groups):
        ranked = sorted(groups[key], key=lambda s: _rank(s.path.name))
        n_held = round(len(ranked) * HELD_OUT_SHARE)
        held += ranked[:n_held]
        train += ranked[n_held:]
    return train, held


def digits(root: Path | None = None) -> tuple[list[Sample], list[Sample]]:
    """Digit-wheel crops, stratified by label."""
    samples = _load((root or default_root()) / "meter_digits", "label")
    return split(samples, {s.path.name: s.label for s in samples})


def needles(root: Path | None = None) -> tuple[list[Sample], list[Sample]]:
    """Dial crops, stratified by whole unit of the value (0–9)."""
    samples = _load((root or default_root()) / "meter_needles", "value")
    return split(samples, {s.path.name: needle_stratum(s) for s in samples})


def pool(
    held_out: list[Sample], name: str | None, stratum: Callable[[Sample], str] = lambda s: s.label
) -> list[Sample]:
    """The held-out crops of one pool (`calibration` or `evaluation`, half of each stratum by
    a second name hash, disjoint), or all of them for `None`."""
    if name is None:
        return held_out
    if name not in POOLS:
        raise ValueError(f"unknown pool {name!r}, expected one of {POOLS}")
    groups: dict[str, list[Sample]] = defaultdict(list)
    for s in held_out:
        groups[stratum(s)].append(s)
    out = []
    for key in sorted(groups):
        ranked = sorted(groups[key], key=lambda s: _rank("pool:" + s.path.name))
        half = len(ranked) // 2
        out += ranked[:half] if name == "calibration" else ranked[half:]
    return out


def needle_stratum(sample: Sample) -> str:
    """A dial crop's stratum: the whole unit of its value (0–9)."""
    return sample.label.split(".")[0]
