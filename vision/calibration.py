"""How likely a whole reading is right: a small logistic model on what the reader saw.

The per-position confidences of vision.meter are rules of thumb; they were not probabilities
(accepted photos were right 87 % of the time at "0.80"). This model turns the evidence of one
photo (`features`) into the probability that every position of its reading is right. It is
fitted by `shuiwu vision calibrate` on generated photos built only from the calibration pool
of held-out crops (vision.datasets.POOLS), and its acceptance threshold is chosen there too, so
`shuiwu vision eval` (evaluation pool, other seeds) measures it on photos it never saw.

A few things are never accepted whatever the model says (`refusal`): dials not found, a dial
that does not fit its neighbour, a wheel read as turning.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vision.datasets import DIGIT_LABELS

if TYPE_CHECKING:
    from vision.meter import Evidence

MODEL = Path(__file__).resolve().parent / "models" / "calibration.json"
# Features, in the model's order. Probabilities enter as -log(1 - p): the differences that
# matter are between 0.99 and 0.9999, not between 0.5 and 0.6.
FEATURES = (
    "wheel_min_p",  # -log(1 - p) of the least sure wheel (classifier's top class)
    "wheel_min_margin",  # smallest gap between a wheel's two most likely classes
    "ocr_read",  # 1 when PP-OCR read as many digits as there are wheels
    "ocr_mismatch",  # wheels where PP-OCR reads another digit than the one kept
    "ocr_score",  # PP-OCR's score of the window line (0 when it read no full line)
    "dial_fit_max",  # worst misfit of a dial with its next dial, in digits
    "last_edge",  # how far the last needle is from a mark, 0–0.5 digits
    "carry_margin",  # how far the nearest of the dials after the first is from 0 (its carry)
    "dial_spread_max",  # worst disagreement between the views of one dial, in digits
    "log_sharpness",  # log of the straightened window's Laplacian variance
    "window_score",  # how much the window's cells look like wheels
    "weakest",  # the smallest rule-of-thumb position confidence
)
# Hard limits, whatever the model says (also in the calibration data's figures).
# Digits: a dial this far from what its next dial implies (calibration photos: right 73 % of
# the time up to 0.3, 55 % from 0.3 to 0.45, 40 % beyond).
MAX_DIAL_FIT = 0.3
# A wheel whose digit gets less than half of the classifier's probability (calibration photos:
# of the 1,277 such wheels' photos otherwise allowed, 1,276 whole parts right, 1 wrong —
# without this limit the linear model let 3 of them through, misread by a whole digit).
MIN_WHEEL_P = 0.5


def _nlog(p: float) -> float:
    return -math.log(max(1e-4, 1.0 - p))


def features(ev: Evidence) -> dict[str, float]:
    """The model's inputs for one photo's evidence."""
    probs = ev.window.probs
    top2 = np.sort(probs, axis=1)[:, -2:]
    mismatch = 0
    if ev.ocr_text:
        mismatch = sum(ch != str(p.value) for ch, p in zip(ev.ocr_text, ev.wheels, strict=False))
    fits = [misfit for _, misfit, _ in reconcile_dials(ev.dial_values)[:-1]]
    last = ev.dial_values[-1] if ev.dial_values else 0.0
    return {
        "wheel_min_p": _nlog(float(probs[:, :10].max(1).min())),
        "wheel_min_margin": float((top2[:, 1] - top2[:, 0]).min()),
        "ocr_read": float(ev.ocr_text is not None),
        "ocr_mismatch": float(mismatch),
        "ocr_score": float(ev.ocr_score) if ev.ocr_text else 0.0,
        "dial_fit_max": max(fits, default=0.0),
        "last_edge": min(last % 1, 1 - last % 1) if ev.dial_values else 0.0,
        # A dial's digit depends on whether the next has passed 0: near 0, a small needle error
        # of the next dial changes this one's digit (min(v, 10 - v), capped at 1).
        "carry_margin": min((min(v, 10 - v, 1.0) for v in ev.dial_values[1:]), default=1.0),
        "dial_spread_max": max(ev.dial_spread, default=0.0),
        "log_sharpness": math.log(max(ev.sharpness, 1.0)),
        "window_score": float(ev.window.score),
        "weakest": _nlog(min((p.confidence for p in ev.positions), default=0.0)),
    }


def reconcile_dial(v: float, nxt: float) -> tuple[int, float]:
    """A dial's digit from its needle `v` and the next dial's value `nxt` (v ≈ d + nxt/10: the
    next dial says how far this needle has gone past its digit), and how far `v` is from where
    that puts it (digits, 0–5)."""
    d = round(v - nxt / 10) % 10
    return int(d), abs((v - (d + nxt / 10) + 5) % 10 - 5)


def reconcile_dials(values: list[float]) -> list[tuple[int, float, float]]:
    """Each dial's (digit, misfit in digits, value) reconciled from the last dial back.

    Each dial is reconciled with the next one's *reconciled* value (its digit plus what the
    dials after it say), not its raw needle: a ×0.01 needle read at 9.98 whose ×0.001 dial shows
    1.7 is really at 0.17, so the ×0.1 dial at 0.02 has just passed 0 — read against the raw
    9.98 it was taken for a 9 (on the calibration photos a tenth of the wrong first decimals).
    The last dial has no neighbour: its digit is where its needle has passed."""
    out: list[tuple[int, float, float]] = []
    nxt: float | None = None
    for v in reversed(values):
        if nxt is None:
            d, misfit, value = math.floor(v) % 10, 0.0, v % 10
        else:
            d, misfit = reconcile_dial(v, nxt)
            value = d + nxt / 10
        out.append((d, misfit, value))
        nxt = value
    return out[::-1]


def dial_fit(values: list[float], i: int) -> float:
    """How far dial `i` is from where the dials after it say it should be (digits, 0–5)."""
    return reconcile_dials(values)[i][1]


def refusal(ev: Evidence, dials_expected: int) -> str | None:
    """Why this reading must not be accepted without a person, or None."""
    if len(ev.dial_values) < dials_expected or ev.notes:
        return "dials_missing"
    if any(p.rolling for p in ev.wheels):
        return "rolling_wheel"
    if any(dial_fit(ev.dial_values, i) > MAX_DIAL_FIT for i in range(len(ev.dial_values) - 1)):
        return "dials_disagree"
    if np.isnan(ev.window.probs).any() or ev.window.probs.shape[1] != len(DIGIT_LABELS):
        return "no_probabilities"
    if float(ev.window.probs[:, :10].max(1).min()) < MIN_WHEEL_P:
        return "wheel_unsure"
    return None


@dataclass(frozen=True)
class Calibrator:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    accept: float  # probability at or above which a photo is accepted
    confirm: float  # below this it goes to staff review
    about: dict

    def probability(self, feats: dict[str, float]) -> float:
        x = (np.array([feats[f] for f in FEATURES]) - self.mean) / self.scale
        z = float(x @ self.coef + self.intercept)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict:
        return {
            "features": list(FEATURES),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "coef": self.coef.round(6).tolist(),
            "intercept": round(self.intercept, 6),
            "accept": self.accept,
            "confirm": self.confirm,
            "about": self.about,
        }

    @classmethod
    def from_json(cls, data: dict) -> Calibrator:
        if list(data["features"]) != list(FEATURES):
            raise ValueError(
                "calibration.json was fitted on other features: run shuiwu vision calibrate"
            )
        return cls(
            np.array(data["mean"]),
            np.array(data["scale"]),
            np.array(data["coef"]),
            float(data["intercept"]),
            float(data["accept"]),
            float(data["confirm"]),
            data.get("about", {}),
        )


# What a calibrator vouches for: every digit of the reading, or its whole cubic metres only (the
# integer wheels: what a meter reader writes down and the tariff counts; the dials' litres then
# count at the next reading, readings being running totals).
LEVELS = ("full", "integer")


@cache
def shipped(level: str = "full") -> Calibrator:
    """The calibrator of `level` in vision/models/calibration.json (read once per process)."""
    return Calibrator.from_json(json.loads(MODEL.read_text())[level])


def truncated(value: Decimal, level: str) -> Decimal:
    """The part of a reading a calibrator of `level` vouches for (the meter has passed it)."""
    return value if level == "full" else value.to_integral_value(rounding=ROUND_DOWN)


# ---------------------------------------------------------------- fitting


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(mean, scale, coef, intercept) of an L2-regularised logistic regression (Newton steps
    on standardised features)."""
    mean, scale = x.mean(0), x.std(0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0  # no penalty on the intercept
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (p - y) + reg * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, w[:-1], float(w[-1])


def out_of_fold(x: np.ndarray, y: np.ndarray, folds: int = 5, l2: float = 1.0) -> np.ndarray:
    """Each photo's probability from a model fitted without it (folds by position)."""
    out = np.zeros(len(y))
    fold = np.arange(len(y)) % folds
    for k in range(folds):
        mean, scale, coef, b = fit_logistic(x[fold != k], y[fold != k], l2)
        z = ((x[fold == k] - mean) / scale) @ coef + b
        out[fold == k] = 1 / (1 + np.exp(-np.clip(z, -30, 30)))
    return out


def choose_threshold(p: np.ndarray, right: np.ndarray, allowed: np.ndarray, target: float) -> float:
    """The lowest probability at which the photos accepted (allowed and p ≥ t) are right at
    least `target` of the time, and stay so for every higher t (no lucky dip)."""
    order = np.argsort(-p)
    best = 1.0
    kept = wrong = 0
    for i in order:
        if not allowed[i]:
            continue
        kept += 1
        wrong += not right[i]
        if (kept - wrong) / kept >= target:
            best = float(p[i])
        else:
            break
    return best


def collect(n: int, seed: int, pool: str = "calibration", root: Path | None = None):
    """Read `n` generated photos of `pool`: one row per photo (features, right, refusal)."""
    from shuiwu.errors import InvalidInput
    from vision import meter, synth

    for photo in synth.generate(n, seed=seed, root=root, pool=pool):
        try:
            ev = meter.evidence(photo.data, photo.layout)
        except InvalidInput:
            continue
        yield {
            **features(ev),
            "right": float(ev.reading == photo.reading),
            "refusal": refusal(ev, photo.layout.dials) or "",
            "seed": seed,
            "dial_values": " ".join(f"{v:.4f}" for v in ev.dial_values),
            "reading": str(ev.reading),
            "truth": str(photo.reading),
        }


TARGET = 0.997  # precision asked of the accepted calibration photos (goal 0.995, some margin)
# Never accept below this probability, whatever the calibration photos allow (with the wheel rule
# above they allowed the integer part down to 0.22: right there, but not a promise to make).
ACCEPT_FLOOR = 0.9
L2 = 1.0


def fit(rows: list[dict], level: str = "full", target: float = TARGET) -> tuple[Calibrator, dict]:
    """The calibrator of `level` for these collected rows and the figures of its out-of-fold
    check."""
    x = np.array([[float(r[f]) for f in FEATURES] for r in rows])
    y = np.array(
        [
            float(truncated(Decimal(r["reading"]), level) == truncated(Decimal(r["truth"]), level))
            for r in rows
        ]
    )
    # The refusal as the rules stand now (rows may have been collected under older limits).
    allowed = np.array(
        [
            not r["refusal"]
            and float(r["dial_fit_max"]) <= MAX_DIAL_FIT
            and float(r["wheel_min_p"]) >= _nlog(MIN_WHEEL_P)
            for r in rows
        ]
    )
    oof = out_of_fold(x, y, l2=L2)
    accept = max(ACCEPT_FLOOR, choose_threshold(oof, y.astype(bool), allowed, target))
    kept = allowed & (oof >= accept)
    # `confirm`: below it a reading is more likely wrong than right.
    mean, scale, coef, b = fit_logistic(x, y, L2)
    report = {
        "level": level,
        "photos": len(rows),
        "right": int(y.sum()),
        "accept_threshold": round(accept, 4),
        "accepted_out_of_fold": int(kept.sum()),
        "accepted_right_out_of_fold": int((kept & (y == 1)).sum()),
        "refused": int((~allowed).sum()),
        "seeds": sorted({int(r["seed"]) for r in rows}),
    }
    return Calibrator(mean, scale, coef, b, round(accept, 4), 0.5, report), report


def calibrate(
    n: int,
    seeds: list[int],
    rows_csv: Path | None = None,
    root: Path | None = None,
    out: Path = MODEL,
) -> list[dict]:
    """Generate `n` photos of the calibration pool per seed, read them, fit a calibrator per
    level, write them to `out`; the collected rows go to `rows_csv` (or are read from it when
    it exists)."""
    import csv

    if rows_csv is not None and rows_csv.is_file():
        with open(rows_csv, newline="") as f:
            rows = list(csv.DictReader(f))
    else:
        rows = [row for seed in seeds for row in collect(n, seed, "calibration", root)]
        if rows_csv is not None:
            with open(rows_csv, "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
    fitted = {level: fit(rows, level) for level in LEVELS}
    out.write_text(
        json.dumps({lv: c.to_json() for lv, (c, _) in fitted.items()}, ensure_ascii=False, indent=1)
        + "\n"
    )
    shipped.cache_clear()
    return [report for _, report in fitted.values()]
